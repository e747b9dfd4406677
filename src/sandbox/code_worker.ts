/**
 * One sandbox worker seen from iago: requests go one at a time (so the limits measure the code
 * that runs, not a queue), each with a fresh unguessable id, and a request that outlives the
 * time limit or passes the memory limit ends the worker. A worker that failed that way is
 * started anew for the next request, or, for a plugin, stays failed for the rest of the run.
 *
 * Deno gives a Worker no heap limit (a worker reaching V8's own ends the whole process), and
 * buffers are outside any heap limit anyway: so iago watches the process's resident memory
 * while a request runs, and the worker reports what it holds in its replies.
 */
import { IagoError } from "../errors.ts";
import type { Failure, OutputMessage, Reply, Request } from "./protocol.ts";
import { type Limit, workerAbandoned } from "./runaway.ts";
import { workerUrl } from "./worker_url.ts";

export type { Limit };

type RequestBody = Request extends infer R ? R extends Request ? Omit<R, "id"> : never : never;

/**
 * An idle worker keeps the process alive: one that nobody asked anything for this long ends
 * (a later request starts it again), in case its owner never calls `close()`.
 */
const IDLE_MS = 2000;

/** How often iago looks at its resident memory while a request runs. */
const MEMORY_CHECK_MS = 25;

/** A failure the worker reported, as an error iago can throw. */
export class WorkerFailure extends Error {
  constructor(readonly failure: Failure) {
    super(failure.message);
    this.name = "WorkerFailure";
  }
}

export interface CodeWorkerOptions {
  /** Files the code may read (a plugin's own file, to import it); none for templates. */
  read: string[];
  timeoutMs: number;
  /**
   * How much iago's resident memory may grow while one request runs, and how much the worker
   * may hold after one (bytes).
   */
  memoryBytes: number;
  /** After a time-out, refuse every later request instead of starting a new worker. */
  stayFailed: boolean;
  /**
   * The first request of every worker this starts (a plugin's import), so a worker started
   * again after being idle is in the same state; {@link CodeWorker.setup} gives its reply.
   */
  setup?: { body: RequestBody; overLimit: (limit: Limit) => IagoError };
  /** Receives what the code printed (it arrives before the reply of the request that printed it). */
  onOutput?: (message: OutputMessage) => void;
}

export class CodeWorker {
  readonly #options: CodeWorkerOptions;
  #worker?: { worker: Worker; ready: Promise<unknown> };
  #queue: Promise<unknown> = Promise.resolve();
  #waiting = 0;
  #idle?: ReturnType<typeof setTimeout>;
  #failed?: IagoError;

  constructor(options: CodeWorkerOptions) {
    this.#options = options;
  }

