/**
 * A streaming, byte-reproducible tar writer (POSIX ustar, PAX records only when needed).
 *
 * What makes two runs give the same bytes: entries are written in the order given (the layer
 * builder sorts them), every header has the same mtime, no user or group names, device
 * numbers only for device entries, only permission bits in the mode, directories end in `/`,
 * and the archive ends with exactly two zero blocks (no padding to GNU tar's 10240-byte
 * records).
 */

/** One entry of a layer. Paths are relative (`etc/hosts`), without `./` or a trailing `/`. */
export interface TarEntry {
  path: string;
  /** `char`, `block` and `fifo` come from archives (`ADD`) and images (`COPY --from`). */
  type: "file" | "dir" | "symlink" | "char" | "block" | "fifo";
  /** Permission bits (incl. setuid/setgid/sticky); file-type bits are ignored. */
  mode: number;
  uid: number;
  gid: number;
  /** Files: the exact number of bytes `content` yields. */
  size?: number;
  /** Symlinks: the target, as stored. */
  linkname?: string;
  /** Character and block devices: the device numbers. */
  devmajor?: number;
  devminor?: number;
  /** Files: the content, read when the entry is written (never held whole by the writer). */
  content?: () => AsyncIterable<Uint8Array>;
}

export interface TarOptions {
  /** Seconds since the epoch for every entry; `SOURCE_DATE_EPOCH` or 0. */
  mtime?: number;
}

const BLOCK = 512;
const MAX_OCTAL_11 = 0o77777777777;
const MAX_OCTAL_7 = 0o7777777;
const encoder = new TextEncoder();

/** Yields the archive's bytes entry by entry; file contents stream through in their chunks. */
export async function* tarChunks(
  entries: Iterable<TarEntry> | AsyncIterable<TarEntry>,
  options: TarOptions = {},
): AsyncGenerator<Uint8Array> {
  const mtime = options.mtime ?? 0;
  for await (const entry of entries) {
    const name = entry.type === "dir" ? `${entry.path}/` : entry.path;
    const size = entry.type === "file" ? entry.size ?? 0 : 0;
    const linkname = entry.linkname ?? "";
    const pax: [string, string][] = [];
    const split = splitName(name);
    if (!split) pax.push(["path", name]);
    if (encoder.encode(linkname).length > 100 || !isAscii(linkname)) {
      pax.push(["linkpath", linkname]);
    }
    if (size > MAX_OCTAL_11) pax.push(["size", String(size)]);
    if (entry.uid > MAX_OCTAL_7) pax.push(["uid", String(entry.uid)]);
    if (entry.gid > MAX_OCTAL_7) pax.push(["gid", String(entry.gid)]);
    if (pax.length > 0) {
      const body = paxBody(pax);
      yield header({
        name: `PaxHeaders/${lastSegment(name)}`.slice(0, 100),
        prefix: "",
        typeflag: "x",
        mode: 0o644,
        uid: 0,
        gid: 0,
        size: body.length,
        mtime,
        linkname: "",
      });
      yield padded(body);
    }
    yield header({
      name: split ? split.name : truncateBytes(name, 100),
      prefix: split ? split.prefix : "",
      typeflag: TYPEFLAGS[entry.type],
      mode: entry.mode & 0o7777,
      uid: Math.min(entry.uid, MAX_OCTAL_7),
      gid: Math.min(entry.gid, MAX_OCTAL_7),
      size: Math.min(size, MAX_OCTAL_11),
      mtime,
      linkname: truncateBytes(linkname, 100),
      devmajor: entry.devmajor ?? 0,
      devminor: entry.devminor ?? 0,
    });
    if (entry.type !== "file") continue;
    let written = 0;
    if (size > 0) {
      if (!entry.content) throw new Error(`Cannot write "${entry.path}": no content given`);
      for await (const chunk of entry.content()) {
        written += chunk.length;
        if (written > size) break;
        yield chunk;
      }
    }
    if (written !== size) {
      throw new Error(
        `Cannot write "${entry.path}": it changed while the layer was built (expected ${size} bytes)`,
      );
    }
    const rest = size % BLOCK;
    if (rest !== 0) yield new Uint8Array(BLOCK - rest);
  }
  yield new Uint8Array(BLOCK * 2);
}

interface Header {
  name: string;
  prefix: string;
  typeflag: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  linkname: string;
  devmajor?: number;
  devminor?: number;
}

const TYPEFLAGS: Record<TarEntry["type"], string> = {
  file: "0",
  dir: "5",
  symlink: "2",
  char: "3",
  block: "4",
  fifo: "6",
};

function header(h: Header): Uint8Array {
  const b = new Uint8Array(BLOCK);
  putString(b, 0, 100, h.name);
  putOctal(b, 100, 8, h.mode);
  putOctal(b, 108, 8, h.uid);
  putOctal(b, 116, 8, h.gid);
  putOctal(b, 124, 12, h.size);
  putOctal(b, 136, 12, h.mtime);
  b.fill(0x20, 148, 156);
  b[156] = h.typeflag.charCodeAt(0);
  putString(b, 157, 100, h.linkname);
  putString(b, 257, 6, "ustar\0");
  putString(b, 263, 2, "00");
  putOctal(b, 329, 8, h.devmajor ?? 0);
  putOctal(b, 337, 8, h.devminor ?? 0);
  putString(b, 345, 155, h.prefix);
  let sum = 0;
  for (const byte of b) sum += byte;
  putString(b, 148, 8, sum.toString(8).padStart(6, "0") + "\0 ");
  return b;
}

function putString(b: Uint8Array, off: number, len: number, s: string): void {
  b.set(encoder.encode(s).subarray(0, len), off);
}

function putOctal(b: Uint8Array, off: number, len: number, n: number): void {
  putString(b, off, len, n.toString(8).padStart(len - 1, "0") + "\0");
}

/** ustar's name/prefix split, or undefined when the name needs a PAX `path` record. */
function splitName(name: string): { name: string; prefix: string } | undefined {
  if (!isAscii(name)) return undefined;
  if (name.length <= 100) return { name, prefix: "" };
  // The slash a directory name ends with belongs to `name`, so search before it.
  for (let i = name.length - 2; i > 0; i--) {
    if (name[i] !== "/") continue;
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (prefix.length <= 155 && rest.length <= 100 && rest.length > 0) {
      return { name: rest, prefix };
    }
    if (prefix.length <= 155) break;
  }
  return undefined;
}

function paxBody(records: [string, string][]): Uint8Array {
  let text = "";
  for (const [key, value] of records) {
    const payload = ` ${key}=${value}\n`;
    const payloadLength = encoder.encode(payload).length;
    let length = payloadLength + String(payloadLength).length;
    if (String(length).length !== String(payloadLength).length) {
      length = payloadLength + String(length).length;
    }
    text += `${length}${payload}`;
  }
  return encoder.encode(text);
}

function padded(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(bytes.length / BLOCK) * BLOCK);
  out.set(bytes);
  return out;
}

function isAscii(s: string): boolean {
  // deno-lint-ignore no-control-regex
  return /^[\x01-\x7f]*$/.test(s);
}

function lastSegment(name: string): string {
  const trimmed = name.endsWith("/") ? name.slice(0, -1) : name;
  return trimmed.slice(trimmed.lastIndexOf("/") + 1);
}

function truncateBytes(s: string, len: number): string {
  const bytes = encoder.encode(s);
  return bytes.length <= len ? s : new TextDecoder().decode(bytes.subarray(0, len));
}
