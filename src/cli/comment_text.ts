/**
 * Bytes as text a JavaScript block comment can hold, for the modules packed into the release
 * bundle (src/cli/packed.ts): each 6 bytes as 7 characters of an alphabet of 121 ASCII ones
 * (6.86 bits a character, base64's 6), so the packed modules take an eighth less of the file
 * that Deno reads, hashes and copies at every start. ASCII only: one byte a character in the
 * file and in V8's string. Left out of the alphabet: `*`, so no `*` + `/` ends the comment,
 * and NUL, BEL, BS, CR, ESC and DEL, which make tools take the file for binary, rewrite line
 * ends or drive a terminal that shows it.
 */

const LEFT_OUT = [0x00, 0x07, 0x08, 0x0d, 0x1b, 0x2a, 0x7f];
const ALPHABET = Array.from({ length: 128 }, (_, c) => c).filter((c) => !LEFT_OUT.includes(c));
const BASE = ALPHABET.length;
/** Bytes a group of {@link GROUP_CHARS} characters holds (121^7 >= 2^48). */
const GROUP_BYTES = 6;
const GROUP_CHARS = GROUP_BYTES + 1;

/**
 * `bytes` as comment text: each 6 bytes, read as a big-endian number, written as 7 digits of
 * base 121, most significant first; the last k < 6 bytes as k + 1 digits.
 */
export function toCommentText(bytes: Uint8Array): string {
  const out: string[] = [];
  for (let i = 0; i < bytes.length; i += GROUP_BYTES) {
    const group = bytes.subarray(i, i + GROUP_BYTES);
    let n = 0;
    for (const byte of group) n = n * 256 + byte;
    const digits = new Array<string>(group.length + 1);
    for (let d = group.length; d >= 0; d--) {
      digits[d] = String.fromCharCode(ALPHABET[n % BASE]);
      n = Math.floor(n / BASE);
    }
    out.push(digits.join(""));
  }
  return out.join("");
}

/** The bytes {@link toCommentText} wrote as `text`; throws on text it cannot have written. */
export function fromCommentText(text: string): Uint8Array<ArrayBuffer> {
  const digit = new Int16Array(128).fill(-1);
  ALPHABET.forEach((c, i) => digit[c] = i);
  const tail = text.length % GROUP_CHARS;
  if (tail === 1) throw new Error("Cannot unpack the packed module: its text is cut short");
  const out = new Uint8Array(
    Math.floor(text.length / GROUP_CHARS) * GROUP_BYTES + (tail && tail - 1),
  );
  let at = 0;
  for (let i = 0; i < text.length; i += GROUP_CHARS) {
    const end = Math.min(i + GROUP_CHARS, text.length);
    let n = 0;
    for (let j = i; j < end; j++) {
      const c = text.charCodeAt(j);
      const d = c < 128 ? digit[c] : -1;
      if (d < 0) throw new Error(`Cannot unpack the packed module: character ${c} at ${j}`);
      n = n * BASE + d;
    }
    const bytes = end - i - 1;
    if (n >= 2 ** (8 * bytes)) throw new Error(`Cannot unpack the packed module: group at ${i}`);
    for (let b = bytes - 1; b >= 0; b--) {
      out[at + b] = n % 256;
      n = Math.floor(n / 256);
    }
    at += bytes;
  }
  return out;
}
