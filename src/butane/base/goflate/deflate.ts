// Ported from Go's compress/flate/deflate.go (Go 1.19 to 1.25 carry the same code): the
// lazy-matching compressor of levels 4-9, which all use `skipNever`; BestSpeed, Huffman-only
// and stored levels are left out. Same window, hash, chains and block cuts: the same bytes.
// Copyright 2009 The Go Authors. All rights reserved. Use of this source code is governed by
// a BSD-style license (https://go.dev/LICENSE).

import { HuffmanBitWriter } from "./huffman_bit_writer.ts";
import { matchToken } from "./token.ts";

const WINDOW_SIZE = 1 << 15;
const WINDOW_MASK = WINDOW_SIZE - 1;
const BASE_MATCH_LENGTH = 3;
const MIN_MATCH_LENGTH = 4;
const MAX_MATCH_LENGTH = 258;
const BASE_MATCH_OFFSET = 1;
const MAX_FLATE_BLOCK_TOKENS = 1 << 14;
const HASH_BITS = 17;
const HASH_SIZE = 1 << HASH_BITS;
const HASH_MASK = HASH_SIZE - 1;
const MAX_HASH_OFFSET = 1 << 24;
const HASH_MUL = 0x1e35a7bd;

/** Go's `levels` table for 4-9: good, lazy, nice, chain. */
const LEVELS: Record<number, [number, number, number, number]> = {
  4: [4, 4, 16, 16],
  5: [8, 16, 32, 32],
  6: [8, 16, 128, 128],
  7: [8, 32, 128, 256],
  8: [32, 128, 258, 1024],
  9: [32, 258, 258, 4096],
};

/**
 * Compresses `input` in one `Write` and `Close`, as Go's `flate.NewWriter(w, level)` does, and
 * returns the raw deflate stream (ending, as Go's always does, with an empty final stored
 * block). Throws for a level other than 4-9.
 */
export function deflateGo(input: Uint8Array, level = 9): Uint8Array {
  const params = LEVELS[level];
  if (!params) throw new RangeError(`Cannot deflate at level ${level}: only 4-9 are ported`);
  // One compressor is reused: its 640 KB of hash tables cost more to allocate and zero than a
  // small file takes to compress, so reset() clears only what the last stream touched.
  const d = shared ??= new Compressor();
  d.reset(params);
  d.write(input);
  d.close();
  return d.w.bytes();
}

let shared: Compressor | undefined;

class Compressor {
  readonly w = new HuffmanBitWriter();
  good = 0;
  lazy = 0;
  nice = 0;
  chain = 0;
  sync = false;
  chainHead = -1;
  readonly hashHead = new Int32Array(HASH_SIZE);
  readonly hashPrev = new Int32Array(WINDOW_SIZE);
  hashOffset = 1;
  index = 0;
  readonly window = new Uint8Array(2 * WINDOW_SIZE);
  windowEnd = 0;
  blockStart = 0;
  /** True when window[index-1] still has to be written as a literal. */
  byteAvailable = false;
  readonly tokens = new Uint32Array(MAX_FLATE_BLOCK_TOKENS + 1);
  ntokens = 0;
  length = MIN_MATCH_LENGTH - 1;
  offset = 0;
  maxInsertIndex = 0;
  /** hashHead slots set since the last reset; hashPrev entries below `prevUsed` likewise. */
  readonly usedSlots: number[] = [];
  prevUsed = 0;

  /** The state of a new Go compressor at these level parameters. */
  reset([good, lazy, nice, chain]: [number, number, number, number]): void {
    [this.good, this.lazy, this.nice, this.chain] = [good, lazy, nice, chain];
    this.w.reset();
    for (const slot of this.usedSlots) this.hashHead[slot] = 0;
    this.usedSlots.length = 0;
    this.hashPrev.fill(0, 0, this.prevUsed);
    this.prevUsed = 0;
    this.sync = false;
    this.chainHead = -1;
    this.hashOffset = 1;
    this.index =
      this.windowEnd =
      this.blockStart =
      this.ntokens =
      this.offset =
        0;
    this.maxInsertIndex = 0;
    this.byteAvailable = false;
    this.length = MIN_MATCH_LENGTH - 1;
  }

  write(b: Uint8Array): void {
    while (b.length > 0) {
      this.deflate();
      b = b.subarray(this.fill(b));
    }
  }

  close(): void {
    this.sync = true;
    this.deflate();
    this.w.writeStoredHeader(0, true);
    this.w.flush();
  }

