// Ported from Go's compress/flate/huffman_code.go (Go 1.19 to 1.25 carry the same code).
// Copyright 2009 The Go Authors. All rights reserved. Use of this source code is governed by
// a BSD-style license (https://go.dev/LICENSE).

const MAX_BITS_LIMIT = 16;
const MAX_INT32 = 0x7fffffff;

/** A canonical Huffman code built as Go builds it: same lengths, same ties, same codes. */
export class HuffmanEncoder {
  /** Bit-reversed code of each symbol, ready to write LSB first. */
  readonly code: Uint16Array;
  /** Code length of each symbol in bits (0: symbol unused). */
  readonly len: Uint8Array;
  #literals: Uint16Array;
  #freqs: Int32Array;
  #order: number[] = [];

  constructor(size: number) {
    this.code = new Uint16Array(size);
    this.len = new Uint8Array(size);
    this.#literals = new Uint16Array(size + 1);
    this.#freqs = new Int32Array(size + 1);
  }

  /** Total bits to write `freq` with this code. */
  bitLength(freq: Int32Array | number[]): number {
    let total = 0;
    for (let i = 0; i < freq.length; i++) if (freq[i] !== 0) total += freq[i] * this.len[i];
    return total;
  }

  /** Makes this the length-limited minimum code for `freq` (Go's `generate`). */
  generate(freq: Int32Array | number[], maxBits: number): void {
    const order = this.#order;
    order.length = 0;
    for (let i = 0; i < freq.length; i++) {
      if (freq[i] !== 0) order.push(i);
      else this.len[i] = 0;
    }
    const count = order.length;
    if (count <= 2) {
      // Two or fewer symbols: each gets one bit, in symbol order.
      for (let i = 0; i < count; i++) {
        this.code[order[i]] = i;
        this.len[order[i]] = 1;
      }
      return;
    }
    // Go sorts by (freq, literal): a total order, so any sort gives its order.
    order.sort((a, b) => freq[a] - freq[b] || a - b);
    const literals = this.#literals;
    const freqs = this.#freqs;
    for (let i = 0; i < count; i++) {
      literals[i] = order[i];
      freqs[i] = freq[order[i]];
    }
    const bitCount = bitCounts(freqs, count, maxBits);
    this.#assign(bitCount, literals, count);
  }

  // RFC 1951 3.2.2: the `bits` most frequent symbols left get the next codes of that length,
  // assigned in symbol order.
  #assign(bitCount: Int32Array, literals: Uint16Array, count: number): void {
    let code = 0;
    let end = count;
    for (let n = 0; n < bitCount.length; n++) {
      code <<= 1;
      const bits = bitCount[n];
      if (n === 0 || bits === 0) continue;
      const chunk = literals.subarray(end - bits, end).sort();
      for (const symbol of chunk) {
        this.code[symbol] = reverseBits(code, n);
        this.len[symbol] = n;
        code++;
      }
      end -= bits;
    }
  }
}

/**
 * How many symbols get each code length (index = bits), for `n >= 3` symbols whose frequencies
 * `freqs[0..n)` are in increasing order: Go's package-merge variant, step for step.
 */
function bitCounts(freqs: Int32Array, n: number, maxBits: number): Int32Array {
  freqs[n] = MAX_INT32;
  if (maxBits > n - 1) maxBits = n - 1;
  const { lastFreq, nextCharFreq, nextPairFreq, needed, leafCounts } = scratch;
  lastFreq.fill(0);
  nextCharFreq.fill(0);
  nextPairFreq.fill(0);
  needed.fill(0);
  // leafCounts[level*16 + j]: literals left of the level-j ancestor of the rightmost node at
  // level.
  leafCounts.fill(0);
  const L = MAX_BITS_LIMIT;
  for (let level = 1; level <= maxBits; level++) {
    lastFreq[level] = freqs[1];
    nextCharFreq[level] = freqs[2];
    nextPairFreq[level] = level === 1 ? MAX_INT32 : freqs[0] + freqs[1];
    leafCounts[level * L + level] = 2;
  }
  needed[maxBits] = 2 * n - 4;
  let level = maxBits;
  for (;;) {
    if (nextPairFreq[level] === MAX_INT32 && nextCharFreq[level] === MAX_INT32) {
      // Out of both leaves and pairs: this level is done for good.
      needed[level] = 0;
      nextPairFreq[level + 1] = MAX_INT32;
      level++;
      continue;
    }
    const prevFreq = lastFreq[level];
    if (nextCharFreq[level] < nextPairFreq[level]) {
      const count = leafCounts[level * L + level] + 1;
      lastFreq[level] = nextCharFreq[level];
      leafCounts[level * L + level] = count;
      nextCharFreq[level] = freqs[count];
    } else {
      lastFreq[level] = nextPairFreq[level];
      leafCounts.copyWithin(level * L, (level - 1) * L, (level - 1) * L + level);
      needed[level - 1] = 2;
    }
    if (--needed[level] === 0) {
      if (level === maxBits) break;
      // Go sums in int32 and cannot overflow: frequencies are bounded by the block's tokens.
      nextPairFreq[level + 1] = prevFreq + lastFreq[level];
      level++;
    } else {
      while (needed[level - 1] > 0) level--;
    }
  }
  if (leafCounts[maxBits * L + maxBits] !== n) {
    throw new Error("flate: leafCounts[maxBits][maxBits] != n");
  }
  const bitCount = new Int32Array(maxBits + 1);
  let bits = 1;
  for (let l = maxBits; l > 0; l--) {
    bitCount[bits++] = leafCounts[maxBits * L + l] - leafCounts[maxBits * L + l - 1];
  }
  return bitCount;
}

// Go keeps these on the stack; here they are allocated once.
const scratch = {
  lastFreq: new Int32Array(MAX_BITS_LIMIT + 1),
  nextCharFreq: new Int32Array(MAX_BITS_LIMIT + 1),
  nextPairFreq: new Int32Array(MAX_BITS_LIMIT + 1),
  needed: new Int32Array(MAX_BITS_LIMIT + 1),
  leafCounts: new Int32Array(MAX_BITS_LIMIT * MAX_BITS_LIMIT),
};

/** The low `length` bits of `number`, reversed (Go's `bits.Reverse16(number << (16 - length))`). */
export function reverseBits(number: number, length: number): number {
  let v = number << (16 - length);
  v = ((v >> 1) & 0x5555) | ((v & 0x5555) << 1);
  v = ((v >> 2) & 0x3333) | ((v & 0x3333) << 2);
  v = ((v >> 4) & 0x0f0f) | ((v & 0x0f0f) << 4);
  return ((v >> 8) & 0x00ff) | ((v & 0x00ff) << 8);
}

/** The fixed literal/length code of RFC 1951 3.2.6. */
export function fixedLiteralEncoding(): HuffmanEncoder {
  const h = new HuffmanEncoder(286);
  for (let ch = 0; ch < 286; ch++) {
    let bits: number, size: number;
    if (ch < 144) [bits, size] = [ch + 48, 8];
    else if (ch < 256) [bits, size] = [ch + 400 - 144, 9];
    else if (ch < 280) [bits, size] = [ch - 256, 7];
    else [bits, size] = [ch + 192 - 280, 8];
    h.code[ch] = reverseBits(bits, size);
    h.len[ch] = size;
  }
  return h;
}

/** The fixed distance code: 5 bits each. */
export function fixedOffsetEncoding(): HuffmanEncoder {
  const h = new HuffmanEncoder(30);
  for (let ch = 0; ch < 30; ch++) {
    h.code[ch] = reverseBits(ch, 5);
    h.len[ch] = 5;
  }
  return h;
}
