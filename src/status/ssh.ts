/**
 * Runs a script on a machine with the system `ssh` client: the user's agent, keys and
 * ~/.ssh/config, never a password prompt (BatchMode), a new host key accepted and remembered
 * (StrictHostKeyChecking=accept-new) but a changed one refused, and a time limit for the whole
 * exchange.
 */
import { killProcessTree } from "../process_tree.ts";

export interface SshTarget {
  user: string;
  host: string;
  port?: number;
}

export interface SshOptions {
  /** The whole exchange, connection included. */
  timeoutMs: number;
  /** More `-o` options (`UserKnownHostsFile=...`, `IdentityFile=...`). */
  options?: readonly string[];
  /**
   * Where ssh runs: the workspace, so a relative path in `options` (`IdentityFile=keys/fleet`)
   * is relative to it like every path iago takes. The current directory unless given.
   */
  cwd?: string;
  /** The `ssh` executable; `ssh` on PATH unless given. */
  ssh?: string;
  env?: Readonly<Record<string, string | undefined>>;
  /** Ends the exchange at once (`iago status --watch` stopped by a signal). */
  signal?: AbortSignal;
}

export type SshOutcome =
  | { ok: true; stdout: string }
  | { ok: false; reason: string };

/** Runs `script` with `bash -s` on `target`; never throws for a failed connection. */
export async function runOverSsh(
  target: SshTarget,
  script: string,
  options: SshOptions,
): Promise<SshOutcome> {
  const seconds = Math.max(1, Math.ceil(options.timeoutMs / 1000));
  const args = [
    "-o",
    "BatchMode=yes",
    "-o",
    `ConnectTimeout=${seconds}`,
    "-o",
    "StrictHostKeyChecking=accept-new",
    ...(options.options ?? []).flatMap((o) => ["-o", o]),
    ...(target.port ? ["-p", String(target.port)] : []),
    "-l",
    target.user,
    "--",
    target.host,
    "bash -s",
  ];
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(options.ssh ?? "ssh", {
      args,
      cwd: options.cwd,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
      env: cleanEnv(options.env),
      clearEnv: options.env !== undefined,
    }).spawn();
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return { ok: false, reason: "ssh is not installed" };
    throw err;
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  const cutOff = new Promise<"late" | "stopped">((resolve) => {
    timer = setTimeout(() => resolve("late"), options.timeoutMs);
    onAbort = () => resolve("stopped");
    if (options.signal?.aborted) onAbort();
    options.signal?.addEventListener("abort", onAbort);
  });
  try {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(script)).catch(() => {});
    await writer.close().catch(() => {});
    const output = child.output();
    const first = await Promise.race([output, cutOff]);
    if (first === "late" || first === "stopped") {
      // With what ssh started (a ProxyCommand, say): one of them left holding ssh's stderr,
      // which is iago's pipe, would keep iago from exiting until it ended by itself. Anything
      // else holding them (a daemon it started) is not waited for beyond a moment.
      await killProcessTree(child.pid);
      await Promise.race([output.catch(() => {}), new Promise((r) => setTimeout(r, 1000))]);
      return {
        ok: false,
        reason: first === "late" ? `no answer within ${seconds} s` : "stopped before it answered",
      };
    }
    const out = first;
    if (out.code === 255) {
      const err = new TextDecoder().decode(out.stderr).trim().split("\n").filter(Boolean);
      return { ok: false, reason: err[err.length - 1] ?? "ssh failed (exit 255)" };
    }
    return { ok: true, stdout: new TextDecoder().decode(out.stdout) };
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", onAbort!);
  }
}

function cleanEnv(
  env?: Readonly<Record<string, string | undefined>>,
): Record<string, string> | undefined {
  if (!env) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}
