/**
 * SHA-512 for SHA-512 crypt's 5000 short rounds. A call into `node:crypto` costs microseconds
 * of setup per hash, more than hashing the 100-200 bytes of a round; this one compresses in
 * WebAssembly (64-bit arithmetic, see sha512_wasm.ts) and reuses its buffers, so a hash
 * allocates nothing.
 */
import { BLOCK, sha512Module, STATE } from "./sha512_wasm.ts";

let compiled: WebAssembly.Module | undefined;

// The initial state as it lies in the module's memory (little-endian 64-bit words).
const IV = new Uint8Array(64);
[
  0x6a09e667f3bcc908n,
  0xbb67ae8584caa73bn,
  0x3c6ef372fe94f82bn,
  0xa54ff53a5f1d36f1n,
  0x510e527fade682d1n,
  0x9b05688c2b3e6c1fn,
  0x1f83d9abfb41bd6bn,
  0x5be0cd19137e2179n,
].forEach((word, i) => new DataView(IV.buffer).setBigUint64(i * 8, word, true));

/** An incremental SHA-512 whose buffers are allocated once and reused by `reset()`. */
export class Sha512 {
  #compress: (block: number) => void;
  #state: Uint8Array;
  #block: Uint8Array;
  #view: DataView;
  #filled = 0;
  #length = 0;

  constructor() {
    compiled ??= new WebAssembly.Module(sha512Module());
    const { exports } = new WebAssembly.Instance(compiled);
    const memory = (exports.memory as WebAssembly.Memory).buffer;
    this.#compress = exports.compress as (block: number) => void;
    this.#state = new Uint8Array(memory, STATE, 64);
    this.#block = new Uint8Array(memory, BLOCK, 128);
    this.#view = new DataView(memory, BLOCK, 128);
    this.reset();
  }

  /** Starts a new hash; returns this. */
  reset(): this {
    this.#state.set(IV);
    this.#filled = 0;
    this.#length = 0;
    return this;
  }

  /** Adds `data` (or its first `length` bytes); returns this. */
  update(data: Uint8Array, length = data.length): this {
    this.#length += length;
    let at = 0;
    while (at < length) {
      const take = Math.min(128 - this.#filled, length - at);
      this.#block.set(take === data.length ? data : data.subarray(at, at + take), this.#filled);
      this.#filled += take;
      at += take;
      if (this.#filled === 128) {
        this.#compress(BLOCK);
        this.#filled = 0;
      }
    }
    return this;
  }

  /** Writes the 64-byte digest into `out` (allocated when not given) and returns it. */
  digest(out: Uint8Array = new Uint8Array(64)): Uint8Array {
    const block = this.#block;
    const bits = this.#length * 8;
    block[this.#filled++] = 0x80;
    if (this.#filled > 112) {
      block.fill(0, this.#filled);
      this.#compress(BLOCK);
      this.#filled = 0;
    }
    block.fill(0, this.#filled, 120);
    this.#view.setUint32(120, Math.floor(bits / 0x100000000));
    this.#view.setUint32(124, bits >>> 0);
    this.#compress(BLOCK);
    // The state words are little-endian in memory; the digest is big-endian.
    const state = this.#state;
    for (let i = 0; i < 64; i++) out[i] = state[i ^ 7];
    return out;
  }
}
