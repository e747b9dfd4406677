/**
 * Base images from a registry: reference → manifest or index → the platform's manifest →
 * config, without downloading layers. Layers are fetched only when their bytes are needed
 * (copying to another registry, an archive, or reading files for `COPY --from=image`).
 */
import { IagoError, type SourceLocation } from "../errors.ts";
import { parseImageReference, type RegistryClient } from "../registry/mod.ts";
import {
  formatPlatform,
  type Image,
  type ImageConfig,
  type ImageLayer,
  normalizePlatform,
  type Platform,
  platformMatches,
} from "./image.ts";
import { isIndexType, isManifestType } from "./media_types.ts";

/** Where images and their blobs come from. */
export interface ImageSource {
  /** The image `ref` for `platform`; throws an `IagoError` at `at` when it cannot. */
  resolve(ref: string, platform: Platform, at: SourceLocation): Promise<Image>;
  /** The bytes of a blob of an image this source resolved. */
  blob(
    source: { registry: string; repository: string },
    digest: string,
  ): Promise<ReadableStream<Uint8Array>>;
}

interface ManifestJson {
  mediaType?: string;
  config: { digest: string; size: number; mediaType: string };
  layers: { digest: string; size: number; mediaType: string }[];
  manifests?: { digest: string; mediaType: string; platform?: Platform }[];
}

/** An `ImageSource` reading registries through `clientFor(registry)`. */
export class RegistryImageSource implements ImageSource {
  readonly #clientFor: (registry: string) => RegistryClient;
  readonly #cache = new Map<string, Promise<Image>>();

  constructor(clientFor: (registry: string) => RegistryClient) {
    this.#clientFor = clientFor;
  }

  resolve(ref: string, platform: Platform, at: SourceLocation): Promise<Image> {
    const key = `${ref}|${formatPlatform(platform)}`;
    let hit = this.#cache.get(key);
    if (!hit) {
      hit = this.#resolve(ref, platform, at);
      this.#cache.set(key, hit);
    }
    return hit;
  }

  async blob(
    source: { registry: string; repository: string },
    digest: string,
  ): Promise<ReadableStream<Uint8Array>> {
    return await this.#clientFor(source.registry).getBlob(source.repository, digest);
  }

  async #resolve(ref: string, platform: Platform, at: SourceLocation): Promise<Image> {
    let parsed;
    try {
      parsed = parseImageReference(ref);
    } catch (err) {
      throw new IagoError(`Invalid base image "${ref}"`, {
        at,
        hint: err instanceof IagoError ? err.hint : undefined,
      });
    }
    const client = this.#clientFor(parsed.registry);
    const repo = parsed.repository;
    const wrap = (err: unknown): never => {
      if (err instanceof IagoError && !err.at) {
        throw new IagoError(`Cannot resolve base image "${ref}": ${err.message}`, {
          at,
          hint: err.hint,
          cause: err,
        });
      }
      throw err;
    };
    let top = await client.getManifest(repo, parsed.digest ?? parsed.tag ?? "latest").catch(wrap);
    let json = JSON.parse(new TextDecoder().decode(top.bytes)) as ManifestJson;
    if (isIndexType(top.mediaType)) {
      const offered = (json.manifests ?? []).filter((m) => m.platform);
      const pick = offered.find((m) => platformMatches(m.platform, platform));
      if (!pick) {
        throw new IagoError(
          `Base image "${ref}" has no ${formatPlatform(platform)} image`,
          {
            at,
            hint: `it offers: ${
              offered.map((m) => formatPlatform(normalizePlatform(m.platform!))).join(", ") ||
              "no platforms"
            }`,
          },
        );
      }
      top = await client.getManifest(repo, pick.digest).catch(wrap);
      json = JSON.parse(new TextDecoder().decode(top.bytes)) as ManifestJson;
    }
    if (!isManifestType(top.mediaType)) {
      throw new IagoError(`Base image "${ref}" has unsupported media type "${top.mediaType}"`, {
        at,
      });
    }
    const configStream = await client.getBlob(repo, json.config.digest).catch(wrap);
    const config = JSON.parse(await new Response(configStream).text()) as ImageConfig;
    const imagePlatform = normalizePlatform({
      os: config.os,
      architecture: config.architecture,
      variant: config.variant,
    });
    if (!platformMatches(imagePlatform, platform)) {
      throw new IagoError(
        `Base image "${ref}" is ${formatPlatform(imagePlatform)}, not ${formatPlatform(platform)}`,
        {
          at,
          hint: "use a multi-platform base, or build with --platform " +
            formatPlatform(imagePlatform),
        },
      );
    }
    const diffIds = config.rootfs?.diff_ids ?? [];
    if (diffIds.length !== json.layers.length) {
      throw new IagoError(`Base image "${ref}" is inconsistent: layers and diff_ids differ`, {
        at,
      });
    }
    const layers: ImageLayer[] = json.layers.map((l, i) => ({
      mediaType: l.mediaType,
      digest: l.digest,
      size: l.size,
      diffId: diffIds[i],
      source: { registry: parsed.registry, repository: repo },
    }));
    const name = `${parsed.registry}/${repo}${parsed.tag ? `:${parsed.tag}` : ""}`;
    return { platform: imagePlatform, config, layers, base: { name, digest: top.digest } };
  }
}
