/**
 * zstd layers (`application/vnd.oci.image.layer.v1.tar+zstd`), compressed on every core like
 * gzip ones: the tar stream is cut into 2 MiB blocks and each becomes one zstd frame (level 3,
 * with its content size and checksum) in a worker. Frames are independent, so the bytes do not
 * depend on the number of cores; a zstd stream of several frames is one stream to every reader
 * (zstd, skopeo, podman, umoci). Changing the level or the block size changes every zstd layer
 * digest.
 */
import { constants } from "node:zlib";
import { compressBlocks, type ParallelOptions } from "./gzip.ts";

export const ZSTD_LEVEL = 3;
/** Uncompressed bytes per frame. */
export const ZSTD_BLOCK = 2 << 20;
/** What decides the bytes, for the layer cache. */
export const ZSTD_FORMAT = `zstd-${ZSTD_LEVEL}-frames-${ZSTD_BLOCK}`;

/** Compresses `source` into `sink` as concatenated zstd frames; see `gzipTo`. */
export async function zstdTo(
  source: AsyncIterable<Uint8Array>,
  sink: (chunk: Uint8Array) => void,
  onInput?: (chunk: Uint8Array) => void,
  options: ParallelOptions = {},
): Promise<void> {
  await compressBlocks(source, sink, (chunk) => onInput?.(chunk), {
    format: "zstd",
    options: {
      params: {
        [constants.ZSTD_c_compressionLevel]: ZSTD_LEVEL,
        [constants.ZSTD_c_checksumFlag]: 1,
      },
    },
    blockSize: ZSTD_BLOCK,
    threads: options.threads,
  });
}
