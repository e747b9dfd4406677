/**
 * `iago build` as a user runs it (a new process each time, peak RSS from /usr/bin/time) beside
 * the tools it replaces, on the same generated tree (`COPY tree/ /srv/` onto scratch), in
 * interleaved rounds, medians:
 *
 *   deno run -A bench/build_compare.ts [--layer-only] [MB...]   (default 500; 3 rounds, 1 from
 *                                                1000 MB, or $ROUNDS; --layer-only: the layer row
 *                                                alone)
 *
 *   layer only      `iago build --no-push` with an empty layer cache, beside
 *                   `tar --sort=name -c | gzip -6` and `| pigz -6`
 *   first push      `iago build` to a local registry with an empty cache
 *   unchanged       `iago build` again: every layer from the cache, every blob in the registry;
 *                   beside `buildah build --layers` + `buildah push` of the same unchanged
 *                   context, and `skopeo copy` of the same image from an OCI layout
 *   touched         every file touched (same content): the layer is verified by content
 *
 * Targets (issue 13): layer within 1.1x of tar | pigz -6; unchanged rebuild + push of 2 GB in
 * under 2 s with 0 bytes uploaded; peak RSS < 128 MiB for any layer.
 */
import { join } from "node:path";
import { PERMISSIONS } from "../scripts/permissions.ts";
import { startRegistry } from "../tests/helpers/registry.ts";
import { makeTree } from "./layer_bench.ts";
import { measure, median, ratio, type Run, timing } from "./measure.ts";
import { hasTool, missingTool, reportRow } from "./rows.ts";

const repo = new URL("..", import.meta.url).pathname;

function iago(ws: string, ...args: string[]): string[] {
  return [
    Deno.execPath(),
    "run",
    "--quiet",
    ...PERMISSIONS,
    join(repo, "main.ts"),
    "-C",
    ws,
    ...args,
  ];
}

