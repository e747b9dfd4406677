/**
 * The state of `iago serve` (tokens, fetches, arms in `.iago/serve/`) is changed by the running
 * server and, meanwhile, by `iago serve --arm/--disarm/--rotate/--urls`: each change is read,
 * made and written under one OS file lock, so none is lost and none is decided on stale state.
 */
import { withLock } from "../lock.ts";

/** Runs `fn` holding `.iago/serve.lock`. */
export function withServeLock<T>(stateDir: string, fn: () => Promise<T>): Promise<T> {
  return withLock(stateDir, "serve", fn, { purpose: "a change to iago serve's state" });
}
