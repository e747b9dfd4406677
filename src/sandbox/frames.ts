/**
 * How iago and its sandbox process (child.ts) talk, over the child's stdin and stdout: frames
 * of `[length: u32][channel: u32][payload]`, big-endian. Channel {@link CONTROL} carries the
 * sandbox process's own messages (JSON), every other channel one worker's messages, which the
 * sandbox process passes on without reading them.
 */

export const CONTROL = 0;

/** What iago tells the sandbox process. */
export type ControlRequest =
  /** The code its workers run: a `file:` URL (iago run from source) or the code itself. */
  | { op: "code"; url: string }
  | { op: "code"; code: string }
  /** Start worker `worker` (its channel); end it. */
  | { op: "start"; worker: number }
  | { op: "end"; worker: number };

/** What the sandbox process tells iago: a worker failed outside any request (it did not start). */
export interface ControlReply {
  op: "error";
  worker: number;
  message: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** One frame with `payload` on `channel`. */
export function frame(channel: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + payload.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, payload.length);
  view.setUint32(4, channel);
  out.set(payload, 8);
  return out;
}

/** A control frame carrying `message`. */
export function controlFrame(message: ControlRequest | ControlReply): Uint8Array {
  return frame(CONTROL, encoder.encode(JSON.stringify(message)));
}

/** The message of a control frame's payload. */
export function controlMessage<T extends ControlRequest | ControlReply>(payload: Uint8Array): T {
  return JSON.parse(decoder.decode(payload));
}

/**
 * The frames of `chunks` (a stream's, or {@link readChunks}'), in order; ends with them (a
 * partial frame at their end is dropped).
 */
export async function* frames(
  chunks: AsyncIterable<Uint8Array>,
): AsyncGenerator<{ channel: number; payload: Uint8Array }> {
  let pending: Uint8Array[] = [];
  let size = 0;
  let need = 8;
  for await (const chunk of chunks) {
    pending.push(chunk);
    size += chunk.length;
    while (size >= need) {
      const buffer = pending.length === 1 ? pending[0] : concat(pending, size);
      const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
      const length = view.getUint32(0);
      need = 8 + length;
      if (size < need) {
        pending = [buffer];
        break;
      }
      yield { channel: view.getUint32(4), payload: buffer.slice(8, need) };
      const rest = buffer.subarray(need);
      pending = rest.length > 0 ? [rest] : [];
      size = rest.length;
      need = 8;
    }
  }
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/**
 * What `reader` reads, chunk by chunk, until its end: straight from the descriptor, which costs
 * less per message than a web stream (each of its reads is a few promises more).
 */
export async function* readChunks(
  reader: { read(p: Uint8Array): Promise<number | null> },
): AsyncGenerator<Uint8Array> {
  const buffer = new Uint8Array(64 * 1024);
  for (;;) {
    const n = await reader.read(buffer);
    if (n === null) return;
    yield buffer.slice(0, n);
  }
}

/** Writes all of `bytes` to `writer` (one `write` may take less). */
export async function writeAll(
  writer: { write(p: Uint8Array): Promise<number> },
  bytes: Uint8Array,
): Promise<void> {
  for (let at = 0; at < bytes.length;) at += await writer.write(bytes.subarray(at));
}
