/** Media types of the OCI image spec and their Docker schema 2 equivalents. */

export const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
export const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
export const OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
export const OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
export const OCI_LAYER_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd";
export const OCI_LAYER_TAR = "application/vnd.oci.image.layer.v1.tar";

export const DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
export const DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
export const DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
export const DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip";
export const DOCKER_LAYER_TAR = "application/vnd.docker.image.rootfs.diff.tar";

/** Which family of media types an image is written with. */
export type ImageFormat = "oci" | "docker";

/** True for a manifest list / image index. */
export function isIndexType(mediaType: string): boolean {
  return mediaType === OCI_INDEX || mediaType === DOCKER_MANIFEST_LIST;
}

/** True for a single-image manifest. */
export function isManifestType(mediaType: string): boolean {
  return mediaType === OCI_MANIFEST || mediaType === DOCKER_MANIFEST;
}

/** The media types of one format. */
export function mediaTypesOf(format: ImageFormat): {
  manifest: string;
  index: string;
  config: string;
  layer: string;
} {
  return format === "docker"
    ? {
      manifest: DOCKER_MANIFEST,
      index: DOCKER_MANIFEST_LIST,
      config: DOCKER_CONFIG,
      layer: DOCKER_LAYER_GZIP,
    }
    : { manifest: OCI_MANIFEST, index: OCI_INDEX, config: OCI_CONFIG, layer: OCI_LAYER_GZIP };
}

/**
 * The layer media type to use in a manifest of `format` for a layer that came with `mediaType`:
 * gzip and plain tar layers are the same bytes under either name, so only the name changes.
 * Other types (zstd) have no Docker name and are returned as they are.
 */
export function layerTypeFor(format: ImageFormat, mediaType: string): string {
  if (mediaType === OCI_LAYER_GZIP || mediaType === DOCKER_LAYER_GZIP) {
    return format === "docker" ? DOCKER_LAYER_GZIP : OCI_LAYER_GZIP;
  }
  if (mediaType === OCI_LAYER_TAR || mediaType === DOCKER_LAYER_TAR) {
    return format === "docker" ? DOCKER_LAYER_TAR : OCI_LAYER_TAR;
  }
  return mediaType;
}

/** Whether a layer of `mediaType` can be listed in a Docker schema 2 manifest. */
export function hasDockerLayerType(mediaType: string): boolean {
  return [OCI_LAYER_GZIP, DOCKER_LAYER_GZIP, OCI_LAYER_TAR, DOCKER_LAYER_TAR].includes(mediaType);
}
