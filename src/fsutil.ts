/**
 * File-system helpers shared by every command. Outputs are written to a temporary file in the
 * same directory and renamed into place, so a failure never leaves a half-written file.
 */
import { dirname, join } from "node:path";

export interface WriteOptions {
  /** File mode (permission bits), applied before the rename. Default 0o644. */
  mode?: number;
  /** Create missing parent directories with this mode. Default: do not create. */
  mkdirMode?: number;
}

/** Writes `data` to `path` atomically: temp file in the same directory, fsync, rename. */
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
    throw err;
  }
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

/** Reads a UTF-8 file, or returns undefined when it does not exist. */
export async function readTextIfExists(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return undefined;
    throw err;
  }
}

function basenameOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i === -1 ? path : path.slice(i + 1);
}
