// Ported from Go's compress/flate/token.go (Go 1.19 to 1.25 carry the same code).
// Copyright 2009 The Go Authors. All rights reserved. Use of this source code is governed by
// a BSD-style license (https://go.dev/LICENSE).

/**
 * A deflate token as Go packs it in a uint32: a literal byte (below MATCH_TYPE), or a match of
 * `length - 3` (bits 22-29) at `offset - 1` (bits 0-21).
 */
export const MATCH_TYPE = 1 << 30;
const LENGTH_SHIFT = 22;
const OFFSET_MASK = (1 << LENGTH_SHIFT) - 1;

export function matchToken(xlength: number, xoffset: number): number {
  return MATCH_TYPE + (xlength << LENGTH_SHIFT) + xoffset;
}

export function tokenLength(t: number): number {
  return (t - MATCH_TYPE) >>> LENGTH_SHIFT;
}

export function tokenOffset(t: number): number {
  return t & OFFSET_MASK;
}

/** The first `length - 3` of each length code (Go's `lengthBase`). */
// deno-fmt-ignore
export const LENGTH_BASE = [
  0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 20, 24, 28, 32, 40, 48, 56, 64, 80, 96, 112, 128,
  160, 192, 224, 255,
];

// Length code (0-28) of each `length - 3`, and offset code of each offset below 256 (`offset -
// 1`, extended by `offsetCode` as Go does): filled by the first HuffmanBitWriter
// ({@link fillCodeTables}), as most translations never compress.
const LENGTH_CODES = new Uint8Array(256);
const OFFSET_CODES = new Uint8Array(256);
let filled = false;

/** Fills the length and offset code tables, once. */
export function fillCodeTables(): void {
  if (filled) return;
  filled = true;
  for (let code = 0; code < LENGTH_BASE.length; code++) {
    const end = code + 1 < LENGTH_BASE.length ? LENGTH_BASE[code + 1] : 256;
    for (let len = LENGTH_BASE[code]; len < end; len++) LENGTH_CODES[len] = code;
  }
  for (let off = 0; off < 256; off++) {
    OFFSET_CODES[off] = off < 4
      ? off
      : 2 * (31 - Math.clz32(off)) + ((off >> (30 - Math.clz32(off))) & 1);
  }
}

export function lengthCode(len: number): number {
  return LENGTH_CODES[len];
}

export function offsetCode(off: number): number {
  if (off < 256) return OFFSET_CODES[off];
  if (off >> 7 < 256) return OFFSET_CODES[off >> 7] + 14;
  return OFFSET_CODES[off >> 14] + 28;
}
