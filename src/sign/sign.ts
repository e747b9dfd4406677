/**
 * Signing a pushed image, the way cosign does: a simple-signing payload naming the repository
 * and the manifest digest is signed either with a local key (offline) or keyless (an
 * ephemeral key certified by Fulcio for the OIDC identity, the signature entered in Rekor). The
 * signature is stored under the `.sig` tag that `cosign verify` reads, and the Sigstore bundle
 * is attached as an OCI referrer of the image (with the `sha256-<hex>` tag fallback).
 */
import { Buffer } from "node:buffer";
import { createHash, type KeyObject, sign as cryptoSign } from "node:crypto";
import { bundleToJSON } from "@sigstore/bundle";
import {
  DEFAULT_FULCIO_URL,
  DEFAULT_REKOR_URL,
  FulcioSigner,
  MessageSignatureBundleBuilder,
  RekorWitness,
  type Signer,
  type Witness,
} from "@sigstore/sign";
import { IagoError } from "../errors.ts";
import { type RegistryClient, sha256 } from "../registry/client.ts";
import { pushReferrer } from "../registry/referrers.ts";
import { attachSignature, signatureTag, simpleSigningPayload, streamOf } from "./cosign.ts";
import { loadPrivateKey, publicKeyPem } from "./keys.ts";

export const BUNDLE_MEDIA_TYPE = "application/vnd.dev.sigstore.bundle.v0.3+json";
const EMPTY_CONFIG = "application/vnd.oci.empty.v1+json";

export interface KeylessOptions {
  /** The OIDC identity token (`SIGSTORE_ID_TOKEN`, or one fetched from the CI). */
  identityToken: string;
  fulcioUrl?: string;
  rekorUrl?: string;
}

export interface SignImageOptions {
  client: RegistryClient;
  repo: string;
  /** The manifest digest that was pushed. */
  digest: string;
  /** `registry/repository`, the identity written into the payload. */
  reference: string;
  /** A private key (PEM text and its file for messages); `password` opens cosign's format. */
  key?: { pem: string; file: string; password?: string };
  keyless?: KeylessOptions;
  timeoutMs?: number;
}

export interface SignResult {
  mode: "key" | "keyless";
  /** `sha256-<hex>.sig` */
  signatureTag: string;
  /** Digest of the bundle referrer manifest. */
  bundleDigest: string;
  /** The Rekor log index (keyless). */
  logIndex?: string;
}

/**
 * Signs `digest` and stores the signature in the registry. Throws an `IagoError` when neither
 * a key nor keyless options are given, or when the key, Fulcio or Rekor fail.
 */
export async function signImage(options: SignImageOptions): Promise<SignResult> {
  const { client, repo, digest } = options;
  let signer: Signer;
  let witnesses: Witness[] = [];
  let mode: SignResult["mode"];
  if (options.key) {
    const key = loadPrivateKey(options.key.pem, options.key.file, options.key.password);
    signer = localKeySigner(key);
    mode = "key";
  } else if (options.keyless) {
    const k = options.keyless;
    signer = new FulcioSigner({
      fulcioBaseURL: k.fulcioUrl ?? DEFAULT_FULCIO_URL,
      identityProvider: { getToken: () => Promise.resolve(k.identityToken) },
      timeout: options.timeoutMs ?? 30_000,
      retry: { retries: 2 },
    });
    witnesses = [
      new RekorWitness({
        rekorBaseURL: k.rekorUrl ?? DEFAULT_REKOR_URL,
        entryType: undefined,
        timeout: options.timeoutMs ?? 30_000,
        retry: { retries: 2 },
      }),
    ];
    mode = "keyless";
  } else {
    throw new IagoError("Cannot sign: no key and no OIDC identity token", {
      hint:
        "give --key cosign.key (with COSIGN_PASSWORD for an encrypted key), or set SIGSTORE_ID_TOKEN for keyless signing",
    });
  }
  const payload = simpleSigningPayload(options.reference, digest);
  let bundle;
  try {
    bundle = await new MessageSignatureBundleBuilder({ signer, witnesses })
      .create({ data: Buffer.from(payload) });
  } catch (err) {
    if (err instanceof IagoError) throw err;
    const cause = (err as { cause?: unknown }).cause;
    const why = `${(err as Error).message}${cause instanceof Error ? `: ${cause.message}` : ""}`;
    throw new IagoError(`Cannot sign ${options.reference}@${digest}: ${why}`, {
      hint: mode === "keyless"
        ? "check SIGSTORE_ID_TOKEN (it expires after minutes) and that Fulcio and Rekor are reachable"
        : undefined,
      cause: err,
    });
  }
  const json = toBundleV03(bundleToJSON(bundle) as unknown as SerializedBundle);
  const signature = json.messageSignature.signature;
  const certDer = json.verificationMaterial.certificate?.rawBytes ??
    json.verificationMaterial.x509CertificateChain?.certificates?.[0]?.rawBytes;
  const entry = json.verificationMaterial.tlogEntries?.[0];
  // Protobuf JSON leaves out zero values: the first entry of a log has no logIndex.
  const tlog = entry && { ...entry, logIndex: entry.logIndex ?? "0" };
  await attachSignature(client, repo, digest, {
    payload,
    signature,
    certificate: certDer ? toPem(certDer) : undefined,
    bundle: tlog?.inclusionPromise
      ? JSON.stringify({
        SignedEntryTimestamp: tlog.inclusionPromise.signedEntryTimestamp,
        Payload: {
          body: tlog.canonicalizedBody,
          integratedTime: Number(tlog.integratedTime),
          logIndex: Number(tlog.logIndex),
          logID: Buffer.from(tlog.logId.keyId, "base64").toString("hex"),
        },
      })
      : undefined,
  });
  const bundleDigest = await attachBundle(client, repo, digest, json);
  return { mode, signatureTag: signatureTag(digest), bundleDigest, logIndex: tlog?.logIndex };
}

