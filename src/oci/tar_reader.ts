/**
 * Reads tar archives from disk without loading them: an index of the headers (ustar, PAX and
 * GNU long names), then contents read by offset. Used for `ADD archive.tar` and for reading
 * files out of image layers (`COPY --from`).
 */
import { posix } from "node:path";

export interface TarIndexEntry {
  /** Normalised: no leading `/` or `./`, no trailing `/`. */
  path: string;
  type: "file" | "dir" | "symlink" | "hardlink" | "other";
  mode: number;
  uid: number;
  gid: number;
  size: number;
  linkname?: string;
  /** Byte offset of the content in the archive file. */
  offset: number;
}

const BLOCK = 512;
const decoder = new TextDecoder();

/** Lists the entries of the uncompressed tar at `path`. Throws on a malformed archive. */
export async function indexTar(path: string): Promise<TarIndexEntry[]> {
  const file = await Deno.open(path);
  const entries: TarIndexEntry[] = [];
  try {
    let pos = 0;
    let pax: Record<string, string> = {};
    let longName: string | undefined;
    let longLink: string | undefined;
    const block = new Uint8Array(BLOCK);
    for (;;) {
      await file.seek(pos, Deno.SeekMode.Start);
      if (!(await readFull(file, block))) break;
      if (block.every((b) => b === 0)) break;
      const size = pax.size !== undefined ? Number(pax.size) : numeric(block, 124, 12);
      const flag = String.fromCharCode(block[156] || 0x30);
      const contentAt = pos + BLOCK;
      pos = contentAt + Math.ceil(size / BLOCK) * BLOCK;
      if (flag === "x" || flag === "L" || flag === "K") {
        const body = new Uint8Array(size);
        await file.seek(contentAt, Deno.SeekMode.Start);
        if (!(await readFull(file, body))) throw new Error("Truncated tar archive");
        if (flag === "x") pax = { ...pax, ...parsePax(decoder.decode(body)) };
        else if (flag === "L") longName = cString(body, 0, size);
        else longLink = cString(body, 0, size);
        continue;
      }
      if (flag === "g") continue;
      const prefix = cString(block, 345, 155);
      const rawName = pax.path ?? longName ??
        (prefix ? `${prefix}/${cString(block, 0, 100)}` : cString(block, 0, 100));
      const linkname = pax.linkpath ?? longLink ?? cString(block, 157, 100);
      const type = flag === "0" || flag === "7"
        ? "file"
        : flag === "5"
        ? "dir"
        : flag === "2"
        ? "symlink"
        : flag === "1"
        ? "hardlink"
        : "other";
      entries.push({
        path: cleanPath(rawName),
        type,
        mode: numeric(block, 100, 8) & 0o7777,
        uid: pax.uid !== undefined ? Number(pax.uid) : numeric(block, 108, 8),
        gid: pax.gid !== undefined ? Number(pax.gid) : numeric(block, 116, 8),
        size: type === "file" ? size : 0,
        linkname: type === "symlink"
          ? linkname
          : type === "hardlink"
          ? cleanPath(linkname)
          : undefined,
        offset: contentAt,
      });
      pax = {};
      longName = undefined;
      longLink = undefined;
    }
  } finally {
    file.close();
  }
  return entries;
}

/**
 * The headers of the uncompressed tar `source`, read as it streams (contents are skipped, never
 * held, except those of files `keep` asks for, up to 1 MiB), for knowing what a base image's
 * layers hold without unpacking them. Offsets are 0.
 */
export async function* scanTar(
  source: ReadableStream<Uint8Array>,
  keep: (path: string) => boolean = () => false,
): AsyncGenerator<TarIndexEntry & { content?: Uint8Array }> {
  const reader = new BlockReader(source);
  try {
    let pax: Record<string, string> = {};
    let longName: string | undefined;
    let longLink: string | undefined;
    for (;;) {
      const block = await reader.read(BLOCK);
      if (!block || block.every((b) => b === 0)) return;
      const size = pax.size !== undefined ? Number(pax.size) : numeric(block, 124, 12);
      const flag = String.fromCharCode(block[156] || 0x30);
      const padded = Math.ceil(size / BLOCK) * BLOCK;
      if (flag === "x" || flag === "L" || flag === "K") {
        const body = await reader.read(padded);
        if (!body) throw new Error("Truncated tar archive");
        if (flag === "x") pax = { ...pax, ...parsePax(decoder.decode(body.subarray(0, size))) };
        else if (flag === "L") longName = cString(body, 0, size);
        else longLink = cString(body, 0, size);
        continue;
      }
      const prefix = cString(block, 345, 155);
      const rawName = pax.path ?? longName ??
        (prefix ? `${prefix}/${cString(block, 0, 100)}` : cString(block, 0, 100));
      const path = flag === "g" ? "" : cleanPath(rawName);
      const type = entryType(flag);
      let content: Uint8Array | undefined;
      if (type === "file" && size <= 1 << 20 && keep(path)) {
        content = (await reader.read(padded))?.subarray(0, size);
        if (!content) throw new Error("Truncated tar archive");
      } else if (!(await reader.skip(padded))) {
        throw new Error("Truncated tar archive");
      }
      if (flag === "g") continue;
      const linkname = pax.linkpath ?? longLink ?? cString(block, 157, 100);
      yield {
        path,
        type,
        mode: numeric(block, 100, 8) & 0o7777,
        uid: pax.uid !== undefined ? Number(pax.uid) : numeric(block, 108, 8),
        gid: pax.gid !== undefined ? Number(pax.gid) : numeric(block, 116, 8),
        size: type === "file" ? size : 0,
        linkname: type === "symlink"
          ? linkname
          : type === "hardlink"
          ? cleanPath(linkname)
          : undefined,
        offset: 0,
        ...(content ? { content } : {}),
      };
      pax = {};
      longName = undefined;
      longLink = undefined;
    }
  } finally {
    await reader.cancel();
  }
}

