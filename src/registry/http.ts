/**
 * The one HTTP policy of the registry client: every request has an idle timeout (reset while
 * bytes flow, so a 1 GB upload is not cut off but a stalled one is), redirects are followed by
 * hand and `Authorization` never leaves the host it was meant for, and failures become
 * `RegistryError`s that say whether a retry can help. `withRetries` is the one retry loop.
 */
import { hintFor, parseErrorBody, redactUrl, RegistryError, retryableStatus } from "./errors.ts";

export interface SendRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  /** Called for every (re)send, so bodies are replayable. */
  body?: () => BodyInit | null;
  /** Sent only to the host of `url`, never to a host a redirect points to. */
  authorization?: string;
}

export interface HttpOptions {
  /** Idle timeout in milliseconds: no byte in either direction for this long aborts. */
  timeoutMs: number;
  /** Where request lines go for `IAGO_DEBUG`; never receives headers or bodies. */
  debug?: (line: string) => void;
  /** Ends the request at once (a command stopped by a signal): it rejects with the reason. */
  signal?: AbortSignal;
}

const MAX_REDIRECTS = 5;

/**
 * Sends one request (following redirects) and returns the response, whose body keeps the idle
 * timeout armed until it is read or cancelled. Throws a retryable `RegistryError` with status 0
 * when no response arrives.
 */
export async function send(req: SendRequest, options: HttpOptions): Promise<Response> {
  let url = req.url;
  let method = req.method;
  let body = req.body;
  const origin = new URL(req.url).origin;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const headers = new Headers(req.headers);
    if (req.authorization && new URL(url).origin === origin) {
      headers.set("authorization", req.authorization);
    }
    const timer = new IdleTimer(options.timeoutMs);
    let res: Response;
    try {
      options.signal?.throwIfAborted();
      const payload = body?.() ?? null;
      res = await fetch(url, {
        method,
        headers,
        body: payload instanceof ReadableStream ? timer.watch(payload) : payload,
        redirect: "manual",
        signal: options.signal ? AbortSignal.any([timer.signal, options.signal]) : timer.signal,
      });
    } catch (err) {
      timer.clear();
      // Stopped, not failed: nothing to retry or to blame on the network.
      options.signal?.throwIfAborted();
      options.debug?.(`${method} ${redactUrl(url)} -> ${timer.fired ? "timeout" : "failed"}`);
      throw networkError(method, url, err, timer.fired, options.timeoutMs);
    }
    options.debug?.(`${method} ${redactUrl(url)} -> ${res.status}`);
    const location = res.headers.get("location");
    if (res.status >= 300 && res.status < 400 && res.status !== 304 && location) {
      await res.body?.cancel();
      timer.clear();
      url = new URL(location, url).toString();
      if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === "POST")) {
        method = method === "HEAD" ? "HEAD" : "GET";
        body = undefined;
      }
      continue;
    }
    if (!res.body) {
      timer.clear();
      return res;
    }
    return new Response(timer.watch(res.body, () => timer.clear()), {
      status: res.status,
      statusText: res.statusText,
      headers: res.headers,
    });
  }
  throw new RegistryError(
    `Cannot ${method} ${redactUrl(req.url)}: more than ${MAX_REDIRECTS} redirects`,
    {
      status: 0,
      url: req.url,
    },
  );
}

/**
 * Reads an error response into a `RegistryError` (retryable for 429 and 5xx), with `hint` or
 * else the fix its error code or status calls for.
 */
export async function responseError(
  message: string,
  res: Response,
  url: string,
  hint?: string,
): Promise<RegistryError> {
  const text = await res.text().catch(() => "");
  const { code, detail } = parseErrorBody(text);
  const said = [code, detail].filter(Boolean).join(": ");
  return new RegistryError(
    `${message}: ${res.status}${res.statusText ? ` ${res.statusText}` : ""}${
      said ? ` (${said})` : ""
    }`,
    {
      status: res.status,
      url,
      code,
      detail,
      retryable: retryableStatus(res.status),
      retryAfterMs: retryAfter(res.headers.get("retry-after")),
      hint: hint ?? hintFor(res.status, code, url),
    },
  );
}

