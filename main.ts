#!/usr/bin/env -S deno run -A
/** iago: Fedora CoreOS machines from a git repository. */
import { runIago } from "./src/cli/entry.ts";

if (import.meta.main) {
  Deno.exitCode = await runIago(Deno.args, { ownsProcess: true });
}
