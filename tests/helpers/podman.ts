/**
 * The real podman (Debian `podman`) with a store of its own in a test's scratch directory: vfs
 * storage (no overlay mounts needed), no events journal, nothing shared with the host's images.
 */
import { requireTool } from "./registry.ts";

/** podman's global flags for a private store under `dir`. */
export function scratchPodmanArgs(dir: string): string[] {
  return [
    "--storage-driver",
    "vfs",
    "--root",
    `${dir}/root`,
    "--runroot",
    `${dir}/run`,
    "--events-backend",
    "none",
  ];
}

/**
 * Runs `podman ARGS` on the private store under `dir`; resolves to its stdout, throws with its
 * stderr when it fails. Fails loudly when podman is missing.
 */
export async function scratchPodman(dir: string, args: string[]): Promise<string> {
  await requireTool("/usr/bin/podman", "podman");
  const out = await new Deno.Command("podman", {
    args: [...scratchPodmanArgs(dir), ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  if (!out.success) throw new Error(`podman ${args.join(" ")} failed: ${stderr}`);
  return new TextDecoder().decode(out.stdout);
}
