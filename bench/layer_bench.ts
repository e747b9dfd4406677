/**
 * Layer building and pushing, measured against the tools a user would compare with.
 *
 *   deno run -A bench/layer_bench.ts [MB] [LAYER_MB]
 *                                           a generated tree of mixed files (default 500 MB):
 *                                           iago's layer (tar + gzip + both digests) beside
 *                                           `tar --sort=name -c | gzip -6` on the same tree;
 *                                           then, in a fresh process, peak RSS while building
 *                                           and pushing a LAYER_MB (default 1024) layer to a
 *                                           local registry, and
 *                                           the time of a push whose blobs all exist
 *   deno bench -A bench/layer_bench.ts      the same layer pipeline over an 8 MB tree
 *
 * Targets: within 1.25x of tar | gzip -6; peak RSS under 200 MB; existing push under 1 s.
 * Trees are made in a temporary directory at run time and removed afterwards.
 */
import { join } from "node:path";
import { BlobStore } from "../src/oci/blobs.ts";
import { BuildContext } from "../src/oci/context.ts";
import { contextSources, placeSources } from "../src/oci/copy.ts";
import { buildLayer, sortEntries } from "../src/oci/layer.ts";
import { OCI_LAYER_GZIP } from "../src/oci/media_types.ts";
import { V8_FLAGS } from "../scripts/permissions.ts";
import { reportRow } from "./rows.ts";

const WORDS = (
  "the quick brown fox jumps over lazy dog systemd unit container image layer registry " +
  "manifest config digest ignition butane machine fedora coreos podman bootc update health"
).split(" ");

/** A deterministic pseudo-random generator (xorshift32). */
function rng(seed: number): () => number {
  let x = seed || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

function textBytes(size: number, next: () => number): Uint8Array {
  const parts: string[] = [];
  let n = 0;
  while (n < size) {
    const line = Array.from({ length: 8 + Math.floor(next() * 8) }, () =>
      WORDS[Math.floor(next() * WORDS.length)]).join(" ") + ` ${Math.floor(next() * 1e6)}\n`;
    parts.push(line);
    n += line.length;
  }
  return new TextEncoder().encode(parts.join("")).subarray(0, size);
}

/** `size` bytes of noise from `next`'s seed: incompressible, and the same on every run. */
function noiseBytes(size: number, next: () => number): Uint8Array {
  const words = new Uint32Array(Math.ceil(size / 4));
  let x = Math.floor(next() * 4294967296) || 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x;
  }
  return new Uint8Array(words.buffer, 0, size);
}

/**
 * Writes a tree of about `mb` MB: many small text files, medium and large mixed files, the same
 * bytes on every run.
 */
export async function makeTree(root: string, mb: number): Promise<number> {
  const next = rng(42);
  const budget = mb * 1024 * 1024;
  let total = 0;
  let i = 0;
  while (total < budget) {
    const kind = i % 20;
    const size = kind < 16
      ? 4096 + Math.floor(next() * 60_000)
      : kind < 19
      ? 512 * 1024 + Math.floor(next() * 1536 * 1024)
      : 8 * 1024 * 1024 + Math.floor(next() * 4 * 1024 * 1024);
    const dir = join(root, `d${i % 37}`, `s${i % 5}`);
    await Deno.mkdir(dir, { recursive: true });
    const bytes = i % 2 === 0 ? textBytes(size, next) : noiseBytes(size, next);
    await Deno.writeFile(join(dir, `f${i}.${i % 2 === 0 ? "txt" : "bin"}`), bytes);
    total += size;
    i++;
  }
  return total;
}

/** iago's layer of everything in `root` (as `COPY . /srv/`), written into `storeDir`. */
export async function iagoLayer(root: string, storeDir: string) {
  const context = await BuildContext.open(root);
  const at = { file: "bench" };
  const sources = await contextSources(context, ".", at);
  const entries = sortEntries(placeSources(sources, "/srv", true, {}));
  return await buildLayer(new BlobStore(storeDir), entries, { mediaType: OCI_LAYER_GZIP });
}

async function tarGzip(root: string, out: string): Promise<void> {
  const r = await new Deno.Command("sh", {
    args: ["-c", `tar --sort=name -cf - -C '${root}' . | gzip -6 > '${out}'`],
  }).output();
  if (!r.success) throw new Error("tar | gzip failed");
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return (performance.now() - t) / 1000;
}

