/**
 * One sandbox worker seen from iago: it lives in the sandbox process (sandbox_process.ts), and
 * its requests take their turn with every other worker's, each with a fresh unguessable id. A
 * request that outlives the time limit or passes the memory limit ends the sandbox process:
 * its code stops there and then. A worker that failed that way is started anew (in a new
 * process) for the next request, or, for a plugin, stays failed for the rest of the run.
 *
 * Memory: V8's heap limit in the sandbox process ends it where a heap passes the limit; iago
 * watches the process's resident memory while a request runs (buffers are outside any heap),
 * and the worker reports what it holds in its replies.
 */
import { IagoError } from "../errors.ts";
import type { Failure, OutputMessage, Reply, Request } from "./protocol.ts";
import type { Gone, RemoteWorker, SandboxProcess } from "./sandbox_process.ts";

/** Which limit a request passed. */
export type Limit = "time" | "memory";

type RequestBody = Request extends infer R ? R extends Request ? Omit<R, "id"> : never : never;

/**
 * How long a worker may take to say it is ready, its process's start included. The worker's
 * start is iago's own code, so this ends only a start that went wrong inside it (its error
 * caught by its own listeners, it would be waited for forever); a loaded machine takes seconds.
 */
export const START_LIMIT_MS = 60_000;

/** How often iago looks at the sandbox process's resident memory while a request runs. */
const MEMORY_CHECK_MS = 25;

/** A failure the worker reported, as an error iago can throw. */
export class WorkerFailure extends Error {
  constructor(readonly failure: Failure) {
    super(failure.message);
    this.name = "WorkerFailure";
  }
}

export interface CodeWorkerOptions {
  timeoutMs: number;
  /**
   * How much the sandbox process's resident memory may grow while one request runs, and how
   * much the worker may hold after one (bytes).
   */
  memoryBytes: number;
  /** After a limit, refuse every later request instead of starting a new worker. */
  stayFailed: boolean;
  /**
   * The first request of every worker this starts (a plugin's import), so a worker started
   * again after its process ended is in the same state; {@link CodeWorker.setup} gives its reply.
   */
  setup?: { body: RequestBody; overLimit: (limit: Limit) => IagoError };
  /** Receives what the code printed (it arrives before the reply of the request that printed it). */
  onOutput?: (message: OutputMessage) => void;
  /** {@link START_LIMIT_MS} unless given (tests). */
  startLimitMs?: number;
}

/** A worker that runs, and what waits for it. */
interface Started {
  remote: RemoteWorker;
  ready: Promise<unknown>;
  /** The request waiting for its reply: gets every reply, and the worker's end. */
  waiting?: { reply(reply: Reply): void; gone(why: Gone): void };
}

export class CodeWorker {
  readonly #options: CodeWorkerOptions;
  readonly #process: SandboxProcess;
  #worker?: Started;
  #failed?: IagoError;

  constructor(process: SandboxProcess, options: CodeWorkerOptions) {
    this.#process = process;
    this.#options = options;
  }

  /**
   * Sends `body` in its turn. Resolves to the reply's value; rejects with a
   * {@link WorkerFailure}, or with `overLimit(limit)` when it passes one.
   */
  request(
    body: RequestBody,
    overLimit: (limit: Limit) => IagoError,
    /** Runs when the request's turn comes; throwing cancels it. */
    beforeSend?: () => void,
  ): Promise<unknown> {
    return this.#process.turn(async () => {
      beforeSend?.();
      const started = this.#started();
      await started.ready;
      return await this.#exchange(started, body, overLimit);
    });
  }

  /** Starts the worker if it is not running; resolves to the reply to the `setup` request. */
  setup(): Promise<unknown> {
    return this.#process.turn(() => this.#started().ready);
  }

  /** Ends the worker; a later request starts a new one. */
  close(): void {
    this.#worker?.remote.end();
    this.#worker = undefined;
  }

  #started(): Started {
    if (this.#failed) throw this.#failed;
    return this.#worker ??= this.#start();
  }

  async #exchange(
    started: Started,
    body: RequestBody,
    overLimit: (limit: Limit) => IagoError,
  ): Promise<unknown> {
    const id = crypto.randomUUID();
    const { promise, resolve, reject } = Promise.withResolvers<unknown>();
    const finish = () => {
      clearTimeout(timer);
      clearInterval(watch);
      started.waiting = undefined;
    };
    /** Ends the sandbox process at `limit`: the one way to stop code that runs. */
    const stop = async (limit: Limit) => {
      finish();
      await this.#process.kill();
      reject(this.#overLimit(limit, overLimit));
    };
    started.waiting = {
      reply: (reply) => {
        if (reply.id !== id) return;
        if ((reply.memory ?? 0) > this.#options.memoryBytes) return void stop("memory");
        finish();
        if (reply.ok) resolve(reply.value);
        else reject(new WorkerFailure(reply.failure));
      },
      gone: (why) => {
        finish();
        reject(
          why.outOfMemory
            ? this.#overLimit("memory", overLimit)
            : new IagoError(`The sandbox for templates and plugins stopped: ${why.message}`),
        );
      },
    };
    const timer = setTimeout(() => void stop("time"), this.#options.timeoutMs);
    // Most requests are answered within a millisecond: the first look, a few milliseconds in,
    // is the baseline (what grew before it counts as free; V8's heap limit still holds).
    let baseline: number | undefined;
    const watch = setInterval(() => {
      const rss = this.#process.residentBytes();
      if (rss === undefined) return;
      baseline ??= rss;
      if (rss - baseline > this.#options.memoryBytes) void stop("memory");
    }, MEMORY_CHECK_MS);
    started.remote.post({ ...body, id });
    return await promise;
  }

  #overLimit(limit: Limit, overLimit: (limit: Limit) => IagoError): IagoError {
    const err = overLimit(limit);
    if (this.#options.stayFailed) this.#failed = err;
    return err;
  }

  #start(): Started {
    const { promise: ready, resolve, reject } = Promise.withResolvers<void>();
    const limitMs = this.#options.startLimitMs ?? START_LIMIT_MS;
    let late = false;
    const started: Started = {
      ready,
      remote: this.#process.startWorker({
        message: (value) => {
          const message = value as Partial<OutputMessage & Reply & { ready: true }>;
          if (typeof message?.output === "string") {
            this.#options.onOutput?.(message as OutputMessage);
          } else if (message?.ready === true) resolve();
          else started.waiting?.reply(message as Reply);
        },
        gone: (why) => {
          if (this.#worker === started) this.#worker = undefined;
          const message = late ? `it did not start within ${limitMs / 1000} s` : why.message;
          reject(new IagoError(`Cannot start the sandbox for templates and plugins: ${message}`));
          started.waiting?.gone(why);
        },
      }),
    };
    const timer = setTimeout(() => {
      late = true;
      void this.#process.kill();
    }, limitMs);
    // Rejections of `ready` after the worker started are nobody's business.
    ready.catch(() => {}).finally(() => clearTimeout(timer));
    const setup = this.#options.setup;
    if (setup) {
      started.ready = ready.then(() => this.#exchange(started, setup.body, setup.overLimit));
    }
    return started;
  }
}