function entryType(flag: string): TarIndexEntry["type"] {
  if (flag === "0" || flag === "7") return "file";
  if (flag === "5") return "dir";
  if (flag === "2") return "symlink";
  if (flag === "1") return "hardlink";
  return "other";
}

/** Exact-size reads and skips over a byte stream. */
class BlockReader {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  #buf: Uint8Array = new Uint8Array(0);

  constructor(source: ReadableStream<Uint8Array>) {
    this.#reader = source.getReader();
  }

  /** The next `n` bytes, or undefined when the stream ends first. */
  async read(n: number): Promise<Uint8Array | undefined> {
    while (this.#buf.length < n) {
      const { done, value } = await this.#reader.read();
      if (done) return undefined;
      const joined = new Uint8Array(this.#buf.length + value.length);
      joined.set(this.#buf);
      joined.set(value, this.#buf.length);
      this.#buf = joined;
    }
    const out = this.#buf.slice(0, n);
    this.#buf = this.#buf.subarray(n);
    return out;
  }

  /** Drops the next `n` bytes; false when the stream ends first. */
  async skip(n: number): Promise<boolean> {
    while (n > 0) {
      if (this.#buf.length === 0) {
        const { done, value } = await this.#reader.read();
        if (done) return false;
        this.#buf = value;
      }
      const take = Math.min(n, this.#buf.length);
      this.#buf = this.#buf.subarray(take);
      n -= take;
    }
    return true;
  }

  async cancel(): Promise<void> {
    await this.#reader.cancel().catch(() => {});
  }
}

/** Reads `size` bytes at `offset` of `path` in chunks. */
export async function* readRange(
  path: string,
  offset: number,
  size: number,
): AsyncGenerator<Uint8Array> {
  const file = await Deno.open(path);
  try {
    await file.seek(offset, Deno.SeekMode.Start);
    let left = size;
    while (left > 0) {
      const buf = new Uint8Array(Math.min(left, 256 * 1024));
      const n = await file.read(buf);
      if (n === null) throw new Error(`Truncated archive ${path}`);
      left -= n;
      yield n === buf.length ? buf : buf.subarray(0, n);
    }
  } finally {
    file.close();
  }
}

/** What kind of archive a file is, from its first bytes; undefined when it is none. */
export async function sniffArchive(
  path: string,
): Promise<"tar" | "gzip" | "bzip2" | "xz" | "zstd" | undefined> {
  const file = await Deno.open(path);
  try {
    const head = new Uint8Array(BLOCK);
    const n = (await file.read(head)) ?? 0;
    if (n >= 2 && head[0] === 0x1f && head[1] === 0x8b) return "gzip";
    if (n >= 3 && head[0] === 0x42 && head[1] === 0x5a && head[2] === 0x68) return "bzip2";
    if (n >= 6 && head[0] === 0xfd && head[1] === 0x37 && head[2] === 0x7a) return "xz";
    if (n >= 4 && head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f) return "zstd";
    if (n === BLOCK && decoder.decode(head.subarray(257, 262)) === "ustar") return "tar";
    return undefined;
  } finally {
    file.close();
  }
}

/** Normalises an archive path; throws when it climbs above the root. */
export function cleanPath(name: string): string {
  const p = posix.normalize(name.replace(/^\/+/, "") || ".");
  if (p === ".." || p.startsWith("../")) {
    throw new Error(`Archive entry "${name}" points outside the destination`);
  }
  return p === "." ? "" : p.replace(/\/+$/, "");
}

async function readFull(file: Deno.FsFile, buf: Uint8Array): Promise<boolean> {
  let off = 0;
  while (off < buf.length) {
    const n = await file.read(buf.subarray(off));
    if (n === null) return false;
    off += n;
  }
  return true;
}

function cString(b: Uint8Array, off: number, len: number): string {
  const slice = b.subarray(off, off + len);
  const end = slice.indexOf(0);
  return decoder.decode(end === -1 ? slice : slice.subarray(0, end));
}

function numeric(b: Uint8Array, off: number, len: number): number {
  if (b[off] & 0x80) {
    let n = b[off] & 0x7f;
    for (let i = 1; i < len; i++) n = n * 256 + b[off + i];
    return n;
  }
  const s = cString(b, off, len).trim();
  return s ? parseInt(s, 8) : 0;
}

function parsePax(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  let pos = 0;
  const bytes = new TextEncoder().encode(text);
  while (pos < bytes.length) {
    const space = bytes.indexOf(0x20, pos);
    if (space === -1) break;
    const length = Number(decoder.decode(bytes.subarray(pos, space)));
    if (!length) break;
    const record = decoder.decode(bytes.subarray(space + 1, pos + length - 1));
    const eq = record.indexOf("=");
    if (eq !== -1) out[record.slice(0, eq)] = record.slice(eq + 1);
    pos += length;
  }
  return out;
}
