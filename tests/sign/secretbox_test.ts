/**
 * src/sign/secretbox.ts against boxes libsodium 1.0.18 made (crypto_secretbox_easy, whose
 * output is NaCl's, tweetnacl's and Go's x/crypto/nacl/secretbox's) of messages on both sides
 * of the 64-byte Salsa20 block and the 16-byte Poly1305 chunk, the key bytes 0..31, nonce byte
 * i = 7i + 1, message byte i = 13i + 5 (each mod 256).
 */
import assert from "node:assert/strict";
import { open, seal } from "../../src/sign/secretbox.ts";

const key = Uint8Array.from({ length: 32 }, (_, i) => i);
const nonce = Uint8Array.from({ length: 24 }, (_, i) => (7 * i + 1) & 255);
const message = (length: number) => Uint8Array.from({ length }, (_, i) => (13 * i + 5) & 255);
const hex = (bytes: Uint8Array) => [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
const fromHex = (text: string) => Uint8Array.from(text.match(/../g) ?? [], (h) => parseInt(h, 16));

const LIBSODIUM: [number, string][] = [
  [0, "977a997a701ff9673e601e1f29da928a"],
  [1, "eff1f9e1c7d4338268a1fb6793df9847eb"],
  [
    63,
    "e839976ed69288d873955fa0aa848024eb22071aae25970c7553c5377515be32cee0de542b1c7860753146500788c30ce89c1bc44673b82abb0908db08d57570eb5477eba7d5d0b1c904f12aea6846",
  ],
  [
    64,
    "6b7de2dd8b8062eeabde6d2623756fc9eb22071aae25970c7553c5377515be32cee0de542b1c7860753146500788c30ce89c1bc44673b82abb0908db08d57570eb5477eba7d5d0b1c904f12aea6846ba",
  ],
  [
    65,
    "2df4b8769716785ff7266fadc2a0886feb22071aae25970c7553c5377515be32cee0de542b1c7860753146500788c30ce89c1bc44673b82abb0908db08d57570eb5477eba7d5d0b1c904f12aea6846ba61",
  ],
  [
    131,
    "359a1a9849e7e247e767335f5f05cfd0eb22071aae25970c7553c5377515be32cee0de542b1c7860753146500788c30ce89c1bc44673b82abb0908db08d57570eb5477eba7d5d0b1c904f12aea6846ba611175db563488d4bb7f30bf95db080a81395cd070d11996a6975182ad289fe5b4d90d28758c9e0dfd801b07689f1c37b0a75a9b7ebfdd49d285d073dd17b3dfad7dc1",
  ],
];

Deno.test("seal() makes libsodium's boxes and open() opens them", () => {
  for (const [length, box] of LIBSODIUM) {
    assert.equal(hex(seal(message(length), nonce, key)), box, `${length} bytes`);
    assert.equal(hex(open(fromHex(box), nonce, key)!), hex(message(length)), `${length} bytes`);
  }
});

Deno.test("open() refuses a box with any bit changed, another key or nonce, or cut short", () => {
  const box = fromHex(LIBSODIUM.find(([length]) => length === 65)![1]);
  for (let bit = 0; bit < box.length * 8; bit++) {
    const changed = box.slice();
    changed[bit >> 3] ^= 1 << (bit & 7);
    assert.equal(open(changed, nonce, key), undefined, `bit ${bit}`);
  }
  const other = key.map((b) => b ^ 0x80);
  assert.equal(open(box, nonce, other), undefined);
  assert.equal(open(box, nonce.map((b, i) => i === 23 ? b ^ 1 : b), key), undefined);
  assert.equal(open(box.subarray(0, 15), nonce, key), undefined);
  assert.equal(open(box.subarray(0, box.length - 1), nonce, key), undefined);
});

Deno.test("seal() and open() refuse a key or nonce of another length", () => {
  assert.throws(() => seal(message(3), nonce, key.subarray(0, 31)), /key has 32 bytes/);
  assert.throws(() => open(fromHex(LIBSODIUM[0][1]), nonce.subarray(0, 16), key), /nonce has 24/);
});
