/**
 * The frames iago and its sandbox process exchange arrive as the pipe delivers them: split
 * anywhere, several in one read, a large one over many reads. Each must come out whole, once,
 * in order.
 */
import assert from "node:assert/strict";
import { controlFrame, controlMessage, frame, frames } from "../../src/sandbox/frames.ts";

async function* chunked(bytes: Uint8Array, sizes: number[]): AsyncGenerator<Uint8Array> {
  let at = 0;
  for (let i = 0; at < bytes.length; i++) {
    const size = sizes[i % sizes.length];
    yield bytes.slice(at, at + size);
    at += size;
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

Deno.test("frames come out whole and in order however the stream splits them", async () => {
  const large = new Uint8Array(200_000).map((_, i) => i % 251);
  const sent = [
    { channel: 0, payload: controlFrame({ op: "start", worker: 1 }).subarray(8) },
    { channel: 1, payload: new Uint8Array([1, 2, 3]) },
    { channel: 2, payload: new Uint8Array(0) },
    { channel: 1, payload: large },
    { channel: 7, payload: new Uint8Array([9]) },
  ];
  const bytes = concat(sent.map((f) => frame(f.channel, f.payload)));
  for (const sizes of [[1], [3, 5, 7], [8], [9], [65536], [bytes.length]]) {
    const got = await Array.fromAsync(frames(chunked(bytes, sizes)));
    assert.deepEqual(got, sent, `chunks of ${sizes.join(", ")}`);
  }
  assert.deepEqual(controlMessage(sent[0].payload), { op: "start", worker: 1 });
});

Deno.test("a partial frame at the end of the stream is dropped", async () => {
  const whole = frame(3, new Uint8Array([1, 2, 3, 4]));
  const bytes = concat([whole, frame(4, new Uint8Array(10)).subarray(0, 12)]);
  const got = await Array.fromAsync(frames(chunked(bytes, [5])));
  assert.deepEqual(got, [{ channel: 3, payload: new Uint8Array([1, 2, 3, 4]) }]);
});
