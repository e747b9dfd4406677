/** `iago serve` as a process of its own, as a user runs it: started, read, stopped by SIGTERM. */

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

export interface ServeProcess {
  /** The address of iago's "serving Ignition on ADDRESS" line; undefined when it exited first. */
  address?: string;
  /** Sends SIGTERM (unless it exited) and waits for the exit: its code and all of its stderr. */
  stop(): Promise<{ code: number; stderr: string }>;
}

/** Starts `iago ARGS` (a serve command) in `cwd` and waits until it serves or exits. */
export async function serveProcess(
  cwd: string,
  args: string[],
  env: Record<string, string>,
): Promise<ServeProcess> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    cwd,
    env,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let stderr = "";
  let ended = false;
  while (!/serving Ignition on \S+/.test(stderr)) {
    const { value, done } = await reader.read();
    if (done) {
      ended = true;
      break;
    }
    stderr += value;
  }
  return {
    address: stderr.match(/serving Ignition on (\S+)/)?.[1],
    async stop() {
      if (!ended) child.kill("SIGTERM");
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        stderr += value;
      }
      return { code: (await child.status).code, stderr };
    },
  };
}
