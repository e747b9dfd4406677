/**
 * One of `iago serve`'s state files (tokens, fetches, arms), read again only when it changed:
 * the server asks at every request, and a stat is cheaper than a read and a parse. Every writer
 * (the server, `--arm`, `--rotate` in another process) replaces the file by an atomic rename,
 * which gives it a new inode, so the file's identity, size and modification time tell a change.
 */
import { readTextIfExists } from "../fsutil.ts";

/**
 * How long after its last change a file's stat is trusted to stand for its text (git's "racily
 * clean" rule): a second write within the clock tick of the first, of the same size, on an inode
 * the kernel reused, would look unchanged. Deno gives mtimes in whole milliseconds and some file
 * systems in whole seconds, so a file changed less than this before it was read is read again.
 */
const SETTLE_MS = 2_000;

export class StateFile {
  readonly path: string;
  readonly #now: () => number;
  /** The stat the text was read under; undefined: read at the next call. */
  #key?: string;

  constructor(path: string, now: () => number = Date.now) {
    this.path = path;
    this.#now = now;
  }

  /**
   * The file's text when it may have changed since the last call (`{ text: undefined }` when
   * there is no file), or undefined when it has not: the caller keeps what it parsed last.
   */
  async changed(): Promise<{ text: string | undefined } | undefined> {
    const before = await statKey(this.path);
    if (before.key === this.#key) return undefined;
    const readAt = this.#now();
    const text = await readTextIfExists(this.path);
    // A change while it was read leaves the stats apart: read it again next time.
    const after = await statKey(this.path);
    const settled = after.key === before.key && after.mtime <= readAt - SETTLE_MS;
    this.#key = settled ? after.key : undefined;
    return { text };
  }

  /** Reads the file again at the next call (what was parsed from it was refused). */
  forget(): void {
    this.#key = undefined;
  }
}

/** What tells the file apart from its next version: device, inode, size, mtime. */
async function statKey(path: string): Promise<{ key: string; mtime: number }> {
  try {
    const s = await Deno.stat(path);
    const mtime = s.mtime?.getTime() ?? 0;
    return { key: `${s.dev}:${s.ino}:${s.size}:${mtime}`, mtime };
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return { key: "absent", mtime: -Infinity };
    throw err;
  }
}
