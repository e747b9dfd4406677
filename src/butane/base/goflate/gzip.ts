/**
 * Gzip exactly as Go's compress/gzip writes it for `gzip.NewWriterLevel(w, level)`, one Write,
 * Close, and no header fields set (ported from Go's compress/gzip/gzip.go, BSD licence,
 * Copyright 2010 The Go Authors): no name, mtime 0, XFL 2 at BestCompression, OS 255 (unknown).
 */
import { crc32 } from "./crc32.ts";
import { deflateGo } from "./deflate.ts";

/** The gzip member Go writes for `input` at `level` (4-9; butane uses 9). */
export function gzipGo(input: Uint8Array, level = 9): Uint8Array {
  const deflated = deflateGo(input, level);
  const out = new Uint8Array(10 + deflated.length + 8);
  out.set([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, level === 9 ? 2 : 0, 0xff]);
  out.set(deflated, 10);
  const trailer = new DataView(out.buffer, 10 + deflated.length);
  trailer.setUint32(0, crc32(input) >>> 0, true);
  trailer.setUint32(4, input.length >>> 0, true);
  return out;
}
