/**
 * cosign's classic signature storage, which `cosign verify` reads: the tag `sha256-<hex>.sig`
 * in the image's repository holds an OCI manifest whose layers are simple-signing payloads,
 * each with its base64 signature (and, keyless, the certificate, chain and Rekor bundle) in
 * layer annotations. New signatures are appended to what is there.
 */
import { type RegistryClient, sha256 } from "../registry/client.ts";
import { digestTag } from "../registry/referrers.ts";

export const SIMPLE_SIGNING_TYPE = "application/vnd.dev.cosign.simplesigning.v1+json";
export const SIGNATURE_ANNOTATION = "dev.cosignproject.cosign/signature";
export const CERTIFICATE_ANNOTATION = "dev.sigstore.cosign/certificate";
export const CHAIN_ANNOTATION = "dev.sigstore.cosign/chain";
export const BUNDLE_ANNOTATION = "dev.sigstore.cosign/bundle";
const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const OCI_CONFIG = "application/vnd.oci.image.config.v1+json";

/** One signature as stored: the payload bytes and the annotations beside them. */
export interface CosignSignature {
  payload: Uint8Array;
  /** Base64 DER ECDSA signature over `payload`. */
  signature: string;
  /** PEM leaf certificate (keyless). */
  certificate?: string;
  /** PEM intermediates and root (keyless). */
  chain?: string;
  /** JSON of the Rekor bundle: `{SignedEntryTimestamp, Payload:{body,integratedTime,logIndex,logID}}`. */
  bundle?: string;
}

/** `sha256-<hex>.sig`, the tag cosign keeps an image's signatures under. */
export function signatureTag(digest: string): string {
  return `${digestTag(digest)}.sig`;
}

/**
 * The simple-signing payload cosign signs: it binds the repository (`dockerReference`, without
 * tag) to the manifest digest.
 */
export function simpleSigningPayload(dockerReference: string, digest: string): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({
    critical: {
      identity: { "docker-reference": dockerReference },
      image: { "docker-manifest-digest": digest },
      type: "cosign container image signature",
    },
    optional: null,
  }));
}

interface Layer {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

/**
 * Adds `sig` to the signatures of `digest` in `repo` (blobs first, then the `.sig` manifest).
 * Returns the digest of the signature manifest.
 */
export async function attachSignature(
  client: RegistryClient,
  repo: string,
  digest: string,
  sig: CosignSignature,
): Promise<string> {
  const tag = signatureTag(digest);
  const existing = await client.findManifest(repo, tag);
  const layers: Layer[] = existing
    ? JSON.parse(new TextDecoder().decode(existing.bytes)).layers ?? []
    : [];
  const annotations: Record<string, string> = { [SIGNATURE_ANNOTATION]: sig.signature };
  if (sig.certificate) annotations[CERTIFICATE_ANNOTATION] = sig.certificate;
  if (sig.chain) annotations[CHAIN_ANNOTATION] = sig.chain;
  if (sig.bundle) annotations[BUNDLE_ANNOTATION] = sig.bundle;
  const layer: Layer = {
    mediaType: SIMPLE_SIGNING_TYPE,
    size: sig.payload.length,
    digest: sha256(sig.payload),
    annotations,
  };
  const same = (l: Layer) =>
    l.digest === layer.digest && l.annotations?.[SIGNATURE_ANNOTATION] === sig.signature;
  const all = layers.some(same) ? layers : [...layers, layer];
  await client.pushBlob(
    repo,
    { digest: layer.digest, size: layer.size },
    () => streamOf(sig.payload),
  );
  const config = new TextEncoder().encode(JSON.stringify({
    architecture: "",
    created: "0001-01-01T00:00:00Z",
    history: all.map(() => ({ created: "0001-01-01T00:00:00Z" })),
    os: "",
    rootfs: { type: "layers", diff_ids: all.map((l) => l.digest) },
    config: {},
  }));
  const configDesc = { mediaType: OCI_CONFIG, size: config.length, digest: sha256(config) };
  await client.pushBlob(repo, configDesc, () => streamOf(config));
  const manifest = new TextEncoder().encode(JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: configDesc,
    layers: all,
  }));
  return await client.putManifest(repo, tag, manifest, OCI_MANIFEST);
}

/** The signatures stored for `digest`, payloads fetched (and digest-checked); [] when none. */
export async function readSignatures(
  client: RegistryClient,
  repo: string,
  digest: string,
): Promise<CosignSignature[]> {
  const manifest = await client.findManifest(repo, signatureTag(digest));
  if (!manifest) return [];
  const layers: Layer[] = JSON.parse(new TextDecoder().decode(manifest.bytes)).layers ?? [];
  const out: CosignSignature[] = [];
  for (const l of layers) {
    const signature = l.annotations?.[SIGNATURE_ANNOTATION];
    if (l.mediaType !== SIMPLE_SIGNING_TYPE || !signature || l.size > 1024 * 1024) continue;
    const payload = new Uint8Array(
      await new Response(await client.getBlob(repo, l.digest)).arrayBuffer(),
    );
    out.push({
      payload,
      signature,
      certificate: l.annotations?.[CERTIFICATE_ANNOTATION],
      chain: l.annotations?.[CHAIN_ANNOTATION],
      bundle: l.annotations?.[BUNDLE_ANNOTATION],
    });
  }
  return out;
}

/** A one-chunk stream of `bytes`. */
export function streamOf(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(c) {
      c.enqueue(bytes);
      c.close();
    },
  });
}
