/**
 * File-system helpers shared by every command. Outputs are written to a temporary file in the
 * same directory and renamed into place, so a failure never leaves a half-written file.
 */
import { dirname, isAbsolute, join, resolve } from "node:path";
import { IagoError, UsageError } from "./errors.ts";

export interface WriteOptions {
  /** File mode (permission bits), applied before the rename. Default 0o644. */
  mode?: number;
  /** Create missing parent directories with this mode. Default: do not create. */
  mkdirMode?: number;
}

/**
 * Writes `data` to `path` atomically: temp file in the same directory, fsync, rename, fsync of
 * the directory (so a power loss after it returns keeps the new file under its name).
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: WriteOptions = {},
): Promise<void> {
  const dir = dirname(path);
  if (options.mkdirMode !== undefined) {
    await Deno.mkdir(dir, { recursive: true, mode: options.mkdirMode });
  }
  const tmp = join(dir, `.${basenameOf(path)}.${crypto.randomUUID().slice(0, 8)}.tmp`);
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const mode = options.mode ?? 0o644;
  try {
    const file = await Deno.open(tmp, { write: true, createNew: true, mode });
    try {
      let written = 0;
      while (written < bytes.length) written += await file.write(bytes.subarray(written));
      await file.syncData();
    } finally {
      file.close();
    }
    // The umask may have narrowed the mode given to open(); set it exactly.
    await Deno.chmod(tmp, mode);
    await Deno.rename(tmp, path);
  } catch (err) {
    await Deno.remove(tmp).catch(() => {});
    throw explainWriteError(path, err);
  }
  await syncDirectory(dir);
}

/**
 * Flushes directory `dir`'s entries to disk: a rename is only in the directory until then, and
 * a power loss could bring the old file back under the name. Never throws: the rename is done
 * (callers such as the secrets' commit take it as the commit point), and a file system that
 * cannot sync a directory still has the new file.
 */
export async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await Deno.open(dir, { read: true });
    try {
      await handle.sync();
    } finally {
      handle.close();
    }
  } catch {
    // Not supported there, or the disk failed after the rename: the file is in place either way.
  }
}

/**
 * `err` from writing `path` as an `IagoError` naming the path and the fix, for the failures a
 * user can fix (full or read-only disk, a directory where the file belongs, permissions); other
 * errors as they are.
 */
export function explainWriteError(path: string, err: unknown): unknown {
  if (err instanceof IagoError || !(err instanceof Error)) return err;
  const dir = dirname(path);
  const code = (err as { code?: string }).code;
  const explained = (why: string, hint: string) =>
    new IagoError(`Cannot write ${path}: ${why}`, { hint, cause: err });
  if (code === "ENOSPC" || code === "EDQUOT") {
    return explained(
      code === "ENOSPC" ? "no space left on its file system" : "the disk quota is used up",
      `free space there (df -h ${dir}), then run again; the previous file is unchanged`,
    );
  }
  if (code === "EROFS") {
    return explained(
      "its file system is read-only",
      `remount it read-write (or write elsewhere), then run again; the previous file is unchanged`,
    );
  }
  if (err instanceof Deno.errors.IsADirectory || code === "EISDIR") {
    return explained("it is a directory", "remove or rename that directory: a file belongs there");
  }
  if (err instanceof Deno.errors.PermissionDenied) {
    return explained("permission denied", `check the owner and mode of ${dir}`);
  }
  return err;
}

/** The names `writeFileAtomic` gives its temp files: `.NAME.1a2b3c4d.tmp`. */
const TEMP_FILE = /^\..+\.[0-9a-f]{8}\.tmp$/;

/**
 * Removes the temp files `writeFileAtomic` left in `dir` and below it when its process was
 * killed (one may hold a whole Ignition file with password hashes), and returns their paths.
 * Call it only while holding the lock that every writer of `dir` takes.
 */
export async function removeLeftoverTempFiles(dir: string): Promise<string[]> {
  const removed: string[] = [];
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(dir));
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return removed;
    throw err;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) removed.push(...await removeLeftoverTempFiles(path));
    else if (entry.isFile && TEMP_FILE.test(entry.name)) {
      await Deno.remove(path).catch(() => {});
      removed.push(path);
    }
  }
  return removed;
}

/** True when `path` exists (any kind of entry, symlinks not followed). */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw err;
  }
}

/**
 * Reads a UTF-8 file, or returns undefined when it does not exist. Throws an `IagoError` when
 * a directory is where the file belongs.
 */
export async function readTextIfExists(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return undefined;
    if (err instanceof Deno.errors.IsADirectory) {
      throw new IagoError(`Cannot read ${path}: it is a directory`, {
        hint: "remove or rename that directory: a file belongs there",
        cause: err,
      });
    }
    throw err;
  }
}

/**
 * Why a file named by the user could not be read, in the words iago's errors use, for the
 * failures the user can fix; undefined for any other error, which the caller rethrows.
 */
export function whyUnreadable(err: unknown): string | undefined {
  return err instanceof Deno.errors.NotFound
    ? "no such file"
    : err instanceof Deno.errors.IsADirectory
    ? "it is a directory"
    : err instanceof Deno.errors.PermissionDenied
    ? "permission denied"
    : undefined;
}

/**
 * The text of a file named on the command line (`--cert FILE`): relative to `root`, the workspace
 * of `-C DIR`, like every path iago takes. Throws a `UsageError` naming the file as the user gave
 * it (`what` says which file it is) and why it cannot be read.
 */
export async function readGivenFile(root: string, given: string, what: string): Promise<string> {
  try {
    return await Deno.readTextFile(resolve(root, given));
  } catch (err) {
    const why = whyUnreadable(err);
    if (why === undefined) throw err;
    throw new UsageError(`Cannot read the ${what} "${given}": ${why}`, {
      hint: err instanceof Deno.errors.NotFound && !isAbsolute(given)
        ? `a relative path is relative to the workspace (-C DIR), here ${root}`
        : undefined,
      cause: err,
    });
  }
}

function basenameOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i === -1 ? path : path.slice(i + 1);
}
