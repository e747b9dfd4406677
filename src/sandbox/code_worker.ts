/**
 * One sandbox worker seen from iago: requests go one at a time (so the time limit measures
 * the code that runs, not a queue), each with a fresh unguessable id, and a request that
 * outlives the limit ends the worker. A worker that failed that way is started anew for the
 * next request, or, for a plugin, stays failed for the rest of the run.
 */
import { IagoError } from "../errors.ts";
import type { Failure, Reply, Request } from "./protocol.ts";
import { workerUrl } from "./worker_url.ts";

type RequestBody = Request extends infer R ? R extends Request ? Omit<R, "id"> : never : never;

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
}

export class CodeWorker {
  readonly #options: CodeWorkerOptions;
  #worker?: Worker;
  #queue: Promise<unknown> = Promise.resolve();
  #failed?: IagoError;

  constructor(options: CodeWorkerOptions) {
    this.#options = options;
  }

  /**
   * Sends `body` once the requests before it are answered. Resolves to the reply's value;
   * rejects with a {@link WorkerFailure}, or with `timedOut()` when the limit passes.
   */
  request(body: RequestBody, timedOut: () => IagoError): Promise<unknown> {
    const sent = this.#queue.then(() => this.#send(body, timedOut));
    this.#queue = sent.catch(() => {});
    return sent;
  }

  /** Ends the worker; a later request starts a new one. */
  close(): void {
    this.#worker?.terminate();
    this.#worker = undefined;
  }

  #send(body: RequestBody, timedOut: () => IagoError): Promise<unknown> {
    if (this.#failed) return Promise.reject(this.#failed);
    const worker = this.#worker ??= this.#start();
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
    return promise;
  }

  #start(): Worker {
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
