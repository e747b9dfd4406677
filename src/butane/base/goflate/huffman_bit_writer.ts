// Ported from Go's compress/flate/huffman_bit_writer.go (Go 1.19 to 1.25 carry the same code):
// the block writer of the lazy-matching levels (`writeBlock`); the Huffman-only and BestSpeed
// writers are left out. Go buffers 48 bits at a time; the bytes written are the same.
// Copyright 2009 The Go Authors. All rights reserved. Use of this source code is governed by
// a BSD-style license (https://go.dev/LICENSE).

import { fixedLiteralEncoding, fixedOffsetEncoding, HuffmanEncoder } from "./huffman_code.ts";
import {
  fillCodeTables,
  LENGTH_BASE,
  lengthCode,
  MATCH_TYPE,
  offsetCode,
  tokenLength,
  tokenOffset,
} from "./token.ts";

const MAX_NUM_LIT = 286;
const OFFSET_CODE_COUNT = 30;
const END_BLOCK_MARKER = 256;
const LENGTH_CODES_START = 257;
const CODEGEN_CODE_COUNT = 19;
const BAD_CODE = 255;
const MAX_STORE_BLOCK_SIZE = 65535;

const LENGTH_EXTRA_BITS = [
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  1,
  1,
  1,
  1,
  2,
  2,
  2,
  2,
  3,
  3,
  3,
  3,
  4,
  4,
  4,
  4,
  5,
  5,
  5,
  5,
  0,
];
const OFFSET_EXTRA_BITS = [
  0,
  0,
  0,
  0,
  1,
  1,
  2,
  2,
  3,
  3,
  4,
  4,
  5,
  5,
  6,
  6,
  7,
  7,
  8,
  8,
  9,
  9,
  10,
  10,
  11,
  11,
  12,
  12,
  13,
  13,
];
const OFFSET_BASE = [
  0x0000,
  0x0001,
  0x0002,
  0x0003,
  0x0004,
  0x0006,
  0x0008,
  0x000c,
  0x0010,
  0x0018,
  0x0020,
  0x0030,
  0x0040,
  0x0060,
  0x0080,
  0x00c0,
  0x0100,
  0x0180,
  0x0200,
  0x0300,
  0x0400,
  0x0600,
  0x0800,
  0x0c00,
  0x1000,
  0x1800,
  0x2000,
  0x3000,
  0x4000,
  0x6000,
];
const CODEGEN_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

// Go's fixed Huffman codes, made by the first writer: most translations never compress.
let fixedLiterals: HuffmanEncoder | undefined;
let fixedOffsets: HuffmanEncoder | undefined;

/** Writes deflate blocks LSB first into a growing byte buffer. */
export class HuffmanBitWriter {
  #out = new Uint8Array(1024);
  #n = 0;
  #bits = 0;
  #nbits = 0;
  #codegenFreq = new Int32Array(CODEGEN_CODE_COUNT);
  #literalFreq = new Int32Array(MAX_NUM_LIT);
  #offsetFreq = new Int32Array(OFFSET_CODE_COUNT);
  #codegen = new Uint8Array(MAX_NUM_LIT + OFFSET_CODE_COUNT + 1);
  #literalEncoding = new HuffmanEncoder(MAX_NUM_LIT);
  #offsetEncoding = new HuffmanEncoder(OFFSET_CODE_COUNT);
  #codegenEncoding = new HuffmanEncoder(CODEGEN_CODE_COUNT);
  #fixedLiterals: HuffmanEncoder;
  #fixedOffsets: HuffmanEncoder;

  constructor() {
    fillCodeTables();
    this.#fixedLiterals = fixedLiterals ??= fixedLiteralEncoding();
    this.#fixedOffsets = fixedOffsets ??= fixedOffsetEncoding();
  }

  /** Starts a new stream. */
  reset(): void {
    this.#n = this.#bits = this.#nbits = 0;
  }

  /** The bytes written so far (a copy). */
  bytes(): Uint8Array {
    return this.#out.slice(0, this.#n);
  }

