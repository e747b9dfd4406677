/**
 * Start-up, one process per run as scripts and CI call iago: `iago butane` on a small config,
 * `iago --version` and `iago list` over 100 machines, from the release bundle (`deno run` with
 * the release permissions), beside butane (IAGO_BUTANE_ORACLE, else `butane` on PATH) and
 * Deno's own floor (`deno eval ''`). The commands run in interleaved rounds so the machine's
 * load falls on all alike; each run's wall time and CPU time (user + system, from bash's
 * `times`, to the millisecond; bench/measure.ts) give a median and a 90th percentile.
 *
 * Targets (issue 14): `iago butane` within 1.5x of butane's time per process, `iago --version`
 * and `iago list` within 2x of `butane --version`.
 *
 *   deno run -A bench/startup_bench.ts [ROUNDS]      (default 30; also run by deno task bench)
 */
import { join } from "node:path";
import { main } from "../src/cli/main.ts";
import { memoryOutput } from "../src/output.ts";
import { bundle } from "../scripts/release.ts";
import { PERMISSIONS } from "../scripts/permissions.ts";
import { interleaved, measure, median, p90, ratio, type Run } from "./measure.ts";
import { hasTool, missingTool, reportRow } from "./rows.ts";

const MACHINES = 100;
const ROUNDS = Number(Deno.args[0] ?? 30);
const SMALL_CONFIG = `variant: fcos
version: 1.5.0
passwd:
  users:
    - name: core
      ssh_authorized_keys:
        - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIexample core@laptop
storage:
  files:
    - path: /etc/hostname
      mode: 0644
      contents:
        inline: small
systemd:
  units:
    - name: hello.service
      enabled: true
      contents: |
        [Unit]
        Description=Hello
        [Service]
        ExecStart=/usr/bin/echo hello
        [Install]
        WantedBy=multi-user.target
`;

const repo = new URL("..", import.meta.url).pathname;
const work = await Deno.makeTempDir({ prefix: "iago-startup-" });
try {
  const ws = join(work, "ws");
  await Deno.mkdir(ws);
  for (let i = 0; i < MACHINES; i++) {
    const out = memoryOutput();
    const args = ["init", "--machine-only", "--domain", "bench.example", `m${i}`];
    const code = await main(args, { out, cwd: ws, env: { IAGO_OFFLINE: "1" } });
    if (code !== 0) throw new Error(`init m${i} failed: ${out.stderr.join("\n")}`);
  }
  await Deno.writeTextFile(join(work, "small.bu"), SMALL_CONFIG);

  const bundlePath = join(work, "iago.js");
  const cwd = Deno.cwd();
  Deno.chdir(repo);
  await bundle(bundlePath);
  Deno.chdir(cwd);

  // iago unpacks its full CLI into a cache directory of this run; Deno keeps its own.
  const info = await new Deno.Command(Deno.execPath(), { args: ["info", "--json"] }).output();
  const env = {
    DENO_DIR: JSON.parse(new TextDecoder().decode(info.stdout)).denoDir,
    XDG_CACHE_HOME: join(work, "cache"),
  };
  const deno = Deno.execPath();
  const iago = [deno, "run", "--quiet", ...PERMISSIONS, bundlePath];
  const oracle = Deno.env.get("IAGO_BUTANE_ORACLE") || "butane";
  const butane = hasTool(oracle) ? oracle : undefined;
  const run = (argv: string[], cwd = work) => () => measure(argv, { cwd, env, rss: false });
  const list = `iago list (${MACHINES} machines)`;
  const commands: Record<string, () => Promise<Run>> = {
    "deno eval ''": run([deno, "eval", "--quiet", ""]),
    "iago --version": run([...iago, "--version"]),
    "iago butane small.bu": run([...iago, "butane", "small.bu"]),
    [list]: run([...iago, "list"], ws),
    ...butane && {
      "butane --version": run([butane, "--version"]),
      "butane small.bu": run([butane, "small.bu"]),
    },
  };
  if (!butane) {
    console.log(
      `${oracle} not found (set IAGO_BUTANE_ORACLE to a butane binary): iago's figures alone`,
    );
  }

  const load = () => Deno.loadavg().map((n) => n.toFixed(2)).join(" ");
  const loadBefore = load();
  // A first run of each fills Deno's code cache and unpacks iago's full CLI, as a user's first
  // run does once.
  await interleaved(1, commands);
  const runs = await interleaved(ROUNDS, commands);
  const loadAfter = load();

  const ms = (s: number) => `${(s * 1000).toFixed(1)} ms`;
  const figures = (name: string) => {
    const wall = runs[name].map((r) => r.seconds);
    const cpu = runs[name].map((r) => r.cpuSeconds);
    return `${ms(median(wall))} (p90 ${ms(p90(wall))}), CPU ${ms(median(cpu))} (p90 ${
      ms(p90(cpu))
    })`;
  };
  console.log(
    `start-up, ${ROUNDS} interleaved rounds, a process per run, median (p90); ` +
      `load average ${loadBefore} before, ${loadAfter} after`,
  );
  for (const name of Object.keys(commands)) console.log(`  ${name.padEnd(28)} ${figures(name)}`);

  const floor = `Deno's floor, \`deno eval ''\`: ${figures("deno eval ''")}`;
  const versus = (ours: string, theirs: string) =>
    butane
      ? `\`${theirs}\`: ${figures(theirs)}; iago ${ratio(runs[ours], runs[theirs])}; ${floor}`
      : `${missingTool("butane", "set IAGO_BUTANE_ORACLE to a butane binary")}; ${floor}`;
  const rounds = `a process per run, ${ROUNDS} interleaved rounds, load ${loadBefore}`;
  reportRow({
    work: `start-up: \`iago butane\` on a small config (bundle; ${rounds})`,
    iago: figures("iago butane small.bu"),
    beside: versus("iago butane small.bu", "butane small.bu"),
    target: "within 1.5x of butane",
  });
  reportRow({
    work: "start-up: `iago --version` (same run)",
    iago: figures("iago --version"),
    beside: versus("iago --version", "butane --version"),
    target: "within 2x of `butane --version`",
  });
  reportRow({
    work: `start-up: \`iago list\`, ${MACHINES} machines (same run)`,
    iago: figures(list),
    beside: versus(list, "butane --version"),
    target: "within 2x of `butane --version`",
  });
} finally {
  await Deno.remove(work, { recursive: true });
}