  fill(b: Uint8Array): number {
    if (this.index >= 2 * WINDOW_SIZE - (MIN_MATCH_LENGTH + MAX_MATCH_LENGTH)) {
      this.window.copyWithin(0, WINDOW_SIZE, 2 * WINDOW_SIZE);
      this.index -= WINDOW_SIZE;
      this.windowEnd -= WINDOW_SIZE;
      this.blockStart = this.blockStart >= WINDOW_SIZE ? this.blockStart - WINDOW_SIZE : 0x7fffffff;
      this.hashOffset += WINDOW_SIZE;
      if (this.hashOffset > MAX_HASH_OFFSET) {
        const delta = this.hashOffset - 1;
        this.hashOffset -= delta;
        this.chainHead -= delta;
        for (const table of [this.hashPrev, this.hashHead]) {
          for (let i = 0; i < table.length; i++) table[i] = table[i] > delta ? table[i] - delta : 0;
        }
      }
    }
    const n = Math.min(b.length, this.window.length - this.windowEnd);
    this.window.set(b.subarray(0, n), this.windowEnd);
    this.windowEnd += n;
    this.prevUsed = Math.min(WINDOW_SIZE, Math.max(this.prevUsed, this.windowEnd));
    return n;
  }

  writeBlock(index: number): void {
    if (index > 0) {
      const input = this.blockStart <= index ? this.window.subarray(this.blockStart, index) : null;
      this.blockStart = index;
      this.w.writeBlock(this.tokens, this.ntokens, false, input);
    }
    this.ntokens = 0;
  }

  hash4(i: number): number {
    const w = this.window;
    return Math.imul((w[i] << 24) | (w[i + 1] << 16) | (w[i + 2] << 8) | w[i + 3], HASH_MUL) >>>
      (32 - HASH_BITS);
  }

  /** Inserts position `index` into the hash chains; returns the previous head. */
  insert(index: number): number {
    const slot = this.hash4(index) & HASH_MASK;
    const head = this.hashHead[slot];
    if (head === 0) this.usedSlots.push(slot);
    this.hashPrev[index & WINDOW_MASK] = head;
    this.hashHead[slot] = index + this.hashOffset;
    return head;
  }

  deflate(): void {
    if (this.windowEnd - this.index < MIN_MATCH_LENGTH + MAX_MATCH_LENGTH && !this.sync) return;
    this.maxInsertIndex = this.windowEnd - (MIN_MATCH_LENGTH - 1);
    const window = this.window;
    const tokens = this.tokens;
    for (;;) {
      const lookahead = this.windowEnd - this.index;
      if (lookahead < MIN_MATCH_LENGTH + MAX_MATCH_LENGTH) {
        if (!this.sync) break;
        if (lookahead === 0) {
          if (this.byteAvailable) {
            tokens[this.ntokens++] = window[this.index - 1];
            this.byteAvailable = false;
          }
          if (this.ntokens > 0) this.writeBlock(this.index);
          break;
        }
      }
      if (this.index < this.maxInsertIndex) this.chainHead = this.insert(this.index);
      const prevLength = this.length;
      const prevOffset = this.offset;
      this.length = MIN_MATCH_LENGTH - 1;
      this.offset = 0;
      const minIndex = Math.max(this.index - WINDOW_SIZE, 0);
      if (
        this.chainHead - this.hashOffset >= minIndex && lookahead > prevLength &&
        prevLength < this.lazy
      ) {
        this.findMatch(this.index, this.chainHead - this.hashOffset, lookahead);
      }
      if (prevLength >= MIN_MATCH_LENGTH && this.length <= prevLength) {
        // The previous match is at least as good as this one: write it.
        tokens[this.ntokens++] = matchToken(
          prevLength - BASE_MATCH_LENGTH,
          prevOffset - BASE_MATCH_OFFSET,
        );
        const newIndex = this.index + prevLength - 1;
        for (this.index++; this.index < newIndex; this.index++) {
          if (this.index < this.maxInsertIndex) this.insert(this.index);
        }
        this.byteAvailable = false;
        this.length = MIN_MATCH_LENGTH - 1;
        if (this.ntokens === MAX_FLATE_BLOCK_TOKENS) this.writeBlock(this.index);
      } else {
        if (this.byteAvailable) {
          tokens[this.ntokens++] = window[this.index - 1];
          if (this.ntokens === MAX_FLATE_BLOCK_TOKENS) this.writeBlock(this.index);
        }
        this.index++;
        this.byteAvailable = true;
      }
    }
  }

  /** Go's findMatch from `pos` along the chain at `prevHead`; sets length/offset when found. */
  findMatch(pos: number, prevHead: number, lookahead: number): void {
    const win = this.window;
    const minMatchLook = Math.min(MAX_MATCH_LENGTH, lookahead);
    const nice = Math.min(this.nice, minMatchLook);
    let length = MIN_MATCH_LENGTH - 1;
    let tries = this.chain;
    if (length >= this.good) tries >>= 2;
    let wEnd = win[pos + length];
    const minIndex = pos - WINDOW_SIZE;
    for (let i = prevHead; tries > 0; tries--) {
      if (wEnd === win[i + length]) {
        let n = 0;
        while (n < minMatchLook && win[i + n] === win[pos + n]) n++;
        if (n > length && (n > MIN_MATCH_LENGTH || pos - i <= 4096)) {
          length = n;
          this.length = n;
          this.offset = pos - i;
          if (n >= nice) break;
          wEnd = win[pos + n];
        }
      }
      if (i === minIndex) break;
      i = this.hashPrev[i & WINDOW_MASK] - this.hashOffset;
      if (i < minIndex || i < 0) break;
    }
  }
}