  /**
   * Sends `body` once the requests before it are answered. Resolves to the reply's value;
   * rejects with a {@link WorkerFailure}, or with `overLimit(limit)` when it passes one.
   */
  request(
    body: RequestBody,
    overLimit: (limit: Limit) => IagoError,
    /** Runs when the request's turn comes; throwing cancels it. */
    beforeSend?: () => void,
  ): Promise<unknown> {
    return this.#enqueue(() => {
      beforeSend?.();
      return this.#send(body, overLimit);
    });
  }

  /** Starts the worker if it is not running; resolves to the reply to the `setup` request. */
  setup(): Promise<unknown> {
    return this.#enqueue(() => this.#started().ready);
  }

  #enqueue(task: () => Promise<unknown>): Promise<unknown> {
    clearTimeout(this.#idle);
    this.#waiting++;
    const sent = this.#queue.then(task);
    this.#queue = sent.catch(() => {}).finally(() => {
      if (--this.#waiting === 0 && this.#worker) {
        const idle = setTimeout(() => this.close(), IDLE_MS);
        Deno.unrefTimer(idle);
        this.#idle = idle;
      }
    });
    return sent;
  }

  /** Ends the worker; a later request starts a new one. */
  close(): void {
    clearTimeout(this.#idle);
    this.#worker?.worker.terminate();
    this.#worker = undefined;
  }

  #started(): { worker: Worker; ready: Promise<unknown> } {
    if (this.#failed) throw this.#failed;
    return this.#worker ??= this.#start();
  }

  async #send(body: RequestBody, overLimit: (limit: Limit) => IagoError): Promise<unknown> {
    const started = this.#started();
    await started.ready;
    return await this.#exchange(started.worker, body, overLimit);
  }

  async #exchange(
    worker: Worker,
    body: RequestBody,
    overLimit: (limit: Limit) => IagoError,
  ): Promise<unknown> {
    const id = crypto.randomUUID();
    const { promise, resolve, reject } = Promise.withResolvers<unknown>();
    const finish = () => {
      clearTimeout(timer);
      clearInterval(watch);
      worker.removeEventListener("message", onMessage);
      worker.removeEventListener("error", onError);
    };
    /** Ends the worker at `limit`; `running`: its code had not answered (see runaway.ts). */
    const stop = (limit: Limit, running: boolean) => {
      finish();
      this.close();
      const err = overLimit(limit);
      if (this.#options.stayFailed) this.#failed = err;
      if (running) workerAbandoned(limit, err);
      reject(err);
    };
    const onMessage = (e: MessageEvent<Reply>) => {
      if (e.data?.id !== id) return;
      if ((e.data.memory ?? 0) > this.#options.memoryBytes) return stop("memory", false);
      finish();
      if (e.data.ok) resolve(e.data.value);
      else reject(new WorkerFailure(e.data.failure));
    };
    const onError = (e: ErrorEvent) => {
      e.preventDefault();
      finish();
      this.close();
      reject(new IagoError(`The sandbox for templates and plugins stopped: ${e.message}`));
    };
    const timer = setTimeout(() => stop("time", true), this.#options.timeoutMs);
    // Most requests are answered within a millisecond: measuring costs more than that, so the
    // first look, a few milliseconds in, is the baseline (what grew before it counts as free).
    let baseline: number | undefined;
    const watch = setInterval(() => {
      const rss = Deno.memoryUsage().rss;
      baseline ??= rss;
      if (rss - baseline > this.#options.memoryBytes) stop("memory", true);
    }, MEMORY_CHECK_MS);
    worker.addEventListener("message", onMessage);
    worker.addEventListener("error", onError);
    worker.postMessage({ ...body, id });
    return await promise;
  }

  #start(): { worker: Worker; ready: Promise<unknown> } {
    const worker = this.#spawn();
    const onOutput = this.#options.onOutput;
    worker.addEventListener("message", (e: MessageEvent<OutputMessage>) => {
      if (typeof e.data?.output === "string") onOutput?.(e.data);
    });
    const setup = this.#options.setup;
    return {
      worker,
      ready: this.#ready(worker).then(() =>
        setup ? this.#exchange(worker, setup.body, setup.overLimit) : undefined
      ),
    };
  }

  #ready(worker: Worker): Promise<void> {
    const { promise: ready, resolve, reject } = Promise.withResolvers<void>();
    const onMessage = (e: MessageEvent) => {
      if (e.data?.ready !== true) return;
      done();
      resolve();
    };
    const onError = (e: ErrorEvent) => {
      e.preventDefault();
      done();
      this.close();
      reject(new IagoError(`Cannot start the sandbox for templates and plugins: ${e.message}`));
    };
    const done = () => {
      worker.removeEventListener("message", onMessage);
      worker.removeEventListener("error", onError);
    };
    worker.addEventListener("message", onMessage);
    worker.addEventListener("error", onError);
    return ready;
  }

  #spawn(): Worker {
    try {
      return new Worker(workerUrl(), {
        type: "module",
        deno: {
          permissions: {
            read: this.#options.read.length > 0 ? this.#options.read : false,
            write: false,
            net: false,
            env: false,
            run: false,
            ffi: false,
            sys: false,
            import: false,
          },
        },
      });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      throw new IagoError(`Cannot start the sandbox for templates and plugins: ${message}`, {
        hint: message.includes("--unstable-worker-options")
          ? "run iago as released (its first line passes --unstable-worker-options), or add that flag to deno run"
          : undefined,
        cause: err,
      });
    }
  }
}
