/**
 * Decompression of layers and archives: gzip with the runtime's own decoder, zstd (the
 * `zstd`/`zstd:chunked` layers Fedora's and other newer images use) with fzstd, pure JavaScript
 * and streaming, so nothing is held whole in memory.
 */
import { Decompress } from "fzstd";

export type Compression = "gzip" | "zstd" | "none";

/** The compression of a layer media type; undefined when it is not a tar layer iago can read. */
export function layerCompression(mediaType: string): Compression | undefined {
  if (mediaType.endsWith("gzip")) return "gzip";
  if (mediaType.endsWith("zstd")) return "zstd";
  if (mediaType.endsWith(".tar") || mediaType.endsWith("diff.tar")) return "none";
  return undefined;
}

/** `source` decompressed. */
export function decompress(
  source: ReadableStream<Uint8Array>,
  compression: Compression,
): ReadableStream<Uint8Array> {
  if (compression === "none") return source;
  if (compression === "gzip") {
    return source.pipeThrough(
      new DecompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>,
    );
  }
  return source.pipeThrough(zstdStream());
}

function zstdStream(): TransformStream<Uint8Array, Uint8Array> {
  let decoder: Decompress;
  return new TransformStream({
    start(controller) {
      decoder = new Decompress((chunk) => {
        // fzstd reuses its window buffer: copy what leaves it.
        if (chunk.length > 0) controller.enqueue(chunk.slice());
      });
    },
    transform(chunk) {
      decoder.push(chunk);
    },
    flush() {
      decoder.push(new Uint8Array(0), true);
    },
  });
}

/** Writes `source`, decompressed, to the file `dest`. */
export async function decompressToFile(
  source: ReadableStream<Uint8Array>,
  compression: Compression,
  dest: string,
): Promise<void> {
  const file = await Deno.open(dest, { write: true, create: true, truncate: true });
  try {
    for await (const chunk of decompress(source, compression)) {
      let off = 0;
      while (off < chunk.length) off += await file.write(chunk.subarray(off));
    }
  } finally {
    file.close();
  }
}
