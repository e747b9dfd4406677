/**
 * One tar header block decoded with every field checked the way Go's archive/tar (buildah,
 * BuildKit) checks it: the checksum, numeric fields (octal or base-256, never negative), PAX
 * records and their numbers. Errors name the entry and the byte offset of its header.
 */
import { posix } from "node:path";

export interface TarIndexEntry {
  /** Normalised: no leading `/` or `./`, no trailing `/`. */
  path: string;
  type: "file" | "dir" | "symlink" | "hardlink" | "char" | "block" | "fifo" | "other";
  mode: number;
  uid: number;
  gid: number;
  /** Files: the size of the content (of the expanded file, for a sparse one). */
  size: number;
  linkname?: string;
  /** Character and block devices: the device numbers. */
  devmajor?: number;
  devminor?: number;
  /** Byte offset of the content in the archive file (of the first data segment when sparse). */
  offset: number;
  /**
   * A GNU sparse file: its data segments as `[offset in the file, length]`, stored one after
   * the other from `offset`; the rest of the file is zeros.
   */
  sparse?: [number, number][];
  /** The header's typeflag, for messages about entries that are not kept (`other`). */
  typeflag: string;
  /** Names of the extended attributes and ACLs its PAX records carry (layers here keep none). */
  xattrs?: string[];
}

/** A malformed archive; the message names the entry and where its header is. */
export class TarFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TarFormatError";
  }
}

export const BLOCK = 512;
/** PAX records of extended attributes (GNU tar, bsdtar) and ACLs (star, GNU tar --acls). */
const XATTR_RECORD = /^(?:SCHILY\.xattr\.|LIBARCHIVE\.xattr\.|SCHILY\.(acl)\.)/;
const decoder = new TextDecoder("utf-8");

/** What PAX and GNU long-name entries say about the entry that follows them. */
export interface Pending {
  pax: Record<string, string>;
  longName?: string;
  longLink?: string;
}

/** One 512-byte header, decoded with every field checked. */
export class Header {
  readonly typeflag: string;
  readonly name: string;
  readonly #pending: Pending;

  constructor(readonly block: Uint8Array, readonly at: number, pending: Pending) {
    this.#pending = pending;
    this.typeflag = String.fromCharCode(block[156] || 0x30);
    // The prefix field is POSIX ustar's; GNU headers keep times and sparse data there.
    const posixMagic = cString(block, 257, 6) === "ustar" && block[262] === 0;
    const prefix = posixMagic ? cString(block, 345, 155) : "";
    const own = prefix ? `${prefix}/${cString(block, 0, 100)}` : cString(block, 0, 100);
    this.name = pending.pax["GNU.sparse.name"] ?? pending.pax.path ?? pending.longName ?? own;
  }

  get isPaxSparse10(): boolean {
    return this.#pending.pax["GNU.sparse.major"] === "1";
  }

  error(what: string): TarFormatError {
    return new TarFormatError(`entry "${this.name}" (header at byte ${this.at}): ${what}`);
  }

  truncated(size: number): TarFormatError {
    return this.error(
      `it claims ${size} bytes, past the end of the archive (truncated or damaged)`,
    );
  }

  checkChecksum(): void {
    const stored = this.numeric(148, 8, "checksum");
    let unsigned = 0;
    let signed = 0;
    for (let i = 0; i < BLOCK; i++) {
      const b = i >= 148 && i < 156 ? 0x20 : this.block[i];
      unsigned += b;
      signed += b > 127 ? b - 256 : b;
    }
    // Some old writers summed signed bytes; Go's reader accepts either, as does GNU tar.
    if (stored !== unsigned && stored !== signed) {
      throw this.error(`bad header checksum (stored ${stored}, computed ${unsigned})`);
    }
  }

  /** The size field, or the PAX `size` record. */
  size(): number {
    const pax = this.#pending.pax.size;
    return pax !== undefined ? this.decimal(pax, "PAX size") : this.numeric(124, 12, "size");
  }

