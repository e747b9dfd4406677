/**
 * The sandbox process's entry when iago runs from source (child_command.ts); the bundle and the
 * compiled binary enter through iago's own entry with the hidden argument.
 */
import { runSandboxChild } from "./child.ts";

if (import.meta.main) await runSandboxChild();
