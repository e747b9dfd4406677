/**
 * `deno task bench`: every benchmark of bench/, each figure beside its comparison, measured in
 * the same run, on this machine. Runs the start-up script first, then prints the `deno bench`
 * tables (translator, ignite, layer build, push, start-up), then runs the other scripts below,
 * each printing its own figures and the rows it measured for the README (`BENCH-ROW` lines,
 * bench/rows.ts), and ends with the README's Benchmarks table made of those rows alone, under
 * the machine, the date, the time the run took and the load average at its start and end:
 *
 *   startup_bench.ts 60         start-up of `iago --version`, `iago list`, `iago butane`, 60
 *                               rounds: first, before the other benchmarks have loaded the
 *                               machine (Deno's multi-threaded start-up suffers a recently busy
 *                               2-core machine more than a Go binary does: last session's bench,
 *                               started after the test suite, measured iago 1.97x butane where
 *                               quiet runs gave 1.46-1.63x)
 *   butane_bench.ts             Butane translation in process; `iago butane` beside butane
 *                               ($IAGO_BUTANE_ORACLE), a process per config
 *   ignite_bench.ts 100 1000    machines per second, CPU and peak RSS at two fleet sizes; the
 *                               first run with generated passwords beside openssl + butane
 *   crypt_bench.ts 200          200 SHA-512 crypt hashes beside `openssl passwd -6`
 *   build_compare.ts 500 2000   `iago build` processes on a 500 MB and a 2 GB tree beside
 *                               tar | gzip, tar | pigz, buildah --layers + push, skopeo copy
 *   layer_bench.ts 500          a 500 MB tree beside `tar --sort=name -c | gzip -6` in process,
 *                               peak RSS building and pushing a 1 GB layer, an all-present push
 *   registry_push_memory.ts     peak RSS and rate of a streamed 1 GiB blob upload
 *   containerfile_bench.ts      16,000 LABELs beside 2,000 (linear)
 *   template_bench.ts           20,000 file entries beside 5,000, template and plugin (linear)
 *   sandbox_bench.ts            starting the sandbox (first render of a run), each render, each
 *                               plugin call
 *
 * A comparison tool missing here (pigz, buildah, skopeo, openssl, butane) makes a row that says
 * so. `deno task bench --quick` runs the `deno bench` tables only; `deno task bench --only
 * crypt` runs only the scripts whose file name contains "crypt", and their table. Everything
 * runs under a private TMPDIR that is removed at the end, with any registry a benchmark left
 * running.
 */
import { cpus, totalmem } from "node:os";
import { type BenchRow, markdownTable, parseRow } from "./rows.ts";

const here = new URL(".", import.meta.url).pathname;
const quick = Deno.args.includes("--quick");
const only = Deno.args.includes("--only") ? Deno.args[Deno.args.indexOf("--only") + 1] : undefined;
const tmp = await Deno.makeTempDir({ prefix: "iago-bench-run-" });
const env = { TMPDIR: tmp, NO_COLOR: "1" };
const rows: BenchRow[] = [];

/** Runs one bench process, passing its output through and keeping the rows it reports. */
async function step(title: string, args: string[]): Promise<boolean> {
  console.log(`\n## ${title}\n`);
  const started = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args,
    cwd: `${here}..`,
    env,
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  let pending = "";
  for await (const text of child.stdout.pipeThrough(new TextDecoderStream())) {
    const lines = (pending + text).split("\n");
    pending = lines.pop()!;
    for (const line of lines) passLine(line);
  }
  if (pending) passLine(pending);
  const { code } = await child.status;
  console.log(`(${((performance.now() - started) / 1000).toFixed(1)} s, exit ${code})`);
  if (code !== 0) {
    rows.push({ work: title, iago: `failed (exit ${code}): see its output`, beside: "" });
  }
  return code === 0;
}

function passLine(line: string): void {
  const row = parseRow(line);
  if (row) rows.push(row);
  else console.log(line);
}

const loadAverage = () => Deno.loadavg().map((n) => n.toFixed(2)).join(" ");
const deno = Deno.version;
const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? "cpu"}, ` +
  `${(totalmem() / 2 ** 30).toFixed(0)} GiB; deno ${deno.deno}, v8 ${deno.v8}`;
const startedAt = new Date();
const loadAtStart = loadAverage();
console.log("# iago benchmarks");
console.log(`machine: ${machine}; ${startedAt.toISOString().slice(0, 10)}`);

const benches = [...Deno.readDirSync(here)]
  .map((e) => e.name)
  // (a script that only runs under `deno run` has no table)
  .filter((n) => n.endsWith("_bench.ts") && Deno.readTextFileSync(here + n).includes("Deno.bench("))
  .sort()
  .map((n) => `bench/${n}`);
/** A script's title, path and arguments. */
type Script = [string, string, ...string[]];
const startup: Script = ["start-up, a process per run", "bench/startup_bench.ts", "60"];
const runScripts = async (scripts: Script[]) => {
  let ok = true;
  for (const [title, script, ...args] of scripts.filter(([, s]) => s.includes(only ?? ""))) {
    ok = await step(title, ["run", "-A", script, ...args]) && ok;
  }
  return ok;
};
let ok = quick || await runScripts([startup]);
ok = (only !== undefined ||
  await step("deno bench: " + benches.join(", "), ["bench", "-A", ...benches])) && ok;
if (!quick) {
  const scripts: Script[] = [
    ["Butane translation, in process and a process per config", "bench/butane_bench.ts"],
    ["ignite --all at fleet scale", "bench/ignite_bench.ts", "100", "1000"],
    ["SHA-512 crypt beside openssl passwd -6", "bench/crypt_bench.ts", "200"],
    [
      "iago build beside tar | gzip, tar | pigz, buildah and skopeo",
      "bench/build_compare.ts",
      "500",
      "2000",
    ],
    ["layer build of a 500 MB tree, 1 GB layer memory", "bench/layer_bench.ts", "500"],
    ["registry push of a 1 GiB blob", "bench/registry_push_memory.ts"],
    ["long Containerfiles", "bench/containerfile_bench.ts"],
    ["ignite of a machine with many file entries", "bench/template_bench.ts"],
    ["the sandbox for templates and plugins", "bench/sandbox_bench.ts"],
  ];
  ok = await runScripts(scripts) && ok;

  const took = Math.round((Date.now() - startedAt.getTime()) / 1000);
  console.log("\n## Benchmarks table (every row from this run)\n");
  console.log(
    `${machine}; ${startedAt.toISOString().slice(0, 16).replace("T", " ")} UTC, ` +
      `took ${Math.floor(took / 60)} min ${
        took % 60
      } s; load average (1, 5, 15 min) ${loadAtStart} at the start, ` +
      `${loadAverage()} at the end\n`,
  );
  console.log(markdownTable(rows));
}

// A benchmark that starts a registry stops it in an unload handler that `deno bench` never
// fires; end whatever still runs from our TMPDIR.
await new Deno.Command("pkill", { args: ["-f", tmp] }).output().catch(() => {});
await Deno.remove(tmp, { recursive: true }).catch(() => {});
Deno.exit(ok ? 0 : 1);