/**
 * The builder makes a v0.2 bundle (certificate chain); cosign's OCI format carries v0.3, which
 * holds the leaf certificate alone.
 */
function toBundleV03(b: SerializedBundle): SerializedBundle {
  const { x509CertificateChain, ...material } = b.verificationMaterial;
  const leaf = x509CertificateChain?.certificates?.[0];
  return {
    ...b,
    mediaType: BUNDLE_MEDIA_TYPE,
    verificationMaterial: leaf ? { ...material, certificate: leaf } : material,
  };
}

/** Pushes the Sigstore bundle as a referrer of the image (empty config, one bundle layer). */
async function attachBundle(
  client: RegistryClient,
  repo: string,
  digest: string,
  bundle: SerializedBundle,
): Promise<string> {
  const subject = await client.getManifest(repo, digest);
  const bundleBytes = new TextEncoder().encode(JSON.stringify(bundle));
  const empty = new TextEncoder().encode("{}");
  const bundleDesc = {
    mediaType: BUNDLE_MEDIA_TYPE,
    digest: sha256(bundleBytes),
    size: bundleBytes.length,
  };
  const emptyDesc = { mediaType: EMPTY_CONFIG, digest: sha256(empty), size: empty.length };
  await client.pushBlob(repo, bundleDesc, () => streamOf(bundleBytes));
  await client.pushBlob(repo, emptyDesc, () => streamOf(empty));
  const manifest = {
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    artifactType: BUNDLE_MEDIA_TYPE,
    config: emptyDesc,
    layers: [bundleDesc],
    subject: { mediaType: subject.mediaType, digest, size: subject.bytes.length },
    annotations: { "dev.sigstore.bundle.content": "message-signature" },
  };
  return await pushReferrer(client, repo, digest, {
    bytes: new TextEncoder().encode(JSON.stringify(manifest)),
    mediaType: manifest.mediaType,
    artifactType: BUNDLE_MEDIA_TYPE,
  });
}

/** A Sigstore signer over a local key; the key hint is the SHA-256 of its public key DER. */
function localKeySigner(key: KeyObject): Signer {
  const pem = publicKeyPem(key);
  const hint = createHash("sha256").update(
    Buffer.from(pem.replace(/-----[A-Z ]+-----|\s/g, ""), "base64"),
  ).digest("hex");
  return {
    sign: (data: Buffer) =>
      Promise.resolve({
        signature: cryptoSign("sha256", data, key),
        key: { $case: "publicKey" as const, publicKey: pem, hint },
      }),
  };
}

function toPem(derBase64: string): string {
  const body = derBase64.replace(/.{64}/g, "$&\n").trimEnd();
  return `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;
}

/** The parts of a serialized bundle this module reads. */
export interface SerializedBundle {
  mediaType: string;
  messageSignature: { messageDigest: { algorithm: string; digest: string }; signature: string };
  verificationMaterial: {
    publicKey?: { hint: string };
    certificate?: { rawBytes: string };
    x509CertificateChain?: { certificates: { rawBytes: string }[] };
    tlogEntries?: {
      logIndex?: string;
      logId: { keyId: string };
      integratedTime: string;
      inclusionPromise?: { signedEntryTimestamp: string };
      canonicalizedBody: string;
    }[];
  };
}
