/**
 * One sandbox worker seen from iago: requests go one at a time (so the time limit measures
 * the code that runs, not a queue), each with a fresh unguessable id, and a request that
 * outlives the limit ends the worker. A worker that failed that way is started anew for the
 * next request, or, for a plugin, stays failed for the rest of the run.
 */
import { IagoError } from "../errors.ts";
import type { Failure, OutputMessage, Reply, Request } from "./protocol.ts";
import { workerUrl } from "./worker_url.ts";

type RequestBody = Request extends infer R ? R extends Request ? Omit<R, "id"> : never : never;

/**
 * An idle worker keeps the process alive: one that nobody asked anything for this long ends
 * (a later request starts it again), in case its owner never calls `close()`.
 */
const IDLE_MS = 2000;

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
  /** After a time-out, refuse every later request instead of starting a new worker. */
  stayFailed: boolean;
  /**
   * The first request of every worker this starts (a plugin's import), so a worker started
   * again after being idle is in the same state; {@link CodeWorker.setup} gives its reply.
   */
  setup?: { body: RequestBody; timedOut: () => IagoError };
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
   * rejects with a {@link WorkerFailure}, or with `timedOut()` when the limit passes.
   */
  request(
    body: RequestBody,
    timedOut: () => IagoError,
    /** Runs when the request's turn comes; throwing cancels it. */
    beforeSend?: () => void,
  ): Promise<unknown> {
    return this.#enqueue(() => {
      beforeSend?.();
      return this.#send(body, timedOut);
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

  async #send(body: RequestBody, timedOut: () => IagoError): Promise<unknown> {
    const started = this.#started();
    await started.ready;
    return await this.#exchange(started.worker, body, timedOut);
  }

  async #exchange(worker: Worker, body: RequestBody, timedOut: () => IagoError): Promise<unknown> {
    const id = crypto.randomUUID();
    const { promise, resolve, reject } = Promise.withResolvers<unknown>();
    const finish = () => {
      clearTimeout(timer);
      worker.removeEventListener("message", onMessage);
      worker.removeEventListener("error", onError);
    };
    const onMessage = (e: MessageEvent<Reply>) => {
      if (e.data?.id !== id) return;
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
    const timer = setTimeout(() => {
      finish();
      this.close();
      const err = timedOut();
      if (this.#options.stayFailed) this.#failed = err;
      reject(err);
    }, this.#options.timeoutMs);
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
        setup ? this.#exchange(worker, setup.body, setup.timedOut) : undefined
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
