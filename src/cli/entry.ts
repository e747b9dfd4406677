/**
 * iago's entry point: the lean entry (lean/mod.ts) for the commands it answers, the full CLI
 * (main.ts, loaded on demand) for every other.
 */
import { loadFullCli } from "./packed.ts";
import type { MainOptions } from "./invocation.ts";
import { leanMain } from "./lean/mod.ts";

/** Runs iago with `args` and returns the exit code; never calls `Deno.exit`. */
export async function runIago(args: string[], options: MainOptions = {}): Promise<number> {
  return await leanMain(args, options) ??
    await (await loadFullCli(options.env)).main(args, options);
}
