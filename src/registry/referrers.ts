/**
 * OCI 1.1 referrers: artifacts (signatures, bundles, SBOMs) that point at an image through
 * their `subject`. Registries with the referrers API index them on push; for those without it
 * (Distribution 2.8, ghcr.io) the spec's fallback is an index under the tag `sha256-<hex>` that
 * lists them, which the client reads, appends to and writes back.
 */
import { type RegistryClient, sha256 } from "./client.ts";

export const OCI_INDEX = "application/vnd.oci.image.index.v1+json";

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

/** `sha256:<hex>` → `sha256-<hex>`, the fallback tag (cosign's `.sig` tag adds a suffix). */
export function digestTag(digest: string): string {
  return digest.replace(":", "-");
}

/**
 * Pushes `manifest` (which names `subject`) by its digest and makes it findable as a referrer:
 * through the registry's API when it indexed the subject, else through the fallback tag.
 * Returns the referrer's digest.
 */
export async function pushReferrer(
  client: RegistryClient,
  repo: string,
  subject: string,
  manifest: { bytes: Uint8Array; mediaType: string; artifactType?: string },
): Promise<string> {
  const digest = sha256(manifest.bytes);
  const put = await client.putManifestDetailed(repo, digest, manifest.bytes, manifest.mediaType);
  if (put.subjectIndexed) return digest;
  const tag = digestTag(subject);
  const existing = await client.findManifest(repo, tag);
  let manifests: Descriptor[] = [];
  if (existing) {
    const json = JSON.parse(new TextDecoder().decode(existing.bytes));
    manifests = Array.isArray(json?.manifests) ? json.manifests : [];
  }
  if (manifests.some((m) => m.digest === digest)) return digest;
  const parsed = JSON.parse(new TextDecoder().decode(manifest.bytes));
  const descriptor: Descriptor = {
    mediaType: manifest.mediaType,
    digest,
    size: manifest.bytes.length,
  };
  const artifactType = manifest.artifactType ?? parsed.artifactType ?? parsed.config?.mediaType;
  if (artifactType) descriptor.artifactType = artifactType;
  if (parsed.annotations) descriptor.annotations = parsed.annotations;
  const index = { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [...manifests, descriptor] };
  await client.putManifest(repo, tag, new TextEncoder().encode(JSON.stringify(index)), OCI_INDEX);
  return digest;
}

/** The referrers of `subject`, from the API or the fallback tag; filtered by artifact type. */
export async function listReferrers(
  client: RegistryClient,
  repo: string,
  subject: string,
  artifactType?: string,
): Promise<Descriptor[]> {
  let bytes = await client.getReferrersApi(repo, subject);
  if (!bytes) bytes = (await client.findManifest(repo, digestTag(subject)))?.bytes;
  if (!bytes) return [];
  const json = JSON.parse(new TextDecoder().decode(bytes));
  const all: Descriptor[] = Array.isArray(json?.manifests) ? json.manifests : [];
  return artifactType ? all.filter((d) => d.artifactType === artifactType) : all;
}
