/**
 * Turns Deno's refusal of an operation inside the sandbox ("Requires read access to "/x", run
 * again with the --allow-read flag") into what the template or plugin tried to do, in the
 * user's words; the flag advice is wrong there: no flag gives a plugin more access.
 */

/**
 * Where the sandbox process's import map sends each refused built-in (child_command.ts): a
 * `blob:` URL no code can make (those end in a random UUID), so importing it fails, statically or
 * dynamically, with Deno's one-line "Module not found" naming it.
 */
export const REFUSED_IMPORT_PREFIX = "blob:null/iago-refused/";

const REFUSED_IMPORT = new RegExp(`Module not found "${REFUSED_IMPORT_PREFIX}([^"]+)"`);

/** What the code tried (`read "/etc/shadow"`), when `err` is a refused permission. */
export function deniedAction(err: unknown): string | undefined {
  if (!(err instanceof Error)) return undefined;
  // A static import the sandbox process's import map refuses (child_command.ts).
  const blocked = REFUSED_IMPORT.exec(err.message);
  if (blocked) return `import from "${blocked[1]}"`;
  const m = /Requires (\w+) access(?: to "([^"]*)")?/.exec(err.message);
  const refused = err.name === "NotCapable" || err.name === "PermissionDenied" || m !== null;
  if (!refused || !m) return undefined;
  const target = m[2];
  switch (m[1]) {
    case "read":
      return `read ${target ? `"${target}"` : "a file"}`;
    case "write":
      return `write ${target ? `"${target}"` : "a file"}`;
    case "net":
      return `reach ${target ? `"${target}"` : "the network"} over the network`;
    case "env":
      return target ? `read the environment variable "${target}"` : "read the environment";
    case "run":
      return `run ${target ? `"${target}"` : "a process"}`;
    case "import":
      return `import from ${target ? `"${target}"` : "the network"}`;
    case "sys":
      return `read system information${target ? ` (${target})` : ""}`;
    case "ffi":
      return "load a native library";
    default:
      return `use ${m[1]} access${target ? ` to "${target}"` : ""}`;
  }
}

/** The sentence that follows "tried to ...": why that fails. */
export const SANDBOX_RULE =
  "templates and plugins run in a sandbox without access to files, the network, the environment or processes";
