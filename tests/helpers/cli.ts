/**
 * Runs the real CLI entry point in-process against a temporary workspace and captures what it
 * printed, so tests exercise flag parsing, error formatting and exit codes exactly as a user
 * sees them.
 */
import { runIago } from "../../src/cli/entry.ts";
import { memoryOutput } from "../../src/output.ts";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `iago ARGS` with `cwd` as the working directory. */
export async function iago(
  args: string[],
  options: { cwd: string; env?: Record<string, string | undefined> },
): Promise<CliResult> {
  const out = memoryOutput();
  const code = await runIago(args, {
    out,
    cwd: options.cwd,
    env: { ...Deno.env.toObject(), NO_COLOR: "1", ...options.env },
  });
  return { code, stdout: out.stdout.join("\n"), stderr: out.stderr.join("\n") };
}

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

/**
 * Runs `iago ARGS` as its own process (`deno run -A main.ts`), as a user or cron does: what
 * only a real process shows (its exit, what reaches the real stdout). Killed after
 * `timeoutMs` (default 120 s), which `timedOut` then says; `peakMiB` is its peak resident
 * memory (measured by GNU time).
 */
export async function iagoProcess(
  args: string[],
  options: { cwd: string; env?: Record<string, string>; timeoutMs?: number },
): Promise<CliResult & { timedOut: boolean; peakMiB: number }> {
  const peakFile = await Deno.makeTempFile({ prefix: "iago-peak-" });
  try {
    const child = new Deno.Command("/usr/bin/time", {
      args: ["-f", "%M", "-o", peakFile, Deno.execPath(), "run", "--quiet", "-A", MAIN, ...args],
      cwd: options.cwd,
      env: { IAGO_GITHUB_URL: "http://127.0.0.1:9", NO_COLOR: "1", ...options.env },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, options.timeoutMs ?? 120_000);
    const out = await child.output();
    clearTimeout(timer);
    const peak = (await Deno.readTextFile(peakFile)).trim().split("\n").at(-1)!;
    return {
      code: out.code,
      stdout: new TextDecoder().decode(out.stdout),
      stderr: new TextDecoder().decode(out.stderr),
      timedOut,
      peakMiB: Number(peak) / 1024,
    };
  } finally {
    await Deno.remove(peakFile);
  }
}

/** A fresh temporary directory, removed by the returned disposer. */
export async function tempDir(prefix = "iago-test-"): Promise<AsyncDisposable & { path: string }> {
  const path = await Deno.makeTempDir({ prefix });
  return {
    path,
    [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }).catch(() => {}),
  };
}

/**
 * Holds the lock file `path` as a running iago would (flock, its pid inside) until disposed.
 * `waitMs` waits that long for the lock to come free, to tell that an in-process run released
 * it: `deno test --parallel` runs every test file in this one process, and a child another file
 * spawns holds a copy of each of our descriptors (the released lock's too) until it execs, which
 * on a loaded machine takes a while.
 */
export async function holdLock(path: string, { waitMs = 0 } = {}): Promise<Disposable> {
  await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
  const file = await Deno.open(path, { read: true, write: true, create: true });
  const deadline = Date.now() + waitMs;
  while (!await file.tryLock(true)) {
    if (Date.now() >= deadline) {
      file.close();
      throw new Error(`${path} is locked already`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  await file.write(new TextEncoder().encode(`${Deno.pid}\n`));
  return { [Symbol.dispose]: () => file.close() };
}
