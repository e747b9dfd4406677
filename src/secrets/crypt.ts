/**
 * SHA-512 crypt (`$6$`), the password hash format of glibc's crypt(3) and of `openssl passwd -6`,
 * implemented from Ulrich Drepper's specification so iago can hash generated passwords without
 * any native tool.
 */
import { getRandomValues } from "node:crypto";
import { Sha512 } from "./sha512.ts";

const ITOA64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const DEFAULT_ROUNDS = 5000;
const MIN_ROUNDS = 1000;
const MAX_ROUNDS = 999_999_999;
const MAX_SALT = 16;

// The order in which the 64 digest bytes are spread over the 86 output characters.
const PERMUTATION: [number, number, number][] = [
  [0, 21, 42],
  [22, 43, 1],
  [44, 2, 23],
  [3, 24, 45],
  [25, 46, 4],
  [47, 5, 26],
  [6, 27, 48],
  [28, 49, 7],
  [50, 8, 29],
  [9, 30, 51],
  [31, 52, 10],
  [53, 11, 32],
  [12, 33, 54],
  [34, 55, 13],
  [56, 14, 35],
  [15, 36, 57],
  [37, 58, 16],
  [59, 17, 38],
  [18, 39, 60],
  [40, 61, 19],
  [62, 20, 41],
];

/**
 * Returns the `$6$` hash of `password`. `salt` may start with `rounds=N$` (clamped to
 * 1000..999999999, and then kept in the output, as glibc does); only its first 16 characters up
 * to a `$` count. Without a salt, 16 random characters are used.
 */
export function sha512Crypt(password: string, salt?: string): string {
  let rest = salt ?? randomSalt();
  let rounds = DEFAULT_ROUNDS;
  let customRounds = false;
  const m = /^rounds=(\d+)\$/.exec(rest);
  if (m) {
    rounds = Math.min(MAX_ROUNDS, Math.max(MIN_ROUNDS, Number(m[1])));
    customRounds = true;
    rest = rest.slice(m[0].length);
  }
  const saltText = rest.split("$")[0].slice(0, MAX_SALT);
  const p = new TextEncoder().encode(password);
  const s = new TextEncoder().encode(saltText);

  const h = new Sha512();
  const b = h.update(p).update(s).update(p).digest();

  h.reset().update(p).update(s);
  for (let n = p.length; n > 0; n -= 64) h.update(b, Math.min(64, n));
  for (let n = p.length; n > 0; n >>= 1) h.update(n & 1 ? b : p);
  const aDigest = h.digest();

  h.reset();
  for (let i = 0; i < p.length; i++) h.update(p);
  const pSeq = stretch(h.digest(), p.length);

  h.reset();
  for (let i = 0; i < 16 + aDigest[0]; i++) h.update(s);
  const sSeq = stretch(h.digest(), s.length);

  // The rounds reuse one hash and one digest buffer: 5000 allocations per password were most of
  // the time, and the garbage made `ignite --all` grow to hundreds of MiB.
  const c = aDigest;
  for (let i = 0; i < rounds; i++) {
    h.reset();
    h.update(i & 1 ? pSeq : c);
    if (i % 3 !== 0) h.update(sSeq);
    if (i % 7 !== 0) h.update(pSeq);
    h.update(i & 1 ? c : pSeq);
    h.digest(c);
  }

  let out = "";
  for (const [x, y, z] of PERMUTATION) out += encode24(c[x], c[y], c[z], 4);
  out += encode24(0, 0, c[63], 2);
  return `$6$${customRounds ? `rounds=${rounds}$` : ""}${saltText}$${out}`;
}

/** True when `hash` looks like a crypt(3) hash that Fedora accepts (`$6$`, `$5$`, `$y$`, ...). */
export function isCryptHash(hash: string): boolean {
  return /^\$(1|5|6|y|gy|2[abxy]?)\$[^\s:]+$/.test(hash);
}

/** `digest` repeated to `length` bytes. */
function stretch(digest: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = digest[i % 64];
  return out;
}

function encode24(b2: number, b1: number, b0: number, n: number): string {
  let w = (b2 << 16) | (b1 << 8) | b0;
  let out = "";
  for (let i = 0; i < n; i++) {
    out += ITOA64[w & 0x3f];
    w >>= 6;
  }
  return out;
}

function randomSalt(): string {
  const bytes = getRandomValues(new Uint8Array(MAX_SALT));
  return Array.from(bytes, (b) => ITOA64[b & 0x3f]).join("");
}
