/**
 * `iago serve` as its own process in a fleet workspace, as a user runs it on the bastion: its
 * log lines (stdout) collected as they come, so the bastion can wait for one and check them.
 */
import { fileURLToPath } from "node:url";

const MAIN = fileURLToPath(new URL("../../../main.ts", import.meta.url));

export interface ServeProcess {
  /** Every log line so far. */
  readonly lines: string[];
  /** The first log line from index `from` on matching `pattern`; throws after `timeoutMs`. */
  waitFor(pattern: RegExp, from?: number, timeoutMs?: number): Promise<string>;
  /** SIGTERM, then its exit code and what it printed on stderr. */
  stop(): Promise<{ code: number; stderr: string }>;
}

/** Starts `iago serve ARGS` in `dir`; resolves once it says it is serving. */
export async function startServe(
  dir: string,
  args: string[],
  env: Record<string, string>,
): Promise<ServeProcess> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, "serve", ...args],
    cwd: dir,
    env: { NO_COLOR: "1", ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines: string[] = [];
  let waiters: (() => void)[] = [];
  const wake = () => {
    for (const w of waiters) w();
    waiters = [];
  };
  const stdout = (async () => {
    let rest = "";
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
      const parts = (rest + chunk).split("\n");
      rest = parts.pop()!;
      lines.push(...parts);
      wake();
    }
    if (rest) lines.push(rest);
    wake();
  })();
  let stderr = "";
  let exited = false;
  const stderrDone = (async () => {
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
      stderr += chunk;
      wake();
    }
  })();
  const status = child.status.then((s) => {
    exited = true;
    wake();
    return s;
  });

  const until = async (done: () => boolean, what: string, timeoutMs: number) => {
    const end = Date.now() + timeoutMs;
    while (!done()) {
      if (exited) throw new Error(`iago serve exited while waiting for ${what}: ${stderr}`);
      if (Date.now() > end) throw new Error(`iago serve never said ${what}: ${lines.join("\n")}`);
      // Woken by output; the timer only bounds the wait.
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 1_000);
        waiters.push(() => (clearTimeout(t), resolve()));
      });
    }
  };
  await until(() => /serving Ignition on /.test(stderr), "it is serving", 120_000);
  return {
    lines,
    async waitFor(pattern, from = 0, timeoutMs = 60_000) {
      const find = () => lines.slice(from).find((l) => pattern.test(l));
      await until(() => find() !== undefined, String(pattern), timeoutMs);
      return find()!;
    },
    async stop() {
      if (!exited) child.kill("SIGTERM");
      const { code } = await status;
      await stdout;
      await stderrDone;
      return { code, stderr };
    },
  };
}