async function benchSize(mb: number, rounds: number, layerOnly: boolean): Promise<void> {
  const tmp = await Deno.makeTempDir({ prefix: "iago-bench-build-" });
  const registry = await startRegistry();
  try {
    const ws = join(tmp, "ws");
    const ctx = join(ws, "containers", "big");
    const bytes = await makeTree(join(ctx, "tree"), mb);
    await Deno.writeTextFile(join(ctx, "Containerfile"), "FROM scratch\nCOPY tree/ /srv/\n");
    await Deno.mkdir(join(ws, "config"));
    // A repository per round, so each round's first push uploads.
    const repository = (round: number) =>
      Deno.writeTextFile(
        join(ws, "config", "defaults.toml"),
        `[container_registry]\nurl = "${registry.host}/bench${round}"\n` +
          `insecure = ["${registry.host}"]\n`,
      );
    // Files younger than 2 s are not trusted by their stat (see layer_cache.ts).
    await new Promise((r) => setTimeout(r, 2100));
    const cache = join(ws, ".iago", "cache", "layers");
    const buildah = (...args: string[]) => [
      "buildah",
      "--storage-driver",
      "vfs",
      "--root",
      join(tmp, "buildah", "root"),
      "--runroot",
      join(tmp, "buildah", "run"),
      ...args,
    ];
    const rows = new Map<string, Run[]>();
    const add = (name: string, r: Run) => {
      rows.set(name, [...(rows.get(name) ?? []), r]);
      // Each figure as it is measured, so a long run that is stopped still tells something.
      console.log(
        `  (${name}: ${r.seconds.toFixed(2)} s, CPU ${r.cpuSeconds.toFixed(2)} s, ` +
          `${r.rssMiB.toFixed(0)} MiB)`,
      );
    };
    const tree = join(ctx, "tree");
    const [pigz, buildahHere, skopeo] = ["pigz", "buildah", "skopeo"].map(hasTool);
    const tgz = join(tmp, "tree.tgz");
    for (let round = 0; round < rounds; round++) {
      await repository(round);
      await Deno.remove(cache, { recursive: true }).catch(() => {});
      add(
        "iago build --no-push, empty cache",
        await measure(iago(ws, "build", "big", "--no-push"), { cwd: ws }),
      );
      add(
        "tar --sort=name -c | gzip -6",
        await measure([`tar --sort=name -cf - -C '${tree}' . | gzip -6 > '${tgz}'`], {
          cwd: ws,
          shell: true,
        }),
      );
      if (pigz) {
        add(
          "tar --sort=name -c | pigz -6",
          await measure([`tar --sort=name -cf - -C '${tree}' . | pigz -6 > '${tgz}'`], {
            cwd: ws,
            shell: true,
          }),
        );
      }
      if (layerOnly) continue;
      await Deno.remove(cache, { recursive: true }).catch(() => {});
      add("iago build + push, empty cache", await measure(iago(ws, "build", "big"), { cwd: ws }));
      add("iago build + push, unchanged", await measure(iago(ws, "build", "big"), { cwd: ws }));
      if (buildahHere) {
        const image = `${registry.host}/bench/buildah`;
        const bud = buildah("bud", "--layers", "--isolation", "chroot", "-t", image, ctx);
        const push = buildah("push", "--tls-verify=false", image, `docker://${image}:latest`);
        if (round === 0) {
          await measure([...bud.map((a) => `'${a}'`), "&&", ...push], { cwd: ws, shell: true });
        }
        add(
          "buildah build --layers + push, unchanged",
          await measure([...bud.map((a) => `'${a}'`), ">/dev/null", "&&", ...push], {
            cwd: ws,
            shell: true,
          }),
        );
      }
      const layout = join(tmp, "layout");
      if (skopeo && round === 0) {
        await measure(iago(ws, "build", "big", "--no-push"), { cwd: ws });
        await Deno.mkdir(layout);
        await measure(["tar", "-xf", join(ws, "output/images/big.tar"), "-C", layout], { cwd: ws });
      }
      if (skopeo) {
        add(
          "skopeo copy, every blob in the registry",
          await measure([
            "skopeo",
            "copy",
            "--dest-tls-verify=false",
            `oci:${layout}`,
            `docker://${registry.host}/bench${round}/big:copy`,
          ], { cwd: ws }),
        );
      }
      const now = new Date();
      for await (const e of walk(tree)) await Deno.utime(e, now, now);
      await new Promise((r) => setTimeout(r, 2100));
      add(
        "iago build + push, every file touched",
        await measure(iago(ws, "build", "big"), { cwd: ws }),
      );
    }
    console.log(
      `\n${(bytes / 2 ** 20).toFixed(0)} MiB tree (COPY tree/ /srv/ onto scratch), ` +
        `${rounds} interleaved round(s), medians:`,
    );
    for (const [name, runs] of rows) {
      const s = median(runs.map((r) => r.seconds));
      const cpu = median(runs.map((r) => r.cpuSeconds));
      const rss = median(runs.map((r) => r.rssMiB));
      const note = uploadNote(runs);
      console.log(
        `  ${name.padEnd(42)} ${s.toFixed(2).padStart(7)} s  CPU ${
          cpu.toFixed(2).padStart(6)
        } s  peak RSS ${rss.toFixed(0).padStart(4)} MiB  ${note}`,
      );
    }
    reportRows(bytes, rows, layerOnly);
  } finally {
    await registry.stop();
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
}

const TAR = "tar --sort=name -c";

/** What `iago build` said it uploaded on the last of `runs` ("no blob uploaded", "2 blobs ..."). */
function uploadNote(runs: Run[]): string {
  const last = runs.at(-1)?.stdout.trim().split("\n").at(-1) ?? "";
  return /; (no blob uploaded[^;(]*|\d+ blobs? uploaded[^;(]*)/.exec(last)?.[1] ?? "";
}

/** The README's rows for one tree size: iago's processes beside the tools', same rounds. */
function reportRows(bytes: number, rows: Map<string, Run[]>, layerOnly: boolean): void {
  const mib = (bytes / 2 ** 20).toFixed(0);
  const runs = (name: string) => rows.get(name) ?? [];
  const layer = runs("iago build --no-push, empty cache");
  const unchanged = runs("iago build + push, unchanged");
  const beside = (name: string, tool: string, label: string, ours: Run[]) => {
    const theirs = runs(name);
    if (!theirs.length) return missingTool(tool, `apt-get install ${tool}`);
    return `${label} ${timing(theirs, { cpu: true })} (iago ${ratio(ours, theirs)})`;
  };
  const rounds = `${layer.length} interleaved round${layer.length === 1 ? "" : "s"}`;
  reportRow({
    work: `layer of a ${mib} MiB tree, \`iago build --no-push\` with an empty cache, ` +
      `a process each (${rounds})`,
    iago: timing(layer, { cpu: true, rss: true }),
    beside: [
      beside("tar --sort=name -c | gzip -6", "gzip", `\`${TAR} | gzip -6\``, layer),
      beside("tar --sort=name -c | pigz -6", "pigz", `\`${TAR} | pigz -6\``, layer),
    ].join("; "),
    target: "within 1.1x of pigz; < 128 MiB RSS",
  });
  if (layerOnly) return;
  reportRow({
    work: `first build + push of the ${mib} MiB tree to a local registry, empty cache`,
    iago: `${timing(runs("iago build + push, empty cache"), { cpu: true, rss: true })}`,
    beside: "",
  });
  reportRow({
    work: `unchanged rebuild + push of the ${mib} MiB tree`,
    iago: `${timing(unchanged, { cpu: true, rss: true })}, ${uploadNote(unchanged)}`,
    beside: [
      beside(
        "buildah build --layers + push, unchanged",
        "buildah",
        "`buildah build --layers` + push",
        unchanged,
      ),
      beside(
        "skopeo copy, every blob in the registry",
        "skopeo",
        "`skopeo copy` of the same image, every blob present,",
        unchanged,
      ),
    ].join("; "),
    target: "< 2 s, 0 bytes uploaded",
  });
  const touched = runs("iago build + push, every file touched");
  reportRow({
    work: `rebuild + push of the ${mib} MiB tree after touching every file (same content)`,
    iago: `${timing(touched, { cpu: true, rss: true })}, ${uploadNote(touched)}`,
    beside: "",
  });
}

async function* walk(dir: string): AsyncGenerator<string> {
  for await (const e of Deno.readDir(dir)) {
    const path = join(dir, e.name);
    if (e.isDirectory) yield* walk(path);
    else yield path;
  }
}

if (import.meta.main) {
  const layerOnly = Deno.args.includes("--layer-only");
  const args = Deno.args.filter((a) => a !== "--layer-only");
  const sizes = args.length ? args.map(Number) : [500];
  const rounds = Number(Deno.env.get("ROUNDS") ?? 0);
  for (const mb of sizes) await benchSize(mb, rounds || (mb >= 1000 ? 1 : 3), layerOnly);
}
