/**
 * Reads tar archives without loading them: the headers (ustar, PAX, GNU long names and GNU
 * sparse files), then contents read by offset. Used for `ADD archive.tar` and for reading files
 * out of image layers (`COPY --from`, the base's file tree).
 *
 * Archives come from users and registries, so every header is checked the way Go's
 * archive/tar (buildah, BuildKit) checks it before anything is believed: the checksum, numeric
 * fields (octal or base-256, never negative), PAX records and their numbers, the size of
 * metadata entries (1 MiB at most) and sparse maps. A file entry whose content would run past
 * the end of the archive is an error at its header, not at the moment the content is read.
 */
import { IagoError } from "../errors.ts";
import {
  BLOCK,
  cString,
  Header,
  parsePax,
  type Pending,
  TarFormatError,
  type TarIndexEntry,
} from "./tar_header.ts";

export { cleanPath, TarFormatError, type TarIndexEntry } from "./tar_header.ts";

/** Go's archive/tar limit for PAX records and GNU long names. */
const MAX_META = 1 << 20;
const decoder = new TextDecoder("utf-8");
const HEADER_ONLY = new Set<TarIndexEntry["type"]>([
  "dir",
  "symlink",
  "hardlink",
  "char",
  "block",
  "fifo",
]);

/** Lists the entries of the uncompressed tar at `path`. Throws `TarFormatError` on a bad archive. */
export async function indexTar(path: string): Promise<TarIndexEntry[]> {
  const file = await Deno.open(path);
  try {
    const source = new FileBlocks(file, (await file.stat()).size);
    const entries: TarIndexEntry[] = [];
    for await (const e of readEntries(source, () => false)) entries.push(e);
    return entries;
  } finally {
    file.close();
  }
}

/**
 * The headers of the uncompressed tar `source`, read as it streams (contents are skipped, never
 * held, except those of files `keep` asks for, up to 1 MiB), for knowing what a base image's
 * layers hold without unpacking them. Offsets count from the start of the stream.
 */
export async function* scanTar(
  source: ReadableStream<Uint8Array>,
  keep: (path: string) => boolean = () => false,
): AsyncGenerator<TarIndexEntry & { content?: Uint8Array }> {
  const reader = new StreamBlocks(source);
  try {
    yield* readEntries(reader, keep);
  } finally {
    await reader.cancel();
  }
}

/** The error for a layer of an image whose archive is malformed (`TarFormatError`). */
export function layerError(layer: { digest: string }, err: TarFormatError): IagoError {
  return new IagoError(`Cannot read layer ${layer.digest} of the image: ${err.message}`, {
    hint:
      "the layer is damaged or was not written by a container tool; rebuild or re-push the image",
    cause: err,
  });
}

/** Where headers are read from: exact-size reads and skips, with the position reached. */
interface BlockSource {
  readonly position: number;
  /** The next `n` bytes, or undefined when the archive ends first. */
  read(n: number): Promise<Uint8Array | undefined>;
  /** Drops the next `n` bytes; false when the archive ends first. */
  skip(n: number): Promise<boolean>;
}

