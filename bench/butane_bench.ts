/**
 * Butane translation speed on a realistic machine config: 3 users, 30 files, 10 units (two with
 * drop-ins), a filesystem with a mount unit and a 12-file tree. In-process (target < 2 ms per
 * config) and, for comparison with the original tool's workflow, one `iago butane` process per
 * config.
 *
 *   deno bench -A bench/butane_bench.ts       the table
 *   deno run -A bench/butane_bench.ts [N]     the README's rows: in process (100 in a row), and
 *                                             `iago butane` from the bundle beside butane itself
 *                                             ($IAGO_BUTANE_ORACLE, a butane binary), a process
 *                                             per config, N interleaved rounds (default 20)
 */
import { join } from "node:path";
import { cpuUsage } from "node:process";
import { translateButaneTextSync } from "../src/butane/mod.ts";
import { bundle } from "../scripts/release.ts";
import { PERMISSIONS } from "../scripts/permissions.ts";
import { duration, interleaved, measure, median, ratio, timing } from "./measure.ts";
import { hasTool, missingTool, reportRow } from "./rows.ts";
import { realisticConfig, writeTree } from "./butane_config.ts";

const filesDir = Deno.makeTempDirSync({ prefix: "iago-bench-" });
writeTree(filesDir);
const text = realisticConfig();
Deno.writeTextFileSync(`${filesDir}/machine.bu`, text);

const check = translateButaneTextSync(text, { filesDir });
if (!check.ok) {
  throw new Error(`benchmark config does not translate: ${JSON.stringify(check.report)}`);
}

const main = new URL("../main.ts", import.meta.url).pathname;
if (import.meta.main) {
  await reportRows(Number(Deno.args[0] ?? 20));
  Deno.removeSync(filesDir, { recursive: true });
  Deno.exit(0);
}

/** Prints the README's rows: in process, then a process per config beside butane's. */
async function reportRows(rounds: number): Promise<void> {
  // Wall and CPU seconds per config, each a loop of 100 after a warm-up loop.
  const loops: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < 6; i++) {
    const [t0, c0] = [performance.now(), cpuUsage()];
    for (let j = 0; j < 100; j++) translateButaneTextSync(text, { filesDir });
    const c = cpuUsage(c0);
    if (i === 0) continue;
    loops.push((performance.now() - t0) / 100_000);
    cpu.push((c.user + c.system) / 100e6);
  }
  const work = "Butane translation of a realistic config (3 users, 30 files, 10 units, " +
    "a mount unit, a 12-file tree)";
  console.log(`in process: ${duration(median(loops))} per config (median of 5 x 100)`);
  reportRow({
    work: `${work}, in process`,
    iago: `${duration(median(loops))} per config, ${
      duration(median(cpu)).replace(" ", " CPU-")
    } (median of 5 loops of 100)`,
    beside: "",
    target: "< 2 ms",
  });

  const iagoJs = join(filesDir, "iago.js");
  const cwd = Deno.cwd();
  Deno.chdir(new URL("..", import.meta.url).pathname);
  await bundle(iagoJs);
  Deno.chdir(cwd);
  const oracle = Deno.env.get("IAGO_BUTANE_ORACLE");
  const config = `${filesDir}/machine.bu`;
  const runs = await interleaved(rounds, {
    iago: () =>
      measure([
        Deno.execPath(),
        "run",
        "--quiet",
        ...PERMISSIONS,
        iagoJs,
        "butane",
        "--strict",
        "-d",
        filesDir,
        config,
      ]),
    ...oracle && hasTool(oracle) && {
      butane: () => measure([oracle, "--strict", "-d", filesDir, config]),
    },
  });
  let beside = missingTool("butane", "set IAGO_BUTANE_ORACLE to a butane binary");
  if (runs.butane) {
    const version = (await measure([oracle!, "--version"])).stdout.trim();
    beside = `${version} (Go): ${timing(runs.butane, { cpu: true, rss: true })}; iago ${
      ratio(runs.iago, runs.butane)
    }`;
  }
  console.log(`iago butane process: ${timing(runs.iago, { cpu: true, rss: true })}`);
  console.log(
    `butane process: ${runs.butane ? timing(runs.butane, { cpu: true, rss: true }) : "not given"}`,
  );
  reportRow({
    work: `the same, one process per config (\`iago butane\` from the bundle; ${rounds} rounds)`,
    iago: timing(runs.iago, { cpu: true, rss: true }),
    beside,
    target: "as fast as butane",
  });
}

Deno.bench("butane: realistic config, in-process", { group: "butane", baseline: true }, () => {
  translateButaneTextSync(text, { filesDir });
});

Deno.bench(
  "butane: 100 realistic configs in a row, in-process (divide by 100)",
  { group: "butane-loop", n: 20, warmup: 5 },
  () => {
    for (let i = 0; i < 100; i++) translateButaneTextSync(text, { filesDir });
  },
);

Deno.bench(
  "butane: realistic config, one `iago butane` process per config",
  { group: "butane", n: 5, warmup: 1 },
  async () => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", main, "butane", "-d", filesDir, `${filesDir}/machine.bu`],
      stdout: "null",
      stderr: "null",
    }).output();
    if (!out.success) throw new Error("iago butane failed");
  },
);

globalThis.addEventListener("unload", () => Deno.removeSync(filesDir, { recursive: true }));