  entry(offset: number): TarIndexEntry {
    const flag = this.typeflag;
    const pax = this.#pending.pax;
    const type = entryType(flag);
    const rawLink = pax.linkpath ?? this.#pending.longLink ?? cString(this.block, 157, 100);
    const entry: TarIndexEntry = {
      path: this.#clean(this.name),
      type,
      mode: this.numeric(100, 8, "mode") & 0o7777,
      uid: pax.uid !== undefined ? this.decimal(pax.uid, "PAX uid") : this.numeric(108, 8, "uid"),
      gid: pax.gid !== undefined ? this.decimal(pax.gid, "PAX gid") : this.numeric(116, 8, "gid"),
      size: 0,
      offset,
      typeflag: flag,
    };
    if (type === "symlink") entry.linkname = rawLink;
    if (type === "hardlink") entry.linkname = this.#clean(rawLink);
    const xattrs = Object.keys(pax).filter((k) => XATTR_RECORD.test(k))
      .map((k) => k.replace(XATTR_RECORD, (_, acl) => acl ? "ACL " : ""));
    if (xattrs.length > 0) entry.xattrs = xattrs;
    if (type === "char" || type === "block") {
      entry.devmajor = this.numeric(329, 8, "devmajor");
      entry.devminor = this.numeric(337, 8, "devminor");
    }
    if (type !== "file") return entry;
    entry.size = this.size();
    if (flag === "S") {
      entry.size = this.numeric(483, 12, "sparse real size");
      entry.sparse = [];
    } else if (pax["GNU.sparse.major"] !== undefined || pax["GNU.sparse.map"] !== undefined) {
      entry.size = this.decimal(
        pax["GNU.sparse.realsize"] ?? pax["GNU.sparse.size"] ?? "",
        "PAX sparse real size",
      );
      entry.sparse = [];
    } else if (pax["GNU.sparse.offset"] !== undefined) {
      throw this.error("it uses the GNU sparse format 0.0, which iago cannot read");
    }
    return entry;
  }

  /** The GNU sparse 0.1 map held in a PAX record, if that is where it is. */
  get paxSparseMap(): string | undefined {
    return this.#pending.pax["GNU.sparse.map"];
  }

  #clean(name: string): string {
    try {
      return cleanPath(name);
    } catch (err) {
      throw this.error((err as Error).message);
    }
  }

  /** An octal (or base-256) header field; throws naming the field when it is not a number. */
  numeric(off: number, len: number, field: string): number {
    const b = this.block;
    if (b[off] & 0x80) {
      // Base-256: the first byte's top bit marks it, a set second bit a negative number.
      if (b[off] & 0x40) throw this.error(`negative ${field} field`);
      let n = b[off] & 0x3f;
      for (let i = 1; i < len; i++) n = n * 256 + b[off + i];
      if (!Number.isSafeInteger(n)) throw this.error(`${field} field too large`);
      return n;
    }
    const text = cString(b, off, len).replace(/^[ \0]+|[ \0]+$/g, "");
    if (!/^[0-7]*$/.test(text)) {
      throw this.error(`invalid ${field} field "${printable(cString(b, off, len))}"`);
    }
    return text === "" ? 0 : parseInt(text, 8);
  }

  /** A decimal PAX value; throws naming the record when it is not a whole number. */
  decimal(text: string, what: string): number {
    const n = Number(text);
    if (!/^[0-9]+$/.test(text) || !Number.isSafeInteger(n)) {
      throw this.error(`invalid ${what} "${printable(text)}"`);
    }
    return n;
  }
}

function entryType(flag: string): TarIndexEntry["type"] {
  switch (flag) {
    case "0":
    case "7":
    case "S":
      return "file";
    case "5":
    case "D": // a GNU dump directory: its list of names is not needed
      return "dir";
    case "2":
      return "symlink";
    case "1":
      return "hardlink";
    case "3":
      return "char";
    case "4":
      return "block";
    case "6":
      return "fifo";
    default:
      return "other";
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

export function cString(b: Uint8Array, off: number, len: number): string {
  const slice = b.subarray(off, off + len);
  const end = slice.indexOf(0);
  return decoder.decode(end === -1 ? slice : slice.subarray(0, end));
}

/** A field's text with control characters shown as escapes, for messages. */
function printable(text: string): string {
  // deno-lint-ignore no-control-regex
  const control = /[\x00-\x1f\x7f]/g;
  return text.replace(control, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

/** PAX records: `LENGTH KEY=VALUE\n`, LENGTH counting the whole record. */
export function parsePax(bytes: Uint8Array, h: Header): Record<string, string> {
  const out: Record<string, string> = {};
  let pos = 0;
  while (pos < bytes.length) {
    if (bytes[pos] === 0) break; // padding some writers leave
    const space = bytes.indexOf(0x20, pos);
    const lengthText = space === -1 ? "" : decoder.decode(bytes.subarray(pos, space));
    const length = /^[1-9][0-9]*$/.test(lengthText) ? Number(lengthText) : 0;
    if (length === 0 || pos + length > bytes.length || bytes[pos + length - 1] !== 0x0a) {
      throw h.error("malformed PAX record");
    }
    const record = decoder.decode(bytes.subarray(space + 1, pos + length - 1));
    const eq = record.indexOf("=");
    if (eq <= 0) throw h.error("malformed PAX record");
    out[record.slice(0, eq)] = record.slice(eq + 1);
    pos += length;
  }
  return out;
}
