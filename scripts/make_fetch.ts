/**
 * make-fetch-happen for the release bundle, which takes this module in its place
 * (scripts/release.ts). @sigstore/sign fetches through it (Fulcio, Rekor, the GitHub Actions
 * OIDC token), and with it come minipass-fetch, cacache, glob, ssri, the socks and proxy agents:
 * 860 KB of the full CLI's code and a third of the packed bytes that every start of
 * dist/iago.js reads (src/cli/packed.ts), for what Deno's fetch does (with proxies from
 * HTTP_PROXY, HTTPS_PROXY and NO_PROXY). This is what sigstore asks of it, as make-fetch-happen
 * 16 does it: `method`, `headers`, `body`, redirects followed, `timeout` (ms for the request
 * and its answer; 0 or none waits), `retry` (a number of retries or promise-retry's options)
 * for a request that is not a POST, after an error or a 408, 420, 429 or 5xx answer, waiting
 * `minTimeout * factor^n` ms (1 s, 2 s, ...). The answer is the web Response sigstore reads.
 */

/** promise-retry's options, as make-fetch-happen takes them (a number is `retries`). */
export interface RetryOptions {
  retries?: number;
  factor?: number;
  minTimeout?: number;
  maxTimeout?: number;
}

export interface FetchOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array<ArrayBuffer>;
  timeout?: number;
  retry?: boolean | number | RetryOptions;
}

/** make-fetch-happen's default export: `url` fetched as {@link FetchOptions} say. */
export default async function fetch(url: string, options: FetchOptions = {}): Promise<Response> {
  const method = (options.method ?? "GET").toUpperCase();
  // (As make-fetch-happen: `true` is no retry, like `false`.)
  const retry = typeof options.retry === "object"
    ? options.retry
    : { retries: typeof options.retry === "number" ? options.retry : 0 };
  const { retries = 0, factor = 2, minTimeout = 1000, maxTimeout = Infinity } = retry;
  for (let attempt = 0;; attempt++) {
    const last = method === "POST" || attempt >= retries;
    const signal = options.timeout ? AbortSignal.timeout(options.timeout) : undefined;
    try {
      const response = await globalThis.fetch(url, {
        method,
        headers: options.headers,
        body: options.body,
        signal,
      });
      const retryable = [408, 420, 429].includes(response.status) || response.status >= 500;
      if (last || !retryable) return response;
      await response.body?.cancel();
    } catch (err) {
      if (last) throw err;
    }
    const wait = Math.min(Math.round(Math.max(minTimeout, 1) * factor ** attempt), maxTimeout);
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

/** make-fetch-happen is CommonJS: the bundle's `__importDefault` takes this for its shape. */
export const __esModule = true;
