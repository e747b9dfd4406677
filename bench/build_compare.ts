/**
 * `iago build` as a user runs it (a new process each time, peak RSS from /usr/bin/time) beside
 * the tools it replaces, on the same generated tree (`COPY tree/ /srv/` onto scratch), in
 * interleaved rounds, medians:
 *
 *   deno run -A bench/build_compare.ts [MB...]   (default 500; 3 rounds, 1 from 1000 MB, or
 *                                                $ROUNDS)
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
import { startRegistry } from "../tests/helpers/registry.ts";
import { makeTree } from "./layer_bench.ts";

const repo = new URL("..", import.meta.url).pathname;

interface Run {
  seconds: number;
  /** User + system CPU seconds of the process and its children: what load does not change. */
  cpuSeconds: number;
  rssMiB: number;
  stdout: string;
}

/** Runs a command under /usr/bin/time; returns its time, peak RSS and output. */
async function measure(cmd: string[], cwd: string, shell = false): Promise<Run> {
  const args = shell ? ["sh", "-c", cmd.join(" ")] : cmd;
  const t0 = performance.now();
  const out = await new Deno.Command("/usr/bin/time", {
    args: ["-f", "%M %U %S", ...args],
    cwd,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const seconds = (performance.now() - t0) / 1000;
  const err = new TextDecoder().decode(out.stderr).trim().split("\n");
  const stdout = new TextDecoder().decode(out.stdout);
  if (!out.success) throw new Error(`${args.join(" ")} failed:\n${err.slice(-8).join("\n")}`);
  const [rss, user, system] = err.at(-1)!.split(" ").map(Number);
  return { seconds, cpuSeconds: user + system, rssMiB: rss / 1024, stdout };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function iago(ws: string, ...args: string[]): string[] {
  return [
    Deno.execPath(),
    "run",
    "--quiet",
    "-A",
    join(repo, "main.ts"),
    "-C",
    ws,
    ...args,
  ];
}

async function benchSize(mb: number, rounds: number): Promise<void> {
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
    const tgz = join(tmp, "tree.tgz");
    for (let round = 0; round < rounds; round++) {
      await repository(round);
      await Deno.remove(cache, { recursive: true }).catch(() => {});
      add(
        "iago build --no-push, empty cache",
        await measure(iago(ws, "build", "big", "--no-push"), ws),
      );
      add(
        "tar --sort=name -c | gzip -6",
        await measure([`tar --sort=name -cf - -C '${tree}' . | gzip -6 > '${tgz}'`], ws, true),
      );
      add(
        "tar --sort=name -c | pigz -6",
        await measure([`tar --sort=name -cf - -C '${tree}' . | pigz -6 > '${tgz}'`], ws, true),
      );
      await Deno.remove(cache, { recursive: true }).catch(() => {});
      add("iago build + push, empty cache", await measure(iago(ws, "build", "big"), ws));
      add("iago build + push, unchanged", await measure(iago(ws, "build", "big"), ws));
      const image = `${registry.host}/bench/buildah`;
      const bud = buildah("bud", "--layers", "--isolation", "chroot", "-t", image, ctx);
      const push = buildah("push", "--tls-verify=false", image, `docker://${image}:latest`);
      if (round === 0) await measure([...bud.map((a) => `'${a}'`), "&&", ...push], ws, true);
      add(
        "buildah build --layers + push, unchanged",
        await measure([...bud.map((a) => `'${a}'`), ">/dev/null", "&&", ...push], ws, true),
      );
      const layout = join(tmp, "layout");
      if (round === 0) {
        await measure(iago(ws, "build", "big", "--no-push"), ws);
        await Deno.mkdir(layout);
        await measure(["tar", "-xf", join(ws, "output/images/big.tar"), "-C", layout], ws);
      }
      add(
        "skopeo copy, every blob in the registry",
        await measure([
          "skopeo",
          "copy",
          "--dest-tls-verify=false",
          `oci:${layout}`,
          `docker://${registry.host}/bench${round}/big:copy`,
        ], ws),
      );
      const now = new Date();
      for await (const e of walk(tree)) await Deno.utime(e, now, now);
      await new Promise((r) => setTimeout(r, 2100));
      add("iago build + push, every file touched", await measure(iago(ws, "build", "big"), ws));
    }
    console.log(
      `\n${(bytes / 2 ** 20).toFixed(0)} MiB tree (COPY tree/ /srv/ onto scratch), ` +
        `${rounds} interleaved round(s), medians:`,
    );
    for (const [name, runs] of rows) {
      const s = median(runs.map((r) => r.seconds));
      const cpu = median(runs.map((r) => r.cpuSeconds));
      const rss = median(runs.map((r) => r.rssMiB));
      const last = runs.at(-1)!.stdout.trim().split("\n").at(-1) ?? "";
      const note = /; (no blob uploaded[^;(]*|\d+ blobs? uploaded[^;(]*)/.exec(last)?.[1] ?? "";
      console.log(
        `  ${name.padEnd(42)} ${s.toFixed(2).padStart(7)} s  CPU ${
          cpu.toFixed(2).padStart(6)
        } s  peak RSS ${rss.toFixed(0).padStart(4)} MiB  ${note}`,
      );
    }
    const t = (name: string) => median(rows.get(name)!.map((r) => r.seconds));
    console.log(
      `  layer: ${
        (t("iago build --no-push, empty cache") / t("tar --sort=name -c | pigz -6")).toFixed(2)
      }x tar | pigz -6, ` +
        `${
          (t("iago build --no-push, empty cache") / t("tar --sort=name -c | gzip -6")).toFixed(2)
        }x tar | gzip -6; ` +
        `unchanged: ${
          (t("iago build + push, unchanged") / t("buildah build --layers + push, unchanged"))
            .toFixed(2)
        }x buildah, ` +
        `${
          (t("iago build + push, unchanged") / t("skopeo copy, every blob in the registry"))
            .toFixed(2)
        }x skopeo copy`,
    );
  } finally {
    await registry.stop();
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
}

async function* walk(dir: string): AsyncGenerator<string> {
  for await (const e of Deno.readDir(dir)) {
    const path = join(dir, e.name);
    if (e.isDirectory) yield* walk(path);
    else yield path;
  }
}

if (import.meta.main) {
  const sizes = Deno.args.length ? Deno.args.map(Number) : [500];
  const rounds = Number(Deno.env.get("ROUNDS") ?? 0);
  for (const mb of sizes) await benchSize(mb, rounds || (mb >= 1000 ? 1 : 3));
}