async function* readEntries(
  source: BlockSource,
  keep: (path: string) => boolean,
): AsyncGenerator<TarIndexEntry & { content?: Uint8Array }> {
  let pending: Pending = { pax: {} };
  for (;;) {
    const at = source.position;
    const block = await source.read(BLOCK);
    if (!block || block.every((b) => b === 0)) return;
    const h = new Header(block, at, pending);
    h.checkChecksum();
    const flag = h.typeflag;
    const meta = "xLKg".includes(flag);
    // A PAX size record is about the entry it describes, never about another PAX header.
    const size = meta ? h.numeric(124, 12, "size") : h.size();
    const padded = Math.ceil(size / BLOCK) * BLOCK;
    const contentAt = source.position;
    if (flag === "x" || flag === "L" || flag === "K") {
      if (size > MAX_META) {
        throw h.error(
          `its ${
            flag === "x" ? "PAX header" : "long name"
          } of ${size} bytes is over the 1 MiB limit`,
        );
      }
      const body = await source.read(padded);
      if (!body) throw h.truncated(size);
      const text = body.subarray(0, size);
      if (flag === "x") pending.pax = { ...pending.pax, ...parsePax(text, h) };
      else if (flag === "L") pending.longName = cString(text, 0, size);
      else pending.longLink = cString(text, 0, size);
      continue;
    }
    if (flag === "g") {
      if (!(await source.skip(padded))) throw h.truncated(size);
      continue;
    }
    const entry = h.entry(contentAt);
    pending = { pax: {} };
    let content: Uint8Array | undefined;
    // Links, directories, devices and FIFOs have no data whatever their size field says (Go).
    let dataSize = HEADER_ONLY.has(entry.type) ? 0 : size;
    if (entry.sparse) {
      // PAX 1.0 keeps the map at the start of the data; the old GNU format in extra headers.
      const map = h.isPaxSparse10
        ? await readSparseMap10(source, h)
        : await readOldSparseMap(source, h);
      const mapBytes = source.position - contentAt;
      dataSize = size - (h.isPaxSparse10 ? mapBytes : 0);
      entry.offset = source.position;
      entry.sparse = checkSparseMap(map, entry.size, dataSize, h);
    }
    const rest = Math.ceil(dataSize / BLOCK) * BLOCK;
    if (entry.type === "file" && !entry.sparse && size <= 1 << 20 && keep(entry.path)) {
      content = (await source.read(rest))?.subarray(0, size);
      if (!content) throw h.truncated(size);
    } else if (!(await source.skip(rest))) {
      throw h.truncated(size);
    }
    yield content ? { ...entry, content } : entry;
  }
}

/** The old GNU format's map: four slots in the header, 21 in each extension block. */
async function readOldSparseMap(source: BlockSource, h: Header): Promise<[number, number][]> {
  if (h.typeflag !== "S") return parseSparse01(h.paxSparseMap ?? "", h);
  const map: [number, number][] = [];
  const take = (ext: Header, base: number, slots: number) => {
    for (let i = 0; i < slots; i++) {
      const off = base + i * 24;
      if (ext.block[off] === 0) break;
      map.push([
        ext.numeric(off, 12, "sparse offset"),
        ext.numeric(off + 12, 12, "sparse length"),
      ]);
    }
  };
  take(h, 386, 4);
  let extended = h.block[482] !== 0;
  while (extended) {
    const at = source.position;
    const block = await source.read(BLOCK);
    if (!block) throw h.truncated(0);
    const ext = new Header(block, at, { pax: { path: h.name } });
    take(ext, 0, 21);
    extended = block[504] !== 0;
  }
  return map;
}

/** GNU sparse 0.1: `GNU.sparse.map=offset,length,offset,length...`. */
function parseSparse01(text: string, h: Header): [number, number][] {
  const numbers = text === "" ? [] : text.split(",").map((n) => h.decimal(n, "sparse map entry"));
  if (numbers.length % 2 !== 0) throw h.error("its sparse map has an odd number of values");
  const map: [number, number][] = [];
  for (let i = 0; i < numbers.length; i += 2) map.push([numbers[i], numbers[i + 1]]);
  return map;
}

/** GNU sparse 1.0: a count, then offset and length pairs, one per line, padded to a block. */
async function readSparseMap10(source: BlockSource, h: Header): Promise<[number, number][]> {
  let text = "";
  const numbers: number[] = [];
  let wanted = 1;
  while (numbers.length < wanted) {
    const block = await source.read(BLOCK);
    if (!block) throw h.truncated(0);
    text += decoder.decode(block);
    const lines = text.split("\n");
    text = lines.pop()!;
    for (const line of lines) {
      if (numbers.length === wanted) break;
      numbers.push(h.decimal(line, "sparse map entry"));
      if (numbers.length === 1) wanted = 1 + 2 * numbers[0];
    }
    if (text.length > MAX_META) throw h.error("its sparse map is not a list of numbers");
  }
  const map: [number, number][] = [];
  for (let i = 1; i < numbers.length; i += 2) map.push([numbers[i], numbers[i + 1]]);
  return map;
}

