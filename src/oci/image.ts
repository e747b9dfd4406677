/**
 * The image vocabulary: platforms, descriptors, image configs, manifests and indexes, and the
 * deterministic bytes of each. An image is identified by its manifest's digest, so everything
 * here serializes through `canonicalJson`.
 */
import { UsageError } from "../errors.ts";
import { sha256Digest as sha256Hex } from "./digest.ts";
import { canonicalJsonBytes } from "./json.ts";
import { type ImageFormat, layerTypeFor, mediaTypesOf } from "./media_types.ts";

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Platform;
  annotations?: Record<string, string>;
}

/** The runtime part of an image config (Docker's capitalised field names, as in the spec). */
export interface ContainerConfig {
  User?: string;
  ExposedPorts?: Record<string, Record<never, never>>;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Volumes?: Record<string, Record<never, never>>;
  WorkingDir?: string;
  Labels?: Record<string, string>;
  StopSignal?: string;
  /** Docker extension; podman honours it in Docker-format images only. */
  Healthcheck?: Healthcheck;
  /** Docker extension. */
  Shell?: string[];
  /** Docker extension. */
  OnBuild?: string[] | null;
  [key: string]: unknown;
}

export interface Healthcheck {
  Test: string[];
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  StartInterval?: number;
  Retries?: number;
}

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

export interface ImageConfig {
  created?: string;
  author?: string;
  architecture: string;
  os: string;
  variant?: string;
  config?: ContainerConfig;
  rootfs: { type: "layers"; diff_ids: string[] };
  history?: HistoryEntry[];
  [key: string]: unknown;
}

/** A layer of an image: its descriptor, diff_id, and where its bytes can be had. */
export interface ImageLayer {
  mediaType: string;
  digest: string;
  size: number;
  diffId: string;
  /** Where a base layer lives; undefined for layers built here (in the build's blob store). */
  source?: { registry: string; repository: string };
}

/** One built image for one platform, before it is serialized. */
export interface Image {
  platform: Platform;
  config: ImageConfig;
  layers: ImageLayer[];
  /** The base image, for the `org.opencontainers.image.base.*` annotations. */
  base?: { name: string; digest: string };
}

/** An image's serialized config and manifest. */
export interface SerializedImage {
  image: Image;
  format: ImageFormat;
  config: { bytes: Uint8Array; descriptor: Descriptor };
  manifest: { bytes: Uint8Array; descriptor: Descriptor };
}

const PLATFORM = /^([a-z0-9]+)\/([a-z0-9_]+)(?:\/([a-z0-9]+))?$/;

/** Parses `os/arch[/variant]`; throws a `UsageError` for anything else. */
export function parsePlatform(text: string): Platform {
  const m = PLATFORM.exec(text.trim());
  if (!m) {
    throw new UsageError(`Invalid platform "${text}"`, {
      hint: "write os/arch[/variant], e.g. linux/amd64 or linux/arm64",
    });
  }
  return normalizePlatform({ os: m[1], architecture: m[2], variant: m[3] });
}

/** Docker's normalisation: `aarch64` is `arm64`, `x86_64` is `amd64`, arm64's `v8` is implied. */
export function normalizePlatform(p: Platform): Platform {
  let architecture = p.architecture;
  let variant = p.variant;
  if (architecture === "aarch64") architecture = "arm64";
  if (architecture === "x86_64" || architecture === "x86-64") architecture = "amd64";
  if (architecture === "arm64" && variant === "v8") variant = undefined;
  return variant ? { os: p.os, architecture, variant } : { os: p.os, architecture };
}

export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join("/");
}

/** The platform of the machine iago runs on. */
export function hostPlatform(): Platform {
  return normalizePlatform({ os: "linux", architecture: Deno.build.arch });
}

/** Whether `candidate` (from an index) serves `wanted`. */
export function platformMatches(candidate: Platform | undefined, wanted: Platform): boolean {
  if (!candidate) return false;
  const c = normalizePlatform(candidate);
  if (c.os !== wanted.os || c.architecture !== wanted.architecture) return false;
  return !wanted.variant || !c.variant || c.variant === wanted.variant;
}

/** `created` for everything iago writes: `SOURCE_DATE_EPOCH`, else the epoch. */
export function createdTimestamp(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().replace(".000Z", "Z");
}

/** The config of `FROM scratch`. */
export function scratchConfig(platform: Platform, created: string): ImageConfig {
  const config: ImageConfig = {
    created,
    architecture: platform.architecture,
    os: platform.os,
    config: {},
    rootfs: { type: "layers", diff_ids: [] },
    history: [],
  };
  if (platform.variant) config.variant = platform.variant;
  return config;
}

/** Serializes an image's config and manifest in `format`. */
export function serializeImage(image: Image, format: ImageFormat): SerializedImage {
  const types = mediaTypesOf(format);
  const configBytes = canonicalJsonBytes(image.config);
  const configDescriptor: Descriptor = {
    mediaType: types.config,
    digest: sha256Hex(configBytes),
    size: configBytes.length,
  };
  const manifest: Record<string, unknown> = {
    schemaVersion: 2,
    mediaType: types.manifest,
    config: configDescriptor,
    layers: image.layers.map((l) => ({
      mediaType: layerTypeFor(format, l.mediaType),
      digest: l.digest,
      size: l.size,
    })),
  };
  if (format === "oci" && image.base) {
    manifest.annotations = {
      "org.opencontainers.image.base.digest": image.base.digest,
      "org.opencontainers.image.base.name": image.base.name,
    };
  }
  const manifestBytes = canonicalJsonBytes(manifest);
  return {
    image,
    format,
    config: { bytes: configBytes, descriptor: configDescriptor },
    manifest: {
      bytes: manifestBytes,
      descriptor: {
        mediaType: types.manifest,
        digest: sha256Hex(manifestBytes),
        size: manifestBytes.length,
        platform: image.platform,
      },
    },
  };
}

/** The bytes of an index over several serialized images. */
export function serializeIndex(
  images: SerializedImage[],
  format: ImageFormat,
): { bytes: Uint8Array; descriptor: Descriptor } {
  const types = mediaTypesOf(format);
  const bytes = canonicalJsonBytes({
    schemaVersion: 2,
    mediaType: types.index,
    manifests: images.map((i) => i.manifest.descriptor),
  });
  return {
    bytes,
    descriptor: { mediaType: types.index, digest: sha256Hex(bytes), size: bytes.length },
  };
}