  #reserve(extra: number): void {
    if (this.#n + extra <= this.#out.length) return;
    const grown = new Uint8Array(Math.max(this.#out.length * 2, this.#n + extra));
    grown.set(this.#out.subarray(0, this.#n));
    this.#out = grown;
  }

  /** Writes the pending bits, padded with zeros to a whole byte. */
  flush(): void {
    if (this.#nbits > 0) {
      this.#reserve(1);
      this.#out[this.#n++] = this.#bits & 0xff;
    }
    this.#bits = 0;
    this.#nbits = 0;
  }

  #writeBits(b: number, nb: number): void {
    this.#bits |= b << this.#nbits;
    this.#nbits += nb;
    if (this.#nbits >= 8) {
      this.#reserve(3);
      do {
        this.#out[this.#n++] = this.#bits & 0xff;
        this.#bits >>>= 8;
        this.#nbits -= 8;
      } while (this.#nbits >= 8);
    }
  }

  #writeBytes(bytes: Uint8Array): void {
    this.#reserve(bytes.length);
    this.#out.set(bytes, this.#n);
    this.#n += bytes.length;
  }

  writeStoredHeader(length: number, isEof: boolean): void {
    this.#writeBits(isEof ? 1 : 0, 3);
    this.flush();
    this.#writeBits(length, 16);
    this.#writeBits(~length & 0xffff, 16);
  }

  /**
   * Writes `tokens[0..count)` as one block in the smallest of fixed Huffman, dynamic Huffman
   * or (when `input`, the bytes they encode, is given) stored form. `tokens` must have room for
   * one more entry, the end-of-block marker.
   */
  writeBlock(tokens: Uint32Array, count: number, eof: boolean, input: Uint8Array | null): void {
    tokens[count++] = END_BLOCK_MARKER;
    const [numLiterals, numOffsets] = this.#indexTokens(tokens, count);
    let extraBits = 0;
    const storable = input !== null && input.length <= MAX_STORE_BLOCK_SIZE;
    const storedSize = storable ? (input.length + 5) * 8 : 0;
    if (storable) {
      // Extra bits cost the same in fixed and dynamic form: only counted to compare with stored.
      for (let code = LENGTH_CODES_START + 8; code < numLiterals; code++) {
        extraBits += this.#literalFreq[code] * LENGTH_EXTRA_BITS[code - LENGTH_CODES_START];
      }
      for (let code = 4; code < numOffsets; code++) {
        extraBits += this.#offsetFreq[code] * OFFSET_EXTRA_BITS[code];
      }
    }
    let literalEncoding = this.#fixedLiterals;
    let offsetEncoding = this.#fixedOffsets;
    let size = 3 + this.#fixedLiterals.bitLength(this.#literalFreq) +
      this.#fixedOffsets.bitLength(this.#offsetFreq) + extraBits;

    this.#generateCodegen(numLiterals, numOffsets);
    this.#codegenEncoding.generate(this.#codegenFreq, 7);
    const [dynamicSize, numCodegens] = this.#dynamicSize(extraBits);
    if (dynamicSize < size) {
      size = dynamicSize;
      literalEncoding = this.#literalEncoding;
      offsetEncoding = this.#offsetEncoding;
    }
    if (storable && storedSize < size) {
      this.writeStoredHeader(input.length, eof);
      this.#writeBytes(input);
      return;
    }
    if (literalEncoding === this.#fixedLiterals) this.#writeBits(eof ? 3 : 2, 3);
    else this.#writeDynamicHeader(numLiterals, numOffsets, numCodegens, eof);
    this.#writeTokens(tokens, count, literalEncoding, offsetEncoding);
  }

  #indexTokens(tokens: Uint32Array, count: number): [number, number] {
    const literalFreq = this.#literalFreq;
    const offsetFreq = this.#offsetFreq;
    literalFreq.fill(0);
    offsetFreq.fill(0);
    for (let i = 0; i < count; i++) {
      const t = tokens[i];
      if (t < MATCH_TYPE) {
        literalFreq[t]++;
        continue;
      }
      literalFreq[LENGTH_CODES_START + lengthCode(tokenLength(t))]++;
      offsetFreq[offsetCode(tokenOffset(t))]++;
    }
    let numLiterals = literalFreq.length;
    while (literalFreq[numLiterals - 1] === 0) numLiterals--;
    let numOffsets = offsetFreq.length;
    while (numOffsets > 0 && offsetFreq[numOffsets - 1] === 0) numOffsets--;
    if (numOffsets === 0) {
      // No match: one offset code still has to be there for a dynamic tree to be valid.
      offsetFreq[0] = 1;
      numOffsets = 1;
    }
    this.#literalEncoding.generate(literalFreq, 15);
    this.#offsetEncoding.generate(offsetFreq, 15);
    return [numLiterals, numOffsets];
  }

  // RFC 1951 3.2.7: the run-length encoding of the literal and offset code lengths.
  #generateCodegen(numLiterals: number, numOffsets: number): void {
    const freq = this.#codegenFreq;
    freq.fill(0);
    const codegen = this.#codegen;
    for (let i = 0; i < numLiterals; i++) codegen[i] = this.#literalEncoding.len[i];
    for (let i = 0; i < numOffsets; i++) codegen[numLiterals + i] = this.#offsetEncoding.len[i];
    codegen[numLiterals + numOffsets] = BAD_CODE;
    let size = codegen[0];
    let count = 1;
    let outIndex = 0;
    for (let inIndex = 1; size !== BAD_CODE; inIndex++) {
      const nextSize = codegen[inIndex];
      if (nextSize === size) {
        count++;
        continue;
      }
      if (size !== 0) {
        codegen[outIndex++] = size;
        freq[size]++;
        count--;
        while (count >= 3) {
          const n = Math.min(6, count);
          codegen[outIndex++] = 16;
          codegen[outIndex++] = n - 3;
          freq[16]++;
          count -= n;
        }
      } else {
        while (count >= 11) {
          const n = Math.min(138, count);
          codegen[outIndex++] = 18;
          codegen[outIndex++] = n - 11;
          freq[18]++;
          count -= n;
        }
        if (count >= 3) {
          codegen[outIndex++] = 17;
          codegen[outIndex++] = count - 3;
          freq[17]++;
          count = 0;
        }
      }
      count--;
      for (; count >= 0; count--) {
        codegen[outIndex++] = size;
        freq[size]++;
      }
      size = nextSize;
      count = 1;
    }
    codegen[outIndex] = BAD_CODE;
  }

  #dynamicSize(extraBits: number): [number, number] {
    const freq = this.#codegenFreq;
    let numCodegens = freq.length;
    while (numCodegens > 4 && freq[CODEGEN_ORDER[numCodegens - 1]] === 0) numCodegens--;
    const header = 3 + 5 + 5 + 4 + 3 * numCodegens + this.#codegenEncoding.bitLength(freq) +
      freq[16] * 2 + freq[17] * 3 + freq[18] * 7;
    const size = header + this.#literalEncoding.bitLength(this.#literalFreq) +
      this.#offsetEncoding.bitLength(this.#offsetFreq) + extraBits;
    return [size, numCodegens];
  }

