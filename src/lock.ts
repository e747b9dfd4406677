/**
 * A workspace lock in `.iago/`, so overlapping runs (two cron jobs, a person and a cron job)
 * never interleave their writes. The lock is a file created exclusively and holding the
 * owner's pid; a lock whose process is gone is taken over. Waiters poll until a timeout.
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
 * Throws an `IagoError` when another live process holds it for longer than the timeout.
 */
export async function withLock<T>(
  stateDir: string,
  name: string,
  fn: () => Promise<T>,
  options: LockOptions = {},
): Promise<T> {
  await Deno.mkdir(stateDir, { recursive: true, mode: 0o700 });
  const path = join(stateDir, `${name}.lock`);
  const token = `${Deno.pid} ${crypto.randomUUID()}\n`;
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    if (await tryCreate(path, token)) break;
    if (await removeIfStale(stateDir, path)) continue;
    if (Date.now() >= deadline) {
      throw new IagoError(
        `Cannot start ${options.purpose ?? name}: another iago run holds ${path} (pid ${
          await ownerPid(path) ?? "?"
        })`,
        {
          hint:
            "wait for it to finish, or remove the lock file if no iago process is running (IAGO_LOCK_TIMEOUT=SECONDS waits longer)",
        },
      );
    }
    await new Promise((r) => setTimeout(r, options.pollMs ?? 100));
  }
  try {
    return await fn();
  } finally {
    // Remove only our own lock, never one a later run took over.
    const current = await Deno.readTextFile(path).catch(() => undefined);
    if (current === token) await Deno.remove(path).catch(() => {});
  }
}

/** The lock timeout from `IAGO_LOCK_TIMEOUT` (seconds), else undefined (the default). */
export function lockTimeoutFromEnv(env: Record<string, string | undefined>): number | undefined {
  const v = env.IAGO_LOCK_TIMEOUT;
  if (v === undefined || v === "") return undefined;
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 ? n * 1000 : undefined;
}

async function tryCreate(path: string, token: string): Promise<boolean> {
  try {
    const file = await Deno.open(path, { write: true, createNew: true, mode: 0o600 });
    try {
      await file.write(new TextEncoder().encode(token));
    } finally {
      file.close();
    }
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.AlreadyExists) return false;
    throw err;
  }
}

async function ownerPid(path: string): Promise<number | undefined> {
  const text = await Deno.readTextFile(path).catch(() => undefined);
  const pid = Number(text?.split(" ")[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/**
 * Removes the lock at `path` when its owner is gone; true when it did. Takers-over go one at a
 * time, holding an flock on `stateDir` (the kernel drops it if one dies), and look at the lock
 * again once it is their turn: a run that judged the dead owner's lock stale a moment ago must
 * not remove the lock another run has taken since.
 */
async function removeIfStale(stateDir: string, path: string): Promise<boolean> {
  const dir = await Deno.open(stateDir, { read: true });
  try {
    if (!await dir.tryLock(true) || !await isStale(path)) return false;
    await Deno.remove(path).catch(() => {});
    return true;
  } finally {
    dir.close();
  }
}

/** A lock whose owner process no longer exists (checked through /proc where there is one). */
async function isStale(path: string): Promise<boolean> {
  const pid = await ownerPid(path);
  if (pid === undefined) {
    // Being written right now, or garbage: stale only if it stays that way.
    const info = await Deno.stat(path).catch(() => undefined);
    return info?.mtime !== null && info !== undefined && Date.now() - info.mtime.getTime() > 5000;
  }
  if (pid === Deno.pid) return false;
  try {
    await Deno.stat(`/proc/${pid}`);
    return false;
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) return false;
    // No /proc at all (macOS): cannot tell, so never take over.
    return await Deno.stat("/proc/self").then(() => true, () => false);
  }
}
