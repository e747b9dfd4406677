/**
 * iago's V8 flags, one of the {@link PERMISSIONS} (which says why), for a process that needs
 * other permissions (benchmarks).
 */
export const V8_FLAGS = "--v8-flags=--max-semi-space-size=4,--expose-gc";

/**
 * The Deno permissions and flags iago runs with, in one place: `deno task iago`, the bundle's
 * shebang and the compiled binaries use this list (a test checks deno.json agrees).
 *
 * - read/write: the workspace (`-C` can name any directory), plus the registry auth files,
 *   `--key`/`--output` paths and the temp dir that buildah exports to, so not narrowed further;
 *   iago itself refuses paths outside the workspace for everything it derives from names.
 * - net: registries, GitHub keys, Sigstore: hosts come from configuration.
 * - env: the variables iago reads (tokens, auth-file locations, NO_COLOR, IAGO_*).
 * - run: `op` (1Password), `buildah` and `podman` (RUN delegation), `ssh` (`iago status`), and
 *   iago itself: templates and workload plugins run in a process of its own (src/sandbox/),
 *   `Deno.execPath()`, a path known only at run time, which a list cannot name ahead (and
 *   allowing `deno` by name would allow any script anyway), so run is not narrowed.
 * - that process runs them in Workers without permissions, which needs
 *   `--unstable-worker-options`; `--no-prompt` makes what they try fail instead of asking the
 *   user at a terminal.
 * - V8's young generation at most 4 MiB per semi-space, per isolate (V8 grows it to 16 MiB:
 *   32 MiB of resident memory in iago and more in each sandbox worker, for objects that die
 *   young either way). `ignite --all` of 1000 machines peaks ~25 MiB lower at the same CPU time
 *   (bench/ignite_bench.ts).
 * - V8's own `gc()` for src/memory.ts, which collects what it is asked: the scavenge every 16 MiB
 *   a push uploads is a scavenge (without the flag, Deno's two or more full compacting
 *   collections: a 1.7 GiB push took 9.1 CPU-s instead of 3.6). Start-up is the same.
 * - No flag for start-up: none of those measured (README, "The release binary") takes anything
 *   off the main thread of `iago butane`, `--version` or `list` without costing another of them
 *   or long runs more, but `--min-semi-space-size=4`, which spares `list` its one scavenge up to
 *   a hundred-odd machines (1.3%): too little for one more flag. Deno writes a module's code
 *   cache when it compiles it, before it runs, whatever the flags: what that cache holds is
 *   chosen in the source (scripts/eager.ts).
 */
export const PERMISSIONS = [
  "--allow-read",
  "--allow-write",
  "--allow-net",
  "--allow-env",
  "--allow-run",
  "--unstable-worker-options",
  "--no-prompt",
  V8_FLAGS,
];
