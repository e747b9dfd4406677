/**
 * Start-up, one process per run as scripts and CI call iago: `iago butane` on a small config,
 * `iago --version` and `iago list` over 100 machines, from the release bundle (`deno run` with
 * the release permissions), beside butane (IAGO_BUTANE_ORACLE, else `butane` on PATH) and
 * Deno's own floor (`deno eval ''`). The commands run in interleaved rounds so the machine's
 * load falls on all alike; each run's wall time and CPU time (user + system, from bash's
 * `times`, to the millisecond) give a median and a 90th percentile.
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

/** One process's wall and CPU milliseconds. */
interface Run {
  wall: number;
  cpu: number;
}

/** A command to time, run in `cwd`. */
interface Command {
  name: string;
  argv: string[];
  cwd: string;
}

// bash times the command itself (not its own start) and reports the children's CPU time.
const TIMED = 's=$EPOCHREALTIME; "$@" >/dev/null; rc=$?; e=$EPOCHREALTIME; times; echo "$s $e $rc"';

async function timed(command: Command, env: Record<string, string>): Promise<Run> {
  const { stdout, stderr } = await new Deno.Command("bash", {
    args: ["-c", TIMED, "bash", ...command.argv],
    cwd: command.cwd,
    env: { ...env, LC_ALL: "C", NO_COLOR: "1" },
  }).output();
  const [, children, last] = new TextDecoder().decode(stdout).trim().split("\n");
  const [start, end, rc] = last.split(" ");
  if (rc !== "0") {
    throw new Error(
      `${command.argv.join(" ")} failed (exit ${rc}):\n` +
        new TextDecoder().decode(stderr),
    );
  }
  const seconds = [...children.matchAll(/(\d+)m([\d.]+)s/g)]
    .map(([, m, s]) => Number(m) * 60 + Number(s));
  return { wall: (Number(end) - Number(start)) * 1000, cpu: (seconds[0] + seconds[1]) * 1000 };
}

function quantile(xs: number[], q: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * q) - 1)];
}

const median = (xs: number[]) => quantile(xs, 0.5);

function whichButane(): string | undefined {
  const named = Deno.env.get("IAGO_BUTANE_ORACLE");
  if (named) return named;
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    try {
      if (Deno.statSync(join(dir, "butane")).isFile) return join(dir, "butane");
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

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
    PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
    HOME: Deno.env.get("HOME") ?? work,
    DENO_DIR: JSON.parse(new TextDecoder().decode(info.stdout)).denoDir,
    XDG_CACHE_HOME: join(work, "cache"),
  };
  const deno = Deno.execPath();
  const iago = [deno, "run", "--quiet", ...PERMISSIONS, bundlePath];
  const butane = whichButane();
  const commands: Command[] = [
    { name: "deno eval '' (Deno's floor)", argv: [deno, "eval", "--quiet", ""], cwd: work },
    { name: "iago --version", argv: [...iago, "--version"], cwd: work },
    { name: "iago butane small.bu", argv: [...iago, "butane", "small.bu"], cwd: work },
    { name: `iago list (${MACHINES} machines)`, argv: [...iago, "list"], cwd: ws },
  ];
  if (butane) {
    commands.push(
      { name: "butane --version", argv: [butane, "--version"], cwd: work },
      { name: "butane small.bu", argv: [butane, "small.bu"], cwd: work },
    );
  } else {
    console.log(
      "butane not found (set IAGO_BUTANE_ORACLE or put butane on PATH): iago's figures alone",
    );
  }

  const load = () => Deno.loadavg().map((n) => n.toFixed(2)).join(" ");
  const loadBefore = load();
  // A first run of each fills Deno's code cache and unpacks iago's full CLI, as any user's
  // first run does once.
  for (const command of commands) await timed(command, env);
  const runs = new Map<string, Run[]>(commands.map((c) => [c.name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const command of commands) runs.get(command.name)!.push(await timed(command, env));
  }

  const ms = (x: number) => `${x.toFixed(1)} ms`;
  const figures = (name: string) => {
    const r = runs.get(name)!;
    const wall = r.map((x) => x.wall);
    const cpu = r.map((x) => x.cpu);
    return `${ms(median(wall))} (p90 ${ms(quantile(wall, 0.9))}), CPU ${ms(median(cpu))} ` +
      `(p90 ${ms(quantile(cpu, 0.9))})`;
  };
  const ratio = (ours: string, theirs: string) => {
    const of = (pick: (r: Run) => number) =>
      (median(runs.get(ours)!.map(pick)) / median(runs.get(theirs)!.map(pick))).toFixed(2);
    return `${of((r) => r.wall)}x wall, ${of((r) => r.cpu)}x CPU`;
  };

  console.log(
    `start-up: ${ROUNDS} interleaved rounds, one process per run, median (p90); ` +
      `load average ${loadBefore} before, ${load()} after`,
  );
  for (const command of commands) {
    console.log(`  ${command.name.padEnd(30)} ${figures(command.name)}`);
  }
  if (butane) {
    const list = `iago list (${MACHINES} machines)`;
    console.log(
      `  iago butane / butane:           ${ratio("iago butane small.bu", "butane small.bu")}` +
        " (target 1.5x)",
    );
    console.log(
      `  iago --version / butane --version: ${ratio("iago --version", "butane --version")}` +
        " (target 2x)",
    );
    console.log(`  iago list / butane --version:   ${ratio(list, "butane --version")} (target 2x)`);
    console.log(
      `  Deno's floor / butane --version: ${
        ratio("deno eval '' (Deno's floor)", "butane --version")
      }`,
    );
  }
} finally {
  await Deno.remove(work, { recursive: true });
}
