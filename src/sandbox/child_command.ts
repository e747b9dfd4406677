/**
 * How iago starts its sandbox process (child.ts): the same program with a hidden argument,
 * `deno run` with the flags below for the bundle and from source, the binary itself when
 * compiled (where the sandbox process revokes the permissions the binary was built with).
 *
 * - No permission at all: iago sends the workers' code and each plugin's source, so nothing is
 *   read from disk (from source, the worker's module is, the one file it may read).
 * - An import map that refuses the Node built-ins that do more than compute
 *   (builtins.ts): Deno resolves a plugin's static `import` without the worker's module hook,
 *   and `new net.Socket({ fd })` would reach any descriptor of the process, the pipes to iago
 *   included. `--no-config`: no deno.json of the workspace joins in.
 * - `--cached-only`: a plugin's `npm:` or `jsr:` import downloads nothing.
 * - V8's heap limit, which ends the process (and so the call) where the code's heap passes it.
 */
import { fileURLToPath } from "node:url";
import config from "../../deno.json" with { type: "json" };
import { COMPUTING_BUILTINS, STATIC_ONLY_BUILTINS } from "./builtins.ts";
import { SANDBOX_CHILD_ARG } from "./child.ts";
import { REFUSED_IMPORT_PREFIX } from "./denied.ts";

export interface ChildCommand {
  command: string;
  args: string[];
  env: Record<string, string>;
}

/**
 * The command that starts the sandbox process, with a heap limit of `memoryMiB` per isolate,
 * for workers started from `code` (worker_url.ts).
 */
export function sandboxChildCommand(
  memoryMiB: number,
  code: { url: string } | { code: string },
): ChildCommand {
  const v8Flags = `--max-old-space-size=${memoryMiB},--max-semi-space-size=4`;
  // Deno's own messages (the one that says why the process ended) without colours.
  const env = { NO_COLOR: "1" };
  if (Deno.build.standalone) {
    // A compiled binary takes no `deno run` flags: its V8 flags come from the environment.
    return {
      command: Deno.execPath(),
      args: [SANDBOX_CHILD_ARG],
      env: { ...env, DENO_V8_FLAGS: v8Flags },
    };
  }
  const fromSource = "url" in code;
  const imports = { ...(fromSource ? config.imports : {}), ...refusedImports() };
  const importMap = `data:application/json,${encodeURIComponent(JSON.stringify({ imports }))}`;
  return {
    command: Deno.execPath(),
    args: [
      "run",
      "--quiet",
      "--no-prompt",
      "--unstable-worker-options",
      "--no-config",
      "--cached-only",
      `--import-map=${importMap}`,
      `--v8-flags=${v8Flags}`,
      ...(fromSource ? [`--allow-read=${fileURLToPath(new URL("..", code.url))}`] : []),
      fromSource ? new URL("./child_main.ts", import.meta.url).href : Deno.mainModule,
      SANDBOX_CHILD_ARG,
    ],
    env,
  };
}

/**
 * The import map's entries that refuse Node's built-ins a template or plugin may not import
 * (as Deno lists them, by both names): each maps to a `blob:` URL no code can make
 * (`blob:null/iago-refused/node:net`), so importing it fails, statically or dynamically, with
 * Deno's "Module not found" that denied.ts reads. Not `null`: Deno calls a null address invalid
 * and prints a "Resolver diagnostics" line for each unless --quiet (a compiled binary could at
 * every start), and it does not stop a bare `net`. Nor an unknown scheme: the worker's module
 * hook (side_doors.ts) makes Deno load the built-in after all. `deno task compile` builds these
 * entries into the binary (scripts/release.ts).
 */
export function refusedImports(): Record<string, string> {
  const { builtinModules } = process.getBuiltinModule("node:module");
  const imports: Record<string, string> = {};
  for (const name of builtinModules) {
    const bare = name.replace(/^node:/, "");
    if (COMPUTING_BUILTINS.has(bare) || STATIC_ONLY_BUILTINS.has(bare)) continue;
    for (const key of [name, `node:${bare}`]) imports[key] = `${REFUSED_IMPORT_PREFIX}${key}`;
  }
  return imports;
}