  #writeDynamicHeader(numLiterals: number, numOffsets: number, numCodegens: number, eof: boolean) {
    this.#writeBits(eof ? 5 : 4, 3);
    this.#writeBits(numLiterals - 257, 5);
    this.#writeBits(numOffsets - 1, 5);
    this.#writeBits(numCodegens - 4, 4);
    const enc = this.#codegenEncoding;
    for (let i = 0; i < numCodegens; i++) this.#writeBits(enc.len[CODEGEN_ORDER[i]], 3);
    const codegen = this.#codegen;
    for (let i = 0;;) {
      const codeWord = codegen[i++];
      if (codeWord === BAD_CODE) break;
      this.#writeBits(enc.code[codeWord], enc.len[codeWord]);
      if (codeWord === 16) this.#writeBits(codegen[i++], 2);
      else if (codeWord === 17) this.#writeBits(codegen[i++], 3);
      else if (codeWord === 18) this.#writeBits(codegen[i++], 7);
    }
  }

  #writeTokens(tokens: Uint32Array, count: number, le: HuffmanEncoder, oe: HuffmanEncoder) {
    for (let i = 0; i < count; i++) {
      const t = tokens[i];
      if (t < MATCH_TYPE) {
        this.#writeBits(le.code[t], le.len[t]);
        continue;
      }
      const length = tokenLength(t);
      const lc = lengthCode(length);
      this.#writeBits(le.code[lc + LENGTH_CODES_START], le.len[lc + LENGTH_CODES_START]);
      const extraLengthBits = LENGTH_EXTRA_BITS[lc];
      if (extraLengthBits > 0) this.#writeBits(length - LENGTH_BASE[lc], extraLengthBits);
      const offset = tokenOffset(t);
      const oc = offsetCode(offset);
      this.#writeBits(oe.code[oc], oe.len[oc]);
      const extraOffsetBits = OFFSET_EXTRA_BITS[oc];
      if (extraOffsetBits > 0) this.#writeBits(offset - OFFSET_BASE[oc], extraOffsetBits);
    }
  }
}
