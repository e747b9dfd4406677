/**
 * NaCl's secretbox (XSalsa20-Poly1305, `crypto_secretbox_easy` of libsodium, Go's
 * `x/crypto/nacl/secretbox`), which cosign seals its private keys with (./keys.ts): all iago
 * needs of a NaCl library, whose whole (tweetnacl: signatures, boxes, hashes) every start of
 * the release bundle read as packed code. A box is the 16-byte Poly1305 tag, then the message
 * XORed with the XSalsa20 stream after its first 32 bytes (which are the Poly1305 key).
 * Keys are small and few: clarity over speed (Poly1305 in BigInt arithmetic).
 */

/** Bytes of a key. */
export const KEY_LENGTH = 32;
/** Bytes of a nonce. */
export const NONCE_LENGTH = 24;
const TAG_LENGTH = 16;

/** `message` sealed under `key` with `nonce` (never used twice with one key). */
export function seal(message: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array {
  const stream = xsalsa20(key, nonce, 32 + message.length);
  const box = new Uint8Array(TAG_LENGTH + message.length);
  for (let i = 0; i < message.length; i++) box[TAG_LENGTH + i] = message[i] ^ stream[32 + i];
  box.set(poly1305(box.subarray(TAG_LENGTH), stream.subarray(0, 32)));
  return box;
}

/** The message `box` seals under `key` with `nonce`, or `undefined` when it is not authentic. */
export function open(box: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array | undefined {
  if (box.length < TAG_LENGTH) return undefined;
  const sealed = box.subarray(TAG_LENGTH);
  const stream = xsalsa20(key, nonce, 32 + sealed.length);
  const tag = poly1305(sealed, stream.subarray(0, 32));
  let differ = 0;
  for (let i = 0; i < TAG_LENGTH; i++) differ |= tag[i] ^ box[i];
  if (differ !== 0) return undefined;
  return sealed.map((byte, i) => byte ^ stream[32 + i]);
}

/** "expand 32-byte k", the Salsa20 constant, as little-endian words. */
const SIGMA = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574];

/** The quarter-rounds of a Salsa20 double round: the columns, then the rows. */
const QUARTER_ROUNDS = [
  [0, 4, 8, 12],
  [5, 9, 13, 1],
  [10, 14, 2, 6],
  [15, 3, 7, 11],
  [0, 1, 2, 3],
  [5, 6, 7, 4],
  [10, 11, 8, 9],
  [15, 12, 13, 14],
];

/** Salsa20's 20 rounds over `state`, in place. */
function rounds(state: Uint32Array): void {
  const rotl = (v: number, n: number) => (v << n) | (v >>> (32 - n));
  for (let i = 0; i < 10; i++) {
    for (const [a, b, c, d] of QUARTER_ROUNDS) {
      state[b] ^= rotl(state[a] + state[d], 7);
      state[c] ^= rotl(state[b] + state[a], 9);
      state[d] ^= rotl(state[c] + state[b], 13);
      state[a] ^= rotl(state[d] + state[c], 18);
    }
  }
}

/**
 * Salsa20's input: the constant on the diagonal, the key's 8 words around it, and 4 words of
 * `input` (a nonce and a block counter, or HSalsa20's 16-byte nonce) in the middle.
 */
function salsaState(key: Uint8Array, input: Uint8Array): Uint32Array {
  if (key.length !== KEY_LENGTH) throw new RangeError(`A secretbox key has ${KEY_LENGTH} bytes`);
  const k = new DataView(key.buffer, key.byteOffset, 32);
  const n = new DataView(input.buffer, input.byteOffset, 16);
  const word = (view: DataView, i: number) => view.getUint32(4 * i, true);
  return Uint32Array.of(
    SIGMA[0],
    ...[0, 1, 2, 3].map((i) => word(k, i)),
    SIGMA[1],
    ...[0, 1, 2, 3].map((i) => word(n, i)),
    SIGMA[2],
    ...[4, 5, 6, 7].map((i) => word(k, i)),
    SIGMA[3],
  );
}

/** `length` bytes of the XSalsa20 stream of `key` and the 24-byte `nonce`. */
function xsalsa20(key: Uint8Array, nonce: Uint8Array, length: number): Uint8Array {
  if (nonce.length !== NONCE_LENGTH) {
    throw new RangeError(`A secretbox nonce has ${NONCE_LENGTH} bytes`);
  }
  // HSalsa20 of the nonce's first 16 bytes: the rounds without the final addition, the words
  // on the diagonal and in the middle as the key of Salsa20 over the nonce's last 8 bytes.
  const h = salsaState(key, nonce.subarray(0, 16));
  rounds(h);
  const subkey = new Uint8Array(32);
  const sub = new DataView(subkey.buffer);
  [0, 5, 10, 15, 6, 7, 8, 9].forEach((w, i) => sub.setUint32(4 * i, h[w], true));

  const input = new Uint8Array(16);
  input.set(nonce.subarray(16));
  const counter = new DataView(input.buffer);
  const out = new Uint8Array(length);
  const block = new Uint8Array(64);
  const blockView = new DataView(block.buffer);
  for (let at = 0, n = 0; at < length; at += 64, n++) {
    counter.setUint32(8, n, true);
    counter.setUint32(12, Math.floor(n / 2 ** 32), true);
    const state = salsaState(subkey, input);
    const x = state.slice();
    rounds(x);
    for (let i = 0; i < 16; i++) blockView.setUint32(4 * i, (x[i] + state[i]) >>> 0, true);
    if (at + 64 <= length) out.set(block, at);
    else out.set(block.subarray(0, length - at), at);
  }
  return out;
}

/** Poly1305's 16-byte tag of `message` under the one-time 32-byte `key`. */
function poly1305(message: Uint8Array, key: Uint8Array): Uint8Array {
  const le = (bytes: Uint8Array) => bytes.reduceRight((n, b) => (n << 8n) | BigInt(b), 0n);
  const p = (1n << 130n) - 5n;
  const r = le(key.subarray(0, 16)) & 0x0ffffffc0ffffffc0ffffffc0fffffffn;
  const s = le(key.subarray(16, 32));
  let acc = 0n;
  for (let at = 0; at < message.length; at += 16) {
    const chunk = message.subarray(at, at + 16);
    acc = ((acc + le(chunk) + (1n << BigInt(8 * chunk.length))) * r) % p;
  }
  let tag = (acc + s) & ((1n << 128n) - 1n);
  const out = new Uint8Array(TAG_LENGTH);
  for (let i = 0; i < TAG_LENGTH; i++, tag >>= 8n) out[i] = Number(tag & 0xffn);
  return out;
}
