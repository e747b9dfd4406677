#!/usr/bin/env -S deno run -A
/** iago: Fedora CoreOS machines from a git repository. */
import { runIago } from "./src/cli/entry.ts";
import { runSandboxChild, SANDBOX_CHILD_ARG } from "./src/sandbox/child.ts";

if (import.meta.main) {
  // The process iago starts to run templates and plugins in (src/sandbox/child.ts).
  if (Deno.args[0] === SANDBOX_CHILD_ARG) await runSandboxChild();
  Deno.exitCode = await runIago(Deno.args);
}
