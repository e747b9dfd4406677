/** Byte and URL helpers of the registry client: digests, one-chunk bodies, chunking. */
import { createHash } from "node:crypto";

/** Adds a query parameter to a URL that may carry a query already (`?_state=...`). */
export function withQuery(url: string, key: string, value: string): string {
  const u = new URL(url);
  u.searchParams.append(key, value);
  return u.toString();
}

/** `sha256:<hex>` of `bytes`. */
export function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

export function bodyOf(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(c) {
      c.enqueue(bytes);
      c.close();
    },
  });
}

export async function readAll(
  stream: ReadableStream<Uint8Array>,
  size: number,
): Promise<Uint8Array> {
  const out = new Uint8Array(size);
  let off = 0;
  const parts: Uint8Array[] = [];
  for await (const chunk of stream) {
    if (off + chunk.length <= size) out.set(chunk, off);
    else parts.push(chunk);
    off += chunk.length;
  }
  if (off === size) return out;
  // The descriptor's size was wrong; send what the stream gave so the registry rejects it.
  const all = new Uint8Array(off);
  all.set(out.subarray(0, Math.min(off, size)));
  let at = size;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return all;
}

export async function* chunks(
  stream: ReadableStream<Uint8Array>,
  size: number,
): AsyncGenerator<Uint8Array> {
  let buf = new Uint8Array(size);
  let fill = 0;
  for await (const piece of stream) {
    let off = 0;
    while (off < piece.length) {
      const n = Math.min(size - fill, piece.length - off);
      buf.set(piece.subarray(off, off + n), fill);
      fill += n;
      off += n;
      if (fill === size) {
        yield buf;
        buf = new Uint8Array(size);
        fill = 0;
      }
    }
  }
  if (fill > 0) yield buf.subarray(0, fill);
}
