import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { Sha512 } from "../../src/secrets/sha512.ts";

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

Deno.test("Sha512 equals node:crypto's SHA-512 for every length across three blocks", () => {
  const data = Uint8Array.from({ length: 400 }, (_, i) => (i * 131 + 7) & 0xff);
  const h = new Sha512();
  for (let n = 0; n <= data.length; n++) {
    const want = createHash("sha512").update(data.subarray(0, n)).digest("hex");
    assert.equal(hex(h.reset().update(data.subarray(0, n)).digest()), want, `length ${n}`);
  }
});

Deno.test("Sha512 gives the same digest however the input is split", () => {
  const data = Uint8Array.from({ length: 1000 }, (_, i) => (i * 17) & 0xff);
  const want = createHash("sha512").update(data).digest("hex");
  for (const step of [1, 7, 64, 127, 128, 129, 333]) {
    const h = new Sha512();
    for (let at = 0; at < data.length; at += step) h.update(data.subarray(at, at + step));
    assert.equal(hex(h.digest()), want, `pieces of ${step}`);
  }
});

Deno.test("Sha512 of the FIPS 180-4 'abc' example", () => {
  assert.equal(
    hex(new Sha512().update(new TextEncoder().encode("abc")).digest()),
    "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a" +
      "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
  );
});
