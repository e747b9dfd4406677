/**
 * Resource contents as butane embeds them (`base/util/url.go: MakeDataURL`): a percent-encoded
 * `data:,` URL, or base64 when shorter, or gzip+base64 when that is shorter still by more than
 * four bytes and the user did not choose a compression.
 */
import { gzipSync } from "node:zlib";
import { Buffer } from "node:buffer";

export interface DataUrl {
  source: string;
  /** "gzip" when this function compressed the bytes. */
  compressed: boolean;
}

// Each byte as it appears in the URL: itself when in the RFC 2396 "unreserved" set that
// vincent-petithory/dataurl leaves alone, else %XX with uppercase hex.
const ESCAPED: string[] = [];
for (let b = 0; b < 256; b++) {
  const ch = String.fromCharCode(b);
  ESCAPED.push(
    /[A-Za-z0-9\-_.!~*'()]/.test(ch) ? ch : "%" + b.toString(16).toUpperCase().padStart(2, "0"),
  );
}

/** Percent-encodes every byte outside the unreserved set, per byte (binary-safe). */
export function escapeDataUrl(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i++) out += ESCAPED[bytes[i]];
  return out;
}

/** The bytes Go's deflate spends on its closing empty stored block (`00 00 ff ff` + header). */
const GO_FLATE_TRAILER = 4;

/** Gzip as Go's compress/gzip writes it at BestCompression: no name, mtime 0, XFL 2, OS 255. */
export function gzipGo(bytes: Uint8Array): Uint8Array {
  const gz = gzipSync(bytes, { level: 9 });
  gz[4] =
    gz[5] =
    gz[6] =
    gz[7] =
      0;
  gz[8] = 2;
  gz[9] = 0xff;
  return gz;
}

/** The data URL for `bytes`; `allowCompression` is false when the user set a compression. */
export function makeDataUrl(bytes: Uint8Array, allowCompression: boolean): DataUrl {
  const opaque = "," + escapeDataUrl(bytes);
  // Base64 length is known without encoding: skip the work when it cannot win.
  const b64Len = 8 + 4 * Math.ceil(bytes.length / 3);
  let best = opaque;
  if (b64Len < opaque.length) best = ";base64," + Buffer.from(bytes).toString("base64");
  if (allowCompression && bytes.length > 0 && !gzipHopeless(bytes, best.length)) {
    const gz = gzipGo(bytes);
    // Go's compress/flate ends every stream with an empty final stored block, which zlib does
    // not write: butane's gzip is that many bytes (4) longer than ours, and its choice is made
    // on that length.
    const gzLen = 8 + 4 * Math.ceil((gz.length + GO_FLATE_TRAILER) / 3);
    if (gzLen + 4 < best.length) {
      return { source: "data:;base64," + Buffer.from(gz).toString("base64"), compressed: true };
    }
  }
  return { source: "data:" + best, compressed: false };
}

/**
 * True when gzip clearly cannot beat `bestLength`, so the (comparatively slow) compressor need
 * not run. gzip needs `8 + 4*ceil((18 + D)/3) + 4 < bestLength` for a deflate stream of D bytes;
 * D is estimated from the bytes that no 3-byte repeat can cover, at the order-0 entropy of the
 * input, and only estimates well above the limit count as hopeless. A miss can only change the
 * choice at the margin, where Go's deflate and zlib already disagree (see the notes, 4.2).
 */
export function gzipHopeless(bytes: Uint8Array, bestLength: number): boolean {
  const maxDeflate = 3 * Math.floor((bestLength - 13) / 4) - 18 - GO_FLATE_TRAILER;
  if (maxDeflate < 2) return true;
  const n = bytes.length;
  if (n > 4096) return false;
  const counts = new Uint16Array(256);
  for (let i = 0; i < n; i++) counts[bytes[i]]++;
  let entropy = 0;
  for (let b = 0; b < 256; b++) {
    const c = counts[b];
    if (c) entropy -= c * Math.log2(c / n);
  }
  const bitsPerByte = entropy / n;
  // Open-addressing set of the 3-byte sequences seen so far (key + 1; 0 = empty slot).
  let size = 16;
  while (size < 2 * n) size <<= 1;
  const table = new Int32Array(size);
  let repeats = 0;
  for (let i = 0; i + 2 < n; i++) {
    const key = ((bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2]) + 1;
    let slot = Math.imul(key, 0x9e3779b1) >>> 0 & (size - 1);
    for (;;) {
      const v = table[slot];
      if (v === 0) {
        table[slot] = key;
        break;
      }
      if (v === key) {
        repeats++;
        break;
      }
      slot = (slot + 1) & (size - 1);
    }
  }
  const literals = Math.max(0, n - 3 * repeats);
  const estimate = (literals * bitsPerByte) / 8;
  return estimate > maxDeflate * 1.25 + 4;
}