/** A sparse map must hold ordered, non-overlapping segments inside the file, and all the data. */
function checkSparseMap(
  map: [number, number][],
  realSize: number,
  dataSize: number,
  h: Header,
): [number, number][] {
  let end = 0;
  let total = 0;
  for (const [offset, length] of map) {
    if (offset < end || offset + length > realSize) {
      throw h.error("its sparse map has overlapping segments or segments past the file's end");
    }
    end = offset + length;
    total += length;
  }
  if (total !== dataSize) {
    throw h.error(`its sparse map covers ${total} bytes, but ${dataSize} are stored`);
  }
  return map;
}

/** A seekable archive file: reads and skips checked against its length. */
class FileBlocks implements BlockSource {
  position = 0;

  constructor(readonly file: Deno.FsFile, readonly length: number) {}

  async read(n: number): Promise<Uint8Array | undefined> {
    if (this.position + n > this.length) return undefined;
    const buf = new Uint8Array(n);
    await this.file.seek(this.position, Deno.SeekMode.Start);
    let off = 0;
    while (off < n) {
      const got = await this.file.read(buf.subarray(off));
      if (got === null) return undefined;
      off += got;
    }
    this.position += n;
    return buf;
  }

  skip(n: number): Promise<boolean> {
    if (this.position + n > this.length) return Promise.resolve(false);
    this.position += n;
    return Promise.resolve(true);
  }
}

/** A byte stream read in exact sizes. */
class StreamBlocks implements BlockSource {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  #buf: Uint8Array = new Uint8Array(0);
  position = 0;

  constructor(source: ReadableStream<Uint8Array>) {
    this.#reader = source.getReader();
  }

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
    this.position += n;
    return out;
  }

  async skip(n: number): Promise<boolean> {
    while (n > 0) {
      if (this.#buf.length === 0) {
        const { done, value } = await this.#reader.read();
        if (done) return false;
        this.#buf = value;
      }
      const take = Math.min(n, this.#buf.length);
      this.#buf = this.#buf.subarray(take);
      this.position += take;
      n -= take;
    }
    return true;
  }

  async cancel(): Promise<void> {
    await this.#reader.cancel().catch(() => {});
  }
}

/** The content of a file entry of the archive at `path`; a sparse file's holes as zeros. */
export async function* readContent(
  path: string,
  entry: TarIndexEntry,
): AsyncGenerator<Uint8Array> {
  if (!entry.sparse) {
    yield* readRange(path, entry.offset, entry.size);
    return;
  }
  let logical = 0;
  let stored = entry.offset;
  for (const [offset, length] of entry.sparse) {
    yield* zeros(offset - logical);
    yield* readRange(path, stored, length);
    stored += length;
    logical = offset + length;
  }
  yield* zeros(entry.size - logical);
}

function* zeros(n: number): Generator<Uint8Array> {
  for (let left = n; left > 0; left -= 256 * 1024) yield new Uint8Array(Math.min(left, 256 * 1024));
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

/**
 * What kind of archive a file is, from its first bytes; undefined when it is none (a file
 * whose first block is no tar header with a valid checksum).
 */
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
    if (n < BLOCK || head.every((b) => b === 0)) return undefined;
    // Any header with a valid checksum, as Go's reader takes it: GNU tar starts a volume
    // label's archive (-V) with a header without the "ustar" magic.
    try {
      new Header(head, 0, { pax: {} }).checkChecksum();
      return "tar";
    } catch {
      return undefined;
    }
  } finally {
    file.close();
  }
}
