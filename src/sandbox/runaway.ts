/**
 * Workers iago could not stop. Deno 2.9.6's `Worker.terminate()` does not interrupt JavaScript
 * that is running (denoland/deno#35657): a worker ended at a limit while its code ran keeps its
 * thread, spinning or allocating, until the process exits. So the process must end when its
 * command is done once that happened, and at once when the worker was growing past the memory
 * limit (it goes on growing until V8 or the kernel ends the process, with no word of why).
 * iago's own entry point does both (`main(..., { ownsProcess: true })`).
 */
import type { IagoError } from "../errors.ts";

/** Which limit a request passed. */
export type Limit = "time" | "memory";

let abandoned = 0;
let onMemory: ((err: IagoError) => void) | undefined;

/** How many workers were ended while their code ran (their threads may still run). */
export function abandonedWorkers(): number {
  return abandoned;
}

/**
 * `handler` gets the error of a worker that passed the memory limit while its code ran, before
 * anyone else does; it should report it and end the process.
 */
export function whenMemoryRunsAway(handler: (err: IagoError) => void): void {
  onMemory = handler;
}

/** Called when a worker was ended at `limit` while its code ran. */
export function workerAbandoned(limit: Limit, err: IagoError): void {
  abandoned++;
  if (limit === "memory") onMemory?.(err);
}