function peakRss(): number {
  const status = Deno.readTextFileSync("/proc/self/status");
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

/** Child mode: build and push the tree's layer; print peak RSS and the all-exists push time. */
async function rssChild(tree: string): Promise<void> {
  const { startRegistry } = await import("../tests/helpers/registry.ts");
  const { RegistryClient } = await import("../src/registry/mod.ts");
  const { finishBuild } = await import("../src/oci/result.ts");
  const { pushBuild } = await import("../src/oci/push.ts");
  const { scratchConfig } = await import("../src/oci/image.ts");
  const tmp = await Deno.makeTempDir({ prefix: "iago-bench-" });
  const registry = await startRegistry();
  try {
    const before = peakRss();
    const t0 = performance.now();
    const layer = await iagoLayer(tree, join(tmp, "store"));
    const platform = { os: "linux", architecture: "amd64" };
    const config = scratchConfig(platform, "1970-01-01T00:00:00Z");
    config.rootfs.diff_ids.push(layer.diffId);
    const store = new BlobStore(join(tmp, "store"));
    const result = await finishBuild([{ platform, config, layers: [layer] }], store);
    const client = new RegistryClient(registry.host, { insecure: true, timeoutMs: 120_000 });
    await pushBuild(result, { client, repository: "bench/big" }, ["latest"]);
    const buildPush = (performance.now() - t0) / 1000;
    const peak = peakRss();
    const t1 = performance.now();
    const again = await pushBuild(result, { client, repository: "bench/big" }, ["latest"]);
    const existing = performance.now() - t1;
    console.log(JSON.stringify({
      layerBytes: layer.size,
      buildPushSeconds: buildPush,
      rssBeforeMB: before,
      peakRssMB: peak,
      existingPushMs: existing,
      uploadedOnRepush: again.uploaded,
    }));
  } finally {
    await registry.stop();
    await Deno.remove(tmp, { recursive: true });
  }
}

if (import.meta.main) {
  if (Deno.args[0] === "--rss-child") {
    await rssChild(Deno.args[1]);
  } else {
    const mb = Number(Deno.args[0] ?? 500);
    const tmp = await Deno.makeTempDir({ prefix: "iago-bench-" });
    try {
      const tree = join(tmp, "tree");
      const bytes = await makeTree(tree, mb);
      console.log(`tree: ${(bytes / 1024 / 1024).toFixed(0)} MB of mixed files`);
      const ours: number[] = [];
      const theirs: number[] = [];
      for (let round = 0; round < 2; round++) {
        ours.push(await time(() => iagoLayer(tree, join(tmp, `store${round}`))));
        theirs.push(await time(() => tarGzip(tree, join(tmp, `tar${round}.tgz`))));
        await Deno.remove(join(tmp, `store${round}`), { recursive: true });
      }
      const a = Math.min(...ours);
      const b = Math.min(...theirs);
      const mbs = (s: number) => (bytes / 1024 / 1024 / s).toFixed(0);
      console.log(`iago layer:              ${a.toFixed(2)} s  (${mbs(a)} MB/s)`);
      console.log(`tar --sort=name | gzip -6: ${b.toFixed(2)} s  (${mbs(b)} MB/s)`);
      console.log(`ratio: ${(a / b).toFixed(2)}x (target <= 1.25x)`);
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
    const big = await Deno.makeTempDir({ prefix: "iago-bench-" });
    const layerMb = Number(Deno.args[1] ?? 1024);
    await makeTree(join(big, "tree"), layerMb);
    const child = await new Deno.Command(Deno.execPath(), {
      // iago's V8 flags: the push collects as iago does (src/memory.ts).
      args: [
        "run",
        "-A",
        V8_FLAGS,
        new URL(import.meta.url).pathname,
        "--rss-child",
        join(big, "tree"),
      ],
      stderr: "inherit",
    }).output();
    await Deno.remove(big, { recursive: true });
    const r = JSON.parse(new TextDecoder().decode(child.stdout));
    console.log(
      `${layerMb} MB layer built and pushed in ${r.buildPushSeconds.toFixed(1)} s; peak RSS ${
        r.peakRssMB.toFixed(0)
      } MB, ${r.rssBeforeMB.toFixed(0)} MB before building (target < 200 MB)`,
    );
    console.log(
      `push with every blob present: ${
        r.existingPushMs.toFixed(0)
      } ms, ${r.uploadedOnRepush} uploads (target < 1 s, 0)`,
    );
    // The 500 MB comparison above is in process against a tar | gzip process: the README's
    // layer row is build_compare.ts's, a process each.
    reportRow({
      work: `build and push of a ${layerMb} MiB layer in one process (\`bench/layer_bench.ts\`)`,
      iago: `${r.buildPushSeconds.toFixed(1)} s, peak RSS ${r.peakRssMB.toFixed(0)} MiB ` +
        `(${r.rssBeforeMB.toFixed(0)} MiB before building)`,
      beside: "",
      target: "< 128 MiB",
    });
    reportRow({
      work: "then a push of the same image, every blob in the registry, in process",
      iago: `${r.existingPushMs.toFixed(0)} ms, ${r.uploadedOnRepush} uploads`,
      beside: "",
      target: "< 1 s, 0 uploads",
    });
  }
} else {
  // deno bench has no teardown hook: each run makes its own tree outside the timed part and
  // removes it, so nothing is left behind.
  Deno.bench("iago layer of an 8 MB tree (tar + gzip + digests)", async (b) => {
    const tmp = await Deno.makeTempDir({ prefix: "iago-bench-" });
    try {
      await makeTree(join(tmp, "tree"), 8);
      b.start();
      await iagoLayer(join(tmp, "tree"), join(tmp, "store"));
      b.end();
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  });
}
