/**
 * Where the sandbox worker's code comes from. Run from source, it is `worker.ts` beside this
 * file; in the bundle (`deno task bundle`), `scripts/release.ts` puts the worker's own bundled
 * code in place of {@link BUNDLED}, and the worker starts from a `blob:` URL of it, so
 * `dist/iago.js` needs no file beside it (`deno bundle` does not follow `new Worker(...)`).
 */

/** Replaced by the bundler with the worker's code as a string literal. */
const BUNDLED: string = "__IAGO_SANDBOX_WORKER__";

let url: string | undefined;

/** The URL to start the worker from. */
export function workerUrl(): string {
  if (url) return url;
  url = BUNDLED.startsWith("__IAGO_SANDBOX_")
    ? new URL("./worker.ts", import.meta.url).href
    : URL.createObjectURL(new Blob([BUNDLED], { type: "text/javascript" }));
  return url;
}
