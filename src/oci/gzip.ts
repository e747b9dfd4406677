/**
 * The one gzip used for layers: `node:zlib` at level 6. It measured about 1.7x faster than
 * `CompressionStream("gzip")` here and is as deterministic: the header carries no name and no
 * mtime (`1f8b 0800 0000 0000 0003`), and the same zlib at the same level gives the same bytes.
 * Changing the implementation or level changes every layer digest, so do it only on purpose.
 */
import { createGzip } from "node:zlib";

export const GZIP_LEVEL = 6;

/**
 * Compresses `source` and hands each compressed chunk to `sink` as it is produced, with
 * backpressure on the input so memory stays bounded. Resolves when the last byte was handed.
 */
export async function gzipTo(
  source: AsyncIterable<Uint8Array>,
  sink: (chunk: Uint8Array) => void,
  onInput?: (chunk: Uint8Array) => void,
): Promise<void> {
  const gz = createGzip({ level: GZIP_LEVEL, chunkSize: 256 * 1024 });
  let failure: unknown;
  const finished = new Promise<void>((resolve, reject) => {
    gz.on("data", (chunk: Uint8Array) => {
      try {
        sink(chunk);
      } catch (err) {
        failure = err;
        gz.destroy(err as Error);
      }
    });
    gz.on("end", () => resolve());
    gz.on("error", (err: Error) => reject(failure ?? err));
  });
  finished.catch(() => {});
  try {
    for await (const chunk of source) {
      if (failure) throw failure;
      onInput?.(chunk);
      if (!gz.write(chunk)) {
        await new Promise<void>((resolve) => {
          const done = () => {
            gz.off("drain", done);
            gz.off("close", done);
            resolve();
          };
          gz.on("drain", done);
          gz.on("close", done);
        });
      }
    }
  } catch (err) {
    gz.destroy();
    throw err;
  }
  gz.end();
  await finished;
}
