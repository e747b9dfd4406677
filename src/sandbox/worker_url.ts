/**
 * Where the sandbox worker's code comes from. Run from source, it is `worker.ts` beside this
 * file; in the bundle (`deno task bundle`), `scripts/release.ts` puts the worker's own bundled
 * code in place of {@link BUNDLED}, which iago hands the sandbox process (child.ts) to start its
 * workers from, so `dist/iago.js` needs no file beside it (`deno bundle` does not follow
 * `new Worker(...)`).
 */

/** Replaced by the bundler with the worker's code as a string literal. */
const BUNDLED: string = "__IAGO_SANDBOX_WORKER__";

/** The worker's code, or when iago runs from source, the `file:` URL of its module. */
export function workerCode(): { url: string } | { code: string } {
  return BUNDLED.startsWith("__IAGO_SANDBOX_")
    ? { url: new URL("./worker.ts", import.meta.url).href }
    : { code: BUNDLED };
}
