/**
 * Timing processes the way the Benchmarks table compares them: each command a process of its
 * own under /usr/bin/time, wall time beside user + system CPU seconds (what a loaded machine
 * does not inflate much) and peak RSS, commands interleaved round by round, medians and p90.
 */

/** One measured process. */
export interface Run {
  seconds: number;
  /** User + system CPU seconds of the process and its children. */
  cpuSeconds: number;
  rssMiB: number;
  stdout: string;
}

export interface MeasureOptions {
  cwd?: string;
  /** Run `cmd` joined with spaces by `sh -c` (for pipelines). */
  shell?: boolean;
  /** Written to the process's stdin. */
  input?: string;
  env?: Record<string, string>;
  /**
   * Measure the peak RSS (the default) under /usr/bin/time; false leaves it out (rssMiB NaN)
   * for processes of a few ms, whose wall and CPU time /usr/bin/time's own start would inflate.
   */
  rss?: boolean;
}

// bash times the command to the microsecond, without its own start, and its `times` gives the
// children's user and system CPU to the millisecond (/usr/bin/time's %U %S: 10 ms steps, too
// coarse for a 50 ms process); /usr/bin/time gives the peak RSS.
const TIMED = 's=$EPOCHREALTIME; "$@"; rc=$?; e=$EPOCHREALTIME; { times; echo "$s $e"; } >&2; ' +
  "exit $rc";

/**
 * Runs `cmd` as a process of its own (wall time, CPU seconds, peak RSS); throws with the end
 * of its stderr when it fails.
 */
export async function measure(cmd: string[], options: MeasureOptions = {}): Promise<Run> {
  const args = options.shell ? ["sh", "-c", cmd.join(" ")] : cmd;
  const child = new Deno.Command("bash", {
    args: [
      "-c",
      TIMED,
      "bash",
      ...options.rss === false ? [] : ["/usr/bin/time", "-f", "%M"],
      ...args,
    ],
    cwd: options.cwd,
    stdin: options.input === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", ...options.env, LC_ALL: "C" },
  }).spawn();
  if (options.input !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(options.input));
    await writer.close();
  }
  const out = await child.output();
  const err = new TextDecoder().decode(out.stderr).trim().split("\n");
  if (!out.success) throw new Error(`${args.join(" ")} failed:\n${err.slice(-12, -4).join("\n")}`);
  const [rss, , children, span] = options.rss === false ? ["NaN", ...err.slice(-3)] : err.slice(-4);
  const [start, end] = span.split(" ").map(Number);
  const [user, system] = [...children.matchAll(/(\d+)m([\d.]+)s/g)]
    .map(([, m, s]) => Number(m) * 60 + Number(s));
  return {
    seconds: end - start,
    cpuSeconds: user + system,
    rssMiB: Number(rss) / 1024,
    stdout: new TextDecoder().decode(out.stdout),
  };
}

/** The middle value (the upper one of an even count). */
export function median(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
}

/** The 90th percentile by nearest rank: the value 90% of the runs did not exceed. */
export function p90(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.ceil(xs.length * 0.9) - 1];
}

/**
 * Runs every command of `commands` once per round, in the same order each round, so a change
 * in the machine's load falls on all of them alike; returns each command's runs.
 */
export async function interleaved(
  rounds: number,
  commands: Record<string, () => Promise<Run>>,
): Promise<Record<string, Run[]>> {
  const runs: Record<string, Run[]> = {};
  for (let round = 0; round < rounds; round++) {
    for (const [name, run] of Object.entries(commands)) {
      (runs[name] ??= []).push(await run());
    }
  }
  return runs;
}

/** A duration as the table shows it: ms under a second, then 2 or 1 decimals. */
export function duration(seconds: number): string {
  if (seconds < 1) return `${(seconds * 1000).toFixed(seconds < 0.01 ? 1 : 0)} ms`;
  return `${seconds.toFixed(seconds < 10 ? 2 : 1)} s`;
}

/**
 * The median wall time of `runs`, its p90 when there are enough runs for one (5 or more),
 * and, as asked, the median CPU seconds and peak RSS: "16.0 s (p90 16.4 s), 17.1 CPU-s".
 */
export function timing(runs: Run[], show: { cpu?: boolean; rss?: boolean } = {}): string {
  const wall = runs.map((r) => r.seconds);
  let text = duration(median(wall));
  if (runs.length >= 5) text += ` (p90 ${duration(p90(wall))})`;
  if (show.cpu) text += `, ${median(runs.map((r) => r.cpuSeconds)).toFixed(2)} CPU-s`;
  if (show.rss) text += `, ${median(runs.map((r) => r.rssMiB)).toFixed(0)} MiB RSS`;
  return text;
}

/**
 * How many times slower (> 1) or faster (< 1) `ours` was than `theirs`, by median wall time and
 * by median CPU seconds: "1.57x time, 1.70x CPU".
 */
export function ratio(ours: Run[], theirs: Run[]): string {
  const of = (pick: (r: Run) => number) =>
    (median(ours.map(pick)) / median(theirs.map(pick))).toFixed(2);
  return `${of((r) => r.seconds)}x time, ${of((r) => r.cpuSeconds)}x CPU`;
}
