/**
 * A workspace lock in `.iago/`, so overlapping runs (two cron jobs, a person and a cron job)
 * never interleave their writes. The lock is an OS file lock (flock) on `.iago/NAME.lock`: the
 * kernel releases it when its process ends, however it ends (kill -9, a container's pid 1, a
 * reboot), so no run ever has to judge whether a holder is alive. The file itself stays; it
 * names the holder's pid for the message of a run that waits. Waiters poll until a timeout.
 */
import { join } from "node:path";
import { IagoError } from "./errors.ts";

export interface LockOptions {
  /** How long to wait for another run to finish; default 60 s. */
  timeoutMs?: number;
  /** Poll interval; default 100 ms. */
  pollMs?: number;
  /** What the lock protects, for the message (`ignite`). */
  purpose?: string;
}

/**
 * Runs `fn` holding the lock `name` (`.iago/NAME.lock`), creating `.iago/` (0700) if needed.
 * Throws an `IagoError` when another run holds it for longer than the timeout.
 */
export async function withLock<T>(
  stateDir: string,
  name: string,
  fn: () => Promise<T>,
  options: LockOptions = {},
): Promise<T> {
  await Deno.mkdir(stateDir, { recursive: true, mode: 0o700 });
  const path = join(stateDir, `${name}.lock`);
  // Never removed: a run waiting on this file would otherwise lock a file nobody else sees.
  await (await Deno.open(path, { write: true, create: true, mode: 0o600 })).close();
  // Held open read-only: a file open for writing all run long would keep the kernel from
  // remounting its file system read-only.
  const file = await Deno.open(path, { read: true });
  try {
    const deadline = Date.now() + (options.timeoutMs ?? 60_000);
    while (!await file.tryLock(true)) {
      if (Date.now() >= deadline) {
        throw new IagoError(
          `Cannot start ${options.purpose ?? name}: another iago run holds ${path} (${await holder(
            path,
          )})`,
          {
            hint:
              "wait for it to finish (IAGO_LOCK_TIMEOUT=SECONDS waits longer); the lock is released when that process ends, even when it is killed",
          },
        );
      }
      await new Promise((r) => setTimeout(r, options.pollMs ?? 100));
    }
    await Deno.writeTextFile(path, `${Deno.pid}\n`);
    return await fn();
  } finally {
    // Closing the file releases the lock.
    file.close();
  }
}

/** The lock timeout from `IAGO_LOCK_TIMEOUT` (seconds), else undefined (the default). */
export function lockTimeoutFromEnv(env: Record<string, string | undefined>): number | undefined {
  const v = env.IAGO_LOCK_TIMEOUT;
  if (v === undefined || v === "") return undefined;
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 ? n * 1000 : undefined;
}

/** `pid 1234`, from what the holder wrote into the lock file. */
async function holder(path: string): Promise<string> {
  const text = await Deno.readTextFile(path).catch(() => "");
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? `pid ${pid}` : "pid ?";
}
