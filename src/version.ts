/** The version of iago, and the commit it was built from. */
export const VERSION = "0.1.0";

/**
 * `scripts/bundle.ts` replaces the sentinel in the bundle with `git rev-parse --short HEAD`;
 * running from source says so instead.
 */
const STAMP: string = "__IAGO_COMMIT__";
export const COMMIT = STAMP.startsWith("__") ? "source" : STAMP;

/** The line `iago --version` prints. */
export function versionLine(): string {
  return `iago ${VERSION} (commit ${COMMIT}, deno ${Deno.version.deno})`;
}
