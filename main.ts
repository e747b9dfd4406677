#!/usr/bin/env -S deno run -A
/** iago: Fedora CoreOS machines from a git repository. */
import { main } from "./src/cli/main.ts";

if (import.meta.main) {
  Deno.exitCode = await main(Deno.args);
}
