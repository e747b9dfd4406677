/**
 * `iago status --watch`: the fleet asked again every interval, each round set against the one
 * before. Rounds never overlap: one that takes longer than the interval makes the next start at
 * the next tick after it ends (ticks stay on the grid of the first round's start, and missed
 * ones are skipped, not caught up). A signal ends the wait or the round under way at once.
 */
import { IagoError } from "../errors.ts";
import type { Workspace } from "../workspace.ts";
import { type StatusChange, statusChanges } from "./changes.ts";
import { fleetStatus, type MachineStatus, type StatusOptions } from "./status.ts";

export interface WatchRound {
  /** When the round started. */
  time: Date;
  tookMs: number;
  /** Undefined when the round failed (`error`). */
  machines?: MachineStatus[];
  /** What changed since the last round that had machines; empty for the first. */
  changes: StatusChange[];
  /** Why the round could not ask the fleet (the workspace's config broke meanwhile). */
  error?: IagoError;
}

export interface WatchOptions extends StatusOptions {
  intervalMs: number;
  /** Stops the watch: the wait or the round under way ends, `watchStatus` resolves. */
  signal: AbortSignal;
  onRound: (round: WatchRound) => void;
  now?: () => number;
}

/**
 * Asks the fleet every `intervalMs` until `signal` fires; resolves with the last round that
 * finished (undefined when none did). A problem in the first round (an unknown machine, a broken
 * config) is thrown; in later rounds it is that round's `error` and the watch goes on.
 */
export async function watchStatus(
  ws: Workspace,
  names: readonly string[],
  options: WatchOptions,
): Promise<WatchRound | undefined> {
  const { signal, intervalMs } = options;
  const now = options.now ?? Date.now;
  const start = now();
  let last: WatchRound | undefined;
  let before: MachineStatus[] | undefined;
  while (!signal.aborted) {
    const began = now();
    const asked = fleetStatus(ws, names, options);
    let machines: MachineStatus[] | undefined;
    let error: IagoError | undefined;
    try {
      machines = await untilAborted(asked, signal);
    } catch (err) {
      if (!(err instanceof IagoError) || last === undefined) throw err;
      error = err;
    }
    if (signal.aborted) {
      // The round was cut short: its ssh children are killed; nothing of it is reported.
      asked.catch(() => {});
      break;
    }
    last = {
      time: new Date(began),
      tookMs: now() - began,
      ...(machines ? { machines } : {}),
      changes: machines && before ? statusChanges(before, machines) : [],
      ...(error ? { error } : {}),
    };
    if (machines) before = machines;
    options.onRound(last);
    const next = start + (Math.floor((now() - start) / intervalMs) + 1) * intervalMs;
    await sleep(next - now(), signal);
  }
  return last;
}

/** `promise`'s value, or undefined as soon as `signal` fires. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise<T | undefined>((resolve, reject) => {
    const onAbort = () => resolve(undefined);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, Math.max(0, ms));
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}
