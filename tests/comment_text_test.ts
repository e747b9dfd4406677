import assert from "node:assert/strict";
import { fromCommentText, toCommentText } from "../src/cli/comment_text.ts";

function randomBytes(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    bytes[i] = x >>> 24;
  }
  return bytes;
}

Deno.test("toCommentText() round-trips every length, all-zero and all-0xff groups included", () => {
  for (let length = 0; length <= 40; length++) {
    for (
      const bytes of [
        randomBytes(length, length),
        new Uint8Array(length),
        new Uint8Array(length).fill(255),
      ]
    ) {
      const text = toCommentText(bytes);
      // 7 characters for each 6 bytes, k + 1 for the last k.
      assert.equal(text.length, Math.floor(length / 6) * 7 + (length % 6 && length % 6 + 1));
      assert.deepEqual(fromCommentText(text), bytes, `length ${length}`);
    }
  }
});

Deno.test("toCommentText() writes ASCII a block comment holds, without * or NUL, CR, ESC", () => {
  const bytes = randomBytes(60_000, 7);
  const text = toCommentText(bytes);
  assert.ok(text.length <= Math.ceil(bytes.length / 6) * 7);
  const outside = [...text].filter((c) =>
    c >= "\x7f" || [0x00, 0x07, 0x08, 0x0d, 0x1b, 0x2a].includes(c.charCodeAt(0))
  );
  assert.deepEqual(outside, []);
  // 121 distinct characters are used, so the text is as dense as the alphabet allows.
  assert.equal(new Set(text).size, 121);
  const comment = new Function(`return String(function(){/*${text}*/}).slice(13,-3)`)();
  assert.deepEqual(fromCommentText(comment), bytes);
});

Deno.test("fromCommentText() rejects text it cannot have written", () => {
  const text = toCommentText(randomBytes(12, 1));
  assert.throws(() => fromCommentText(text + "a"), /cut short/);
  assert.throws(() => fromCommentText(text.slice(0, 7) + "*" + text.slice(8)), /character 42 at 7/);
  assert.throws(() => fromCommentText(text + "éa"), /character 233 at 14/);
  // The largest group of 7 characters is past 6 bytes.
  assert.throws(() => fromCommentText("\x7e".repeat(7)), /group at 0/);
});
