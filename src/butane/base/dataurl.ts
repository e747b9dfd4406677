/**
 * Resource contents as butane embeds them (`base/util/url.go: MakeDataURL`): a percent-encoded
 * `data:,` URL, or base64 when shorter, or gzip+base64 (Go's exact bytes, `goflate/`) when that
 * is shorter still by more than four bytes and the user did not choose a compression.
 */
import { gzipGo } from "./goflate/gzip.ts";

export interface DataUrl {
  source: string;
  /** "gzip" when this function compressed the bytes. */
  compressed: boolean;
}

// The RFC 2396 "unreserved" bytes, which vincent-petithory/dataurl leaves alone; it writes every
// other byte as %XX with uppercase hex.
const UNRESERVED = new Uint8Array(256);
{
  const unreserved = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.!~*'()";
  for (let i = 0; i < unreserved.length; i++) UNRESERVED[unreserved.charCodeAt(i)] = 1;
}
const HEX = "0123456789ABCDEF";

/** The length of {@link escapeDataUrl}'s result for `bytes`. */
function escapedLength(bytes: Uint8Array): number {
  let n = bytes.length;
  for (let i = 0; i < bytes.length; i++) if (UNRESERVED[bytes[i]] === 0) n += 2;
  return n;
}

/** Percent-encodes every byte outside the unreserved set, per byte (binary-safe). */
export function escapeDataUrl(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    out += UNRESERVED[b] === 1 ? String.fromCharCode(b) : "%" + HEX[b >> 4] + HEX[b & 15];
  }
  return out;
}

/**
 * The shortest gzip data URL plus butane's four: a 10-byte header, an 8-byte trailer and Go's
 * deflate stream of at least 6 bytes (a one-byte block and the empty final stored block), in
 * base64. A percent/base64 URL this short or shorter never loses to gzip.
 */
const MIN_GZIP_URL = 8 + 4 * Math.ceil((10 + 8 + 6) / 3) + 4;

/**
 * Data URLs already made, by contents (bytes as Latin-1 text) and whether compression was
 * allowed: `ignite --all` embeds the same scripts in every machine, twice (see
 * ignite/pipeline.ts), and level-9 gzip of each is most of a translation's time and garbage.
 * Only contents of {@link MEMO_MIN} bytes or more, and {@link MEMO_BYTES} of them at most, the
 * least recently used going first.
 */
const memo = new Map<string, DataUrl>();
let memoBytes = 0;
const MEMO_MIN = 256;
const MEMO_BYTES = 256 << 10;
// Made with the first contents long enough to memoize.
let latin1: TextDecoder | undefined;

/** The data URL for `bytes`; `allowCompression` is false when the user set a compression. */
export function makeDataUrl(bytes: Uint8Array, allowCompression: boolean): DataUrl {
  if (bytes.length < MEMO_MIN || bytes.length > MEMO_BYTES) {
    return dataUrlOf(bytes, allowCompression);
  }
  latin1 ??= new TextDecoder("latin1");
  const key = (allowCompression ? "z" : "-") + latin1.decode(bytes);
  const known = memo.get(key);
  if (known) {
    memo.delete(key);
    memo.set(key, known);
    return { ...known };
  }
  const url = dataUrlOf(bytes, allowCompression);
  memo.set(key, url);
  memoBytes += key.length;
  for (const [old] of memo) {
    if (memoBytes <= MEMO_BYTES) break;
    memo.delete(old);
    memoBytes -= old.length;
  }
  return { ...url };
}

function dataUrlOf(bytes: Uint8Array, allowCompression: boolean): DataUrl {
  // Base64 length is known without encoding, and the percent-encoded one by counting: only
  // the shorter is made.
  const b64Len = 8 + 4 * Math.ceil(bytes.length / 3);
  let best: string;
  if (b64Len < escapedLength(bytes) + 1) best = ";base64," + bytes.toBase64();
  else best = "," + escapeDataUrl(bytes);
  if (allowCompression && best.length > MIN_GZIP_URL && !gzipCannotWin(bytes, best.length)) {
    const gz = gzipGo(bytes);
    // butane counts the `"compression":"gzip"` it adds as four more characters.
    if (8 + 4 * Math.ceil(gz.length / 3) + 4 < best.length) {
      return { source: "data:;base64," + gz.toBase64(), compressed: true };
    }
  }
  return { source: "data:" + best, compressed: false };
}

/**
 * True when Go's gzip of `bytes` is provably too long to beat `bestLength`, so the compressor
 * need not run. A lower bound, never an estimate, so the choice stays butane's: bytes that no
 * earlier 4-byte sequence within Go's 32 KiB window can cover must be literals, and any prefix
 * code spends at least their order-0 entropy on them (Gibbs' inequality). Only for inputs that
 * fit one block (Go cuts blocks at 16384 tokens, and separate codes can beat one entropy).
 */
export function gzipCannotWin(bytes: Uint8Array, bestLength: number): boolean {
  const n = bytes.length;
  if (n >= 16384) return false;
  let size = 16;
  while (size < 2 * n) size <<= 1;
  const keys = new Int32Array(size);
  const last = new Int32Array(size);
  const covered = new Uint8Array(n);
  for (let i = 0; i + 4 <= n; i++) {
    const key = (bytes[i] << 24) | (bytes[i + 1] << 16) | (bytes[i + 2] << 8) | bytes[i + 3];
    let slot = (Math.imul(key, 0x9e3779b1) >>> 0) & (size - 1);
    while (last[slot] !== 0 && keys[slot] !== key) slot = (slot + 1) & (size - 1);
    if (last[slot] !== 0) {
      covered[i] =
        covered[i + 1] =
        covered[i + 2] =
        covered[i + 3] =
          1;
    }
    keys[slot] = key;
    last[slot] = i + 1;
  }
  const counts = new Uint32Array(256);
  let literals = 0;
  for (let i = 0; i < n; i++) {
    if (!covered[i]) {
      counts[bytes[i]]++;
      literals++;
    }
  }
  let bits = 0;
  for (let b = 0; b < 256; b++) {
    const c = counts[b];
    if (c) bits += c * Math.log2(literals / c);
  }
  // The literals, then at least the final empty stored block's LEN and NLEN; the margin keeps
  // float rounding on the safe side.
  const minDeflate = Math.floor((bits * (1 - 1e-9)) / 8) + 4;
  return 8 + 4 * Math.ceil((10 + minDeflate + 8) / 3) + 4 >= bestLength;
}
