/**
 * What a build hands to push or to an archive: the serialized images (one per platform), the
 * index over them when there are several, and the blob store holding every blob built here.
 */
import type { ImageSource } from "./base.ts";
import type { BlobStore } from "./blobs.ts";
import {
  type Descriptor,
  type Image,
  type SerializedImage,
  serializeImage,
  serializeIndex,
} from "./image.ts";
import { hasDockerLayerType, type ImageFormat, isIndexType } from "./media_types.ts";

export interface BuildResult {
  store: BlobStore;
  images: SerializedImage[];
  /** What tags point to: the manifest of a single image, else the index. */
  top: { bytes: Uint8Array; descriptor: Descriptor };
  /** Where base layers not in `store` can be read. */
  source?: ImageSource;
}

/**
 * Serializes built images. HEALTHCHECK decides the format: podman reads it only from Docker
 * image configs, so an image with a health check uses Docker schema 2 media types (and, with
 * several platforms, a Docker manifest list); everything else is OCI, and so is an image whose
 * base has layers Docker has no name for (zstd).
 */
export async function finishBuild(
  images: Image[],
  store: BlobStore,
  source?: ImageSource,
): Promise<BuildResult> {
  const healthcheck = images.some((i) => {
    const test = i.config.config?.Healthcheck?.Test;
    return test !== undefined && test[0] !== "NONE";
  });
  const dockerable = images.every((i) => i.layers.every((l) => hasDockerLayerType(l.mediaType)));
  const format: ImageFormat = healthcheck && dockerable ? "docker" : "oci";
  const serialized = images.map((i) => serializeImage(i, format));
  for (const s of serialized) {
    await store.putBytes(s.config.bytes);
    await store.putBytes(s.manifest.bytes);
  }
  let top: BuildResult["top"];
  if (serialized.length === 1) {
    const { platform: _, ...descriptor } = serialized[0].manifest.descriptor;
    top = { bytes: serialized[0].manifest.bytes, descriptor };
  } else {
    top = serializeIndex(serialized, format);
    await store.putBytes(top.bytes);
  }
  return { store, images: serialized, top, source };
}

/** True when the result is a multi-platform index. */
export function isIndex(result: BuildResult): boolean {
  return isIndexType(result.top.descriptor.mediaType);
}
