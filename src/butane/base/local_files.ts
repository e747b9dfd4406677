/**
 * Reading from the files directory (`-d`). A path is joined to the directory as butane does
 * (`local: /x` means `<dir>/x`) and refused when it leaves the directory lexically; symlinks
 * are followed wherever they lead, as butane follows them. `iago ignite` asks for more
 * (`inside`): a file whose real path is outside the files directory is refused too, so a link
 * in `config/scripts` cannot put a bastion's file into an Ignition config.
 */
import { isAbsolute, join, relative, resolve } from "node:path";

export const NO_FILES_DIR =
  "local file paths are relative to a files directory that must be specified with -d/--files-dir";
export const ESCAPES = "local file path traverses outside the files directory";

/** Thrown with a butane-style message; the caller reports it at the YAML path. */
export class LocalFileError extends Error {}

/** The lexical location of `p` inside `filesDir`; throws when it leaves the directory. */
export function localPath(filesDir: string | undefined, p: string): string {
  if (filesDir === undefined) throw new LocalFileError(NO_FILES_DIR);
  const base = resolve(filesDir);
  const full = resolve(join(base, p));
  if (!within(base, full)) throw new LocalFileError(ESCAPES);
  return full;
}

function within(base: string, full: string): boolean {
  if (full === base) return true;
  const rel = relative(base, full);
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel);
}

const realBases = new Map<string, string>();

/**
 * Refuses a path whose real location (symlinks resolved) is outside the files directory;
 * `shown` is the path as messages name it, `shownDir` the directory.
 */
export function checkRealPath(
  filesDir: string,
  full: string,
  shown = full,
  shownDir = filesDir,
): void {
  const base = resolve(filesDir);
  let realBase = realBases.get(base);
  if (realBase === undefined) {
    try {
      realBase = Deno.realPathSync(base);
    } catch (err) {
      throw new LocalFileError(goOpenError(shown, err));
    }
    realBases.set(base, realBase);
  }
  let real: string;
  try {
    real = Deno.realPathSync(full);
  } catch (err) {
    throw new LocalFileError(goOpenError(shown, err));
  }
  if (!within(realBase, real)) {
    throw new LocalFileError(
      `${shown} leads out of ${shownDir} through a symlink (to ${real}): copy the file into ${shownDir} instead (iago ignite reads local files only from there)`,
    );
  }
}

/**
 * The bytes of `p` from the files directory. Messages name the file as butane does: joined to
 * the directory as the user gave it (`shownDir`, default `filesDir`). With `inside`, refuses a
 * file whose real path is outside the directory ({@link checkRealPath}).
 */
export function readLocal(
  filesDir: string | undefined,
  p: string,
  shownDir: string | undefined = filesDir,
  inside = false,
): Uint8Array {
  const full = localPath(filesDir, p);
  const shown = shownPath(shownDir ?? filesDir!, p);
  if (inside) checkRealPath(filesDir!, full, shown, shownDir ?? filesDir);
  try {
    return Deno.readFileSync(full);
  } catch (err) {
    throw new LocalFileError(goOpenError(shown, err));
  }
}

/** Go's `filepath.Join(dir, p)`: joined and cleaned, as butane names a local file. */
export function shownPath(dir: string, p: string): string {
  return join(dir, p).replace(/\/$/, "") || ".";
}

/** Go's `open PATH: no such file or directory` wording for a failed read. */
export function goOpenError(path: string, err: unknown): string {
  // Go's open fails with EINVAL on a NUL byte; Deno refuses the name in its own words.
  if (path.includes("\0")) return `open ${path}: invalid argument`;
  if (err instanceof Deno.errors.NotFound) return `open ${path}: no such file or directory`;
  if (err instanceof Deno.errors.PermissionDenied) return `open ${path}: permission denied`;
  if (err instanceof Deno.errors.IsADirectory) return `read ${path}: is a directory`;
  const msg = err instanceof Error ? err.message.replace(/ \(os error \d+\)/, "") : String(err);
  if (/is a directory/i.test(msg)) return `read ${path}: is a directory`;
  return `open ${path}: ${msg.split(":")[0].toLowerCase()}`;
}
