/**
 * The TypeScript port of Go's compress/flate (src/butane/base/goflate/) against gzip data that
 * butane v0.23.0 itself wrote for the same bytes (tests/fixtures/goflate/NAME.gz, taken from
 * the `source` of a `local` file butane compressed).
 */
import assert from "node:assert/strict";
import { crc32 as zlibCrc32, gunzipSync } from "node:zlib";
import { gzipGo } from "../../src/butane/base/goflate/gzip.ts";
import { crc32 } from "../../src/butane/base/goflate/crc32.ts";
import { deflateGo } from "../../src/butane/base/goflate/deflate.ts";
import { gzipCannotWin, makeDataUrl } from "../../src/butane/base/dataurl.ts";
import { GOFLATE_INPUTS } from "./goflate_inputs.ts";

const FIXTURES = new URL("../fixtures/goflate/", import.meta.url).pathname;

for (const [name, make] of Object.entries(GOFLATE_INPUTS)) {
  Deno.test(`gzipGo() writes butane's exact gzip bytes for ${name}`, () => {
    const input = make();
    const want = Deno.readFileSync(`${FIXTURES}${name}.gz`);
    const got = gzipGo(input);
    assert.equal(got.length, want.length);
    assert.ok(got.every((b, i) => b === want[i]), "bytes differ");
    assert.deepEqual(new Uint8Array(gunzipSync(got)), input);
  });
}

Deno.test("gzipGo() gives the same bytes when called again (the reused state is reset)", () => {
  const a = GOFLATE_INPUTS["words-40k"]();
  const b = GOFLATE_INPUTS["text-2k"]();
  const first = gzipGo(b);
  gzipGo(a);
  assert.deepEqual(gzipGo(b), first);
});

Deno.test("deflateGo() refuses the levels that were not ported", () => {
  assert.throws(() => deflateGo(new Uint8Array(1), 1), /only 4-9/);
});

Deno.test("makeDataUrl() gzips exactly where butane does, by the length of Go's gzip", () => {
  // 3 KB of one line repeated: gzip wins by far, and the URL carries butane's bytes.
  const text = new TextEncoder().encode("long line of repeated text ".repeat(100));
  const url = makeDataUrl(text, true);
  assert.equal(url.compressed, true);
  assert.equal(url.source, "data:;base64," + btoa(String.fromCharCode(...gzipGo(text))));
  // Not when the user chose a compression.
  assert.equal(makeDataUrl(text, false).compressed, false);
});

Deno.test("makeDataUrl() gives each contents its own URL, also when it made one before", () => {
  // The URLs it made are kept by contents: contents that differ in any one byte value (those
  // Latin-1 text would not tell apart included) must not get another's URL.
  for (const round of [1, 2]) {
    for (let b = 0; b < 256; b++) {
      const bytes = new Uint8Array(300).fill(b);
      bytes[0] = (b + round) & 0xff;
      const url = makeDataUrl(bytes, true);
      assert.equal(url.compressed, true);
      const gz = Uint8Array.from(
        atob(url.source.slice("data:;base64,".length)),
        (c) => c.charCodeAt(0),
      );
      assert.deepEqual(new Uint8Array(gunzipSync(gz)), bytes, `byte ${b}, round ${round}`);
    }
  }
});

Deno.test("gzipCannotWin() never rules out gzip where Go's gzip would win", () => {
  const words = [
    "key=",
    "value",
    "\n",
    "[Service]\n",
    " ",
    "enabled=true\n",
    "# setting ",
    "0",
    "1",
  ];
  let seed = 5;
  const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff) / 0x7fffffff;
  for (let n = 1; n < 3000; n = Math.ceil(n * 1.15)) {
    let s = "";
    while (s.length < n) s += words[Math.floor(next() * words.length)];
    const bytes = new TextEncoder().encode(s.slice(0, n));
    const gzUrl = 8 + 4 * Math.ceil(gzipGo(bytes).length / 3) + 4;
    // The tightest best length at which gzip still wins.
    assert.equal(gzipCannotWin(bytes, gzUrl + 1), false, `n=${n}`);
  }
});

Deno.test("crc32() gives the IEEE check value and node:zlib's result", () => {
  assert.equal(crc32(new TextEncoder().encode("123456789")), 0xcbf43926);
  const bytes = Uint8Array.from({ length: 5000 }, (_, i) => (i * 7919) & 0xff);
  assert.equal(crc32(bytes), zlibCrc32(bytes));
  assert.equal(crc32(new Uint8Array()), 0);
});
