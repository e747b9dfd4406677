/**
 * `deno task bench`: every benchmark of bench/, each figure beside its comparison, measured in
 * the same run, on this machine. Prints the machine, then the `deno bench` tables (translator,
 * ignite, layer build, push, start-up), then the fleet-scale and large-tree scripts:
 *
 *   ignite_bench.ts 100 1000    machines per second and peak RSS at two fleet sizes
 *   layer_bench.ts 500          a 500 MB tree beside `tar --sort=name -c | gzip -6`,
 *                               peak RSS building and pushing a 1 GB layer, an all-present push
 *   registry_push_memory.ts     peak RSS and rate of a streamed 1 GiB blob upload
 *   crypt_bench.ts 200          200 SHA-512 crypt hashes beside `openssl passwd -6`
 *   build_compare.ts 500        `iago build` processes on a 500 MB tree beside tar | gzip,
 *                               tar | pigz, buildah --layers + push and skopeo copy
 *
 * `deno task bench --quick` runs the `deno bench` tables only. Everything runs under a private
 * TMPDIR that is removed at the end, with any registry a benchmark left running.
 */
import { cpus, totalmem } from "node:os";

const here = new URL(".", import.meta.url).pathname;
const quick = Deno.args.includes("--quick");
const tmp = await Deno.makeTempDir({ prefix: "iago-bench-run-" });
const env = { TMPDIR: tmp, NO_COLOR: "1" };

async function step(title: string, args: string[]): Promise<boolean> {
  console.log(`\n## ${title}\n`);
  const started = performance.now();
  const { code } = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: `${here}..`,
    env,
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  console.log(`(${((performance.now() - started) / 1000).toFixed(1)} s, exit ${code})`);
  return code === 0;
}

const deno = Deno.version;
console.log("# iago benchmarks");
console.log(
  `machine: ${cpus().length} × ${cpus()[0]?.model.trim() ?? "cpu"}, ` +
    `${(totalmem() / 2 ** 30).toFixed(0)} GiB; deno ${deno.deno}, v8 ${deno.v8}; ` +
    `${new Date().toISOString().slice(0, 10)}`,
);

const benches = [...Deno.readDirSync(here)]
  .map((e) => e.name)
  .filter((n) => n.endsWith("_bench.ts"))
  .sort()
  .map((n) => `bench/${n}`);
let ok = await step("deno bench: " + benches.join(", "), ["bench", "-A", ...benches]);
if (!quick) {
  ok = await step("ignite --all at fleet scale", [
    "run",
    "-A",
    "bench/ignite_bench.ts",
    "100",
    "1000",
  ]) && ok;
  ok = await step("layer build of a 500 MB tree, 1 GB layer memory", [
    "run",
    "-A",
    "bench/layer_bench.ts",
    "500",
  ]) && ok;
  ok =
    await step("registry push of a 1 GiB blob", ["run", "-A", "bench/registry_push_memory.ts"]) &&
    ok;
  ok = await step("SHA-512 crypt beside openssl passwd -6", [
    "run",
    "-A",
    "bench/crypt_bench.ts",
    "200",
  ]) && ok;
  ok = await step("iago build beside tar | gzip, tar | pigz, buildah and skopeo", [
    "run",
    "-A",
    "bench/build_compare.ts",
    "500",
  ]) && ok;
}

// A benchmark that starts a registry stops it in an unload handler that `deno bench` never
// fires; end whatever still runs from our TMPDIR.
await new Deno.Command("pkill", { args: ["-f", tmp] }).output().catch(() => {});
await Deno.remove(tmp, { recursive: true }).catch(() => {});
Deno.exit(ok ? 0 : 1);
