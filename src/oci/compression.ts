/**
 * The layer compressions iago writes: `gzip` (every registry and runtime reads it) and `zstd`
 * (smaller and faster to unpack; podman 4+, skopeo, containerd 1.5+, not Docker before 23).
 */
import { GZIP_FORMAT, gzipTo, type ParallelOptions } from "./gzip.ts";
import { OCI_LAYER_GZIP, OCI_LAYER_ZSTD } from "./media_types.ts";
import { ZSTD_FORMAT, zstdTo } from "./zstd.ts";

export const COMPRESSIONS = ["gzip", "zstd"] as const;
export type LayerCompression = typeof COMPRESSIONS[number];

export interface Compressor {
  mediaType: string;
  /** What decides the compressed bytes besides the input (the layer cache keys on it). */
  format: string;
  compressTo: (
    source: AsyncIterable<Uint8Array>,
    sink: (chunk: Uint8Array) => void,
    onInput?: (chunk: Uint8Array) => void,
    options?: ParallelOptions,
  ) => Promise<void>;
}

const COMPRESSORS: Record<LayerCompression, Compressor> = {
  gzip: { mediaType: OCI_LAYER_GZIP, format: GZIP_FORMAT, compressTo: gzipTo },
  zstd: { mediaType: OCI_LAYER_ZSTD, format: ZSTD_FORMAT, compressTo: zstdTo },
};

/** The compressor of `compression`. */
export function compressorOf(compression: LayerCompression): Compressor {
  return COMPRESSORS[compression];
}

/** The compressor writing layers of `mediaType`; throws for a type iago does not write. */
export function compressorFor(mediaType: string): Compressor {
  const found = Object.values(COMPRESSORS).find((c) => c.mediaType === mediaType);
  if (!found) throw new Error(`Cannot write a layer of media type "${mediaType}"`);
  return found;
}