export interface RetryPolicy {
  /** Total attempts, the first included. */
  attempts: number;
  baseDelayMs: number;
  /** The longest backoff iago picks itself. */
  maxDelayMs: number;
  /** The longest `Retry-After` honoured; a registry asking for more gets no retry. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 5,
  baseDelayMs: 250,
  maxDelayMs: 8000,
  // Long enough for a registry's rate limit window, short enough for a cron run.
  maxRetryAfterMs: 300_000,
};

/**
 * Runs `fn` until it succeeds, retrying only `RegistryError`s marked retryable, with
 * exponential backoff and jitter, or after the registry's `Retry-After` when it gives one: a
 * wait up to `maxRetryAfterMs` is kept to; a longer one ends the retries with an error that
 * says so (waiting less would only be refused again). `signal` ends a wait at once, with its
 * reason.
 */
export async function withRetries<T>(
  fn: (attempt: number) => Promise<T>,
  policy: RetryPolicy,
  onRetry?: (err: RegistryError, delayMs: number) => void,
  signal?: AbortSignal,
): Promise<T> {
  for (let attempt = 1;; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      signal?.throwIfAborted();
      if (!(err instanceof RegistryError) || !err.retryable || attempt >= policy.attempts) {
        throw err;
      }
      if (err.retryAfterMs !== undefined && err.retryAfterMs > policy.maxRetryAfterMs) {
        throw new RegistryError(
          `${err.message}; it asks to retry after ${
            Math.ceil(err.retryAfterMs / 1000)
          } s, longer than iago waits (${policy.maxRetryAfterMs / 1000} s)`,
          {
            status: err.status,
            url: err.url,
            code: err.code,
            detail: err.detail,
            hint: "run again later",
            cause: err,
          },
        );
      }
      const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      const delay = err.retryAfterMs ?? backoff / 2 + Math.random() * backoff / 2;
      onRetry?.(err, delay);
      await abortableDelay(delay, signal);
    }
  }
}

/** Resolves after `ms`; rejects with `signal`'s reason as soon as it fires. */
function abortableDelay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const stop = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", stop);
      resolve();
    }, ms);
    signal?.addEventListener("abort", stop, { once: true });
  });
}

function retryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function networkError(
  method: string,
  url: string,
  err: unknown,
  timedOut: boolean,
  timeoutMs: number,
): RegistryError {
  const host = new URL(url).host;
  // Deno's messages embed the full URL; keep only the reason.
  // Deno says "fetch failed" and keeps the reason (DNS, refused, reset, TLS) in the cause.
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : undefined;
  const reason = timedOut
    ? `no answer within ${Math.round(timeoutMs / 1000)}s`
    : (cause?.message ?? (err instanceof Error ? err.message : String(err)))
      .replace(/^error sending request\s*(for url \([^)]*\))?:?\s*/, "")
      .replace(/\s*for url \([^)]*\)/g, "")
      .replace(/https?:\/\/\S+/g, "<url>");
  return new RegistryError(`Cannot ${method} ${redactUrl(url)}: ${reason}`, {
    status: 0,
    url,
    retryable: true,
    hint: `check that ${host} is reachable (network, proxy, the registry's address and port)`,
  });
}

/** An abort signal that fires after `ms` without progress; watched streams count as progress. */
class IdleTimer {
  readonly #controller = new AbortController();
  readonly #ms: number;
  #handle?: ReturnType<typeof setTimeout>;
  fired = false;

  constructor(ms: number) {
    this.#ms = ms;
    this.touch();
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  touch(): void {
    if (this.#handle !== undefined) clearTimeout(this.#handle);
    this.#handle = setTimeout(() => {
      this.fired = true;
      this.#controller.abort(new DOMException("idle timeout", "TimeoutError"));
    }, this.#ms);
  }

  clear(): void {
    if (this.#handle !== undefined) clearTimeout(this.#handle);
    this.#handle = undefined;
  }

  watch(stream: ReadableStream<Uint8Array>, onEnd?: () => void): ReadableStream<Uint8Array> {
    const reader = stream.getReader();
    return new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        try {
          const { done, value } = await reader.read();
          if (done) {
            onEnd?.();
            controller.close();
            return;
          }
          this.touch();
          controller.enqueue(value);
        } catch (err) {
          onEnd?.();
          controller.error(err);
        }
      },
      cancel: async (reason) => {
        onEnd?.();
        await reader.cancel(reason);
      },
    });
  }
}
