/**
 * The real podman (Debian `podman`) with a store of its own in a test's scratch directory: vfs
 * storage (no overlay mounts needed), no events journal, nothing shared with the host's images.
 */
import { requireTool } from "./registry.ts";

/**
 * podman's global flags for a private store under `dir`, for a podman whose working directory
 * is `dir`: the run root is given relative, because podman refuses one longer than 50
 * characters, which `dir` under a long TMPDIR (a CI machine's) would make.
 */
export function scratchPodmanArgs(dir: string): string[] {
  return [
    "--storage-driver",
    "vfs",
    "--root",
    `${dir}/root`,
    "--runroot",
    "run",
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
  await Deno.mkdir(dir, { recursive: true });
  const out = await new Deno.Command("podman", {
    args: [...scratchPodmanArgs(dir), ...args],
    cwd: dir,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  if (!out.success) throw new Error(`podman ${args.join(" ")} failed: ${stderr}`);
  return new TextDecoder().decode(out.stdout);
}
