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

// The RFC 2396 "unreserved" set that vincent-petithory/dataurl leaves alone.
const KEEP = new Uint8Array(256);
for (const ch of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.!~*'()") {
  KEEP[ch.charCodeAt(0)] = 1;
}
const HEX = "0123456789ABCDEF";

/** Percent-encodes every byte outside the unreserved set, per byte (binary-safe). */
export function escapeDataUrl(bytes: Uint8Array): string {
  let out = "";
  let run = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (KEEP[b]) continue;
    if (i > run) out += latin1(bytes, run, i);
    out += "%" + HEX[b >> 4] + HEX[b & 15];
    run = i + 1;
  }
  if (run < bytes.length) out += latin1(bytes, run, bytes.length);
  return out;
}

function latin1(bytes: Uint8Array, from: number, to: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + from, to - from).toString("latin1");
}

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
  if (allowCompression && bytes.length > 0 && 8 + 4 * Math.ceil(20 / 3) + 4 < best.length) {
    const gz = gzipGo(bytes);
    const gzLen = 8 + 4 * Math.ceil(gz.length / 3);
    if (gzLen + 4 < best.length) {
      return { source: "data:;base64," + Buffer.from(gz).toString("base64"), compressed: true };
    }
  }
  return { source: "data:" + best, compressed: false };
}
