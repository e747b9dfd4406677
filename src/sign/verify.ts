/**
 * Verifying an image's cosign signatures: each payload must name the image's current digest
 * and carry a signature that verifies, either with a public key or, keyless, with a Fulcio
 * certificate that chains to a trusted root, names the expected identity and OIDC issuer, and
 * whose Rekor entry is promised by a signed entry timestamp from the trusted log key.
 */
import { Buffer } from "node:buffer";
import { createHash, type KeyObject, verify as cryptoVerify, X509Certificate } from "node:crypto";
import type { RegistryClient } from "../registry/client.ts";
import { type CosignSignature, readSignatures } from "./cosign.ts";

export interface KeylessPolicy {
  /** Exact SAN (email or URI) the certificate must name; or a regular expression. */
  identity: string | RegExp;
  /** The OIDC issuer the certificate must name. */
  issuer: string;
  /** Trusted Fulcio root and intermediate certificates. */
  roots: X509Certificate[];
  /** The Rekor log's public key. */
  rekorKey: KeyObject;
}

export interface VerifyImageOptions {
  client: RegistryClient;
  repo: string;
  digest: string;
  publicKey?: KeyObject;
  keyless?: KeylessPolicy;
}

export interface VerifyResult {
  /** Signatures that verified. */
  verified: number;
  /** Signatures found under the `.sig` tag. */
  total: number;
  /** Why each signature that did not verify failed. */
  problems: string[];
  /** Signatures whose payload names another digest (copied or tampered with). */
  otherDigest: number;
}

/** Checks every stored signature of `digest`; the image is trusted when `verified > 0`. */
export async function verifyImage(options: VerifyImageOptions): Promise<VerifyResult> {
  const sigs = await readSignatures(options.client, options.repo, options.digest);
  const problems: string[] = [];
  let verified = 0;
  let otherDigest = 0;
  sigs.forEach((sig, i) => {
    const problem = checkSignature(sig, options);
    if (problem) problems.push(`signature ${i + 1}: ${problem}`);
    else verified++;
    if (problem?.startsWith("it signs ")) otherDigest++;
  });
  return { verified, total: sigs.length, problems, otherDigest };
}

/** Why `sig` does not verify for `digest`, or undefined when it does. */
export function checkSignature(
  sig: CosignSignature,
  options: Pick<VerifyImageOptions, "digest" | "publicKey" | "keyless">,
): string | undefined {
  let payload;
  try {
    payload = JSON.parse(new TextDecoder().decode(sig.payload));
  } catch {
    return "the payload is not JSON";
  }
  if (payload?.critical?.type !== "cosign container image signature") {
    return "the payload is not a cosign image signature";
  }
  const signed = payload.critical.image?.["docker-manifest-digest"];
  if (signed !== options.digest) return `it signs ${signed}, not ${options.digest}`;
  const signature = Buffer.from(sig.signature, "base64");
  if (options.publicKey) {
    return cryptoVerify("sha256", sig.payload, options.publicKey, signature)
      ? undefined
      : "the signature does not verify with the given key";
  }
  if (options.keyless) return checkKeyless(sig, signature, options.keyless);
  return "no key or identity to verify with";
}

function checkKeyless(
  sig: CosignSignature,
  signature: Buffer,
  policy: KeylessPolicy,
): string | undefined {
  if (!sig.certificate) return "it has no certificate (signed with a key?)";
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(sig.certificate);
  } catch {
    return "its certificate cannot be read";
  }
  if (!cryptoVerify("sha256", sig.payload, cert.publicKey, signature)) {
    return "the signature does not verify with its certificate";
  }
  const chainProblem = checkChain(cert, policy.roots);
  if (chainProblem) return chainProblem;
  const sans = (cert.subjectAltName ?? "").split(", ").map((s) => s.replace(/^(email|URI):/, ""));
  const identityOk = sans.some((s) =>
    typeof policy.identity === "string" ? s === policy.identity : policy.identity.test(s)
  );
  if (!identityOk) return `the certificate is for ${sans.join(", ") || "no identity"}`;
  const issuer = oidcIssuer(cert);
  if (issuer !== policy.issuer) return `the certificate's OIDC issuer is ${issuer ?? "missing"}`;
  if (!sig.bundle) return "it has no Rekor bundle";
  let bundle;
  try {
    bundle = JSON.parse(sig.bundle);
  } catch {
    return "its Rekor bundle is not JSON";
  }
  const p = bundle?.Payload;
  const set = Buffer.from(String(bundle?.SignedEntryTimestamp ?? ""), "base64");
  const canonical = JSON.stringify({
    body: p?.body,
    integratedTime: p?.integratedTime,
    logID: p?.logID,
    logIndex: p?.logIndex,
  });
  if (!cryptoVerify("sha256", Buffer.from(canonical), policy.rekorKey, set)) {
    return "its Rekor entry timestamp does not verify with the Rekor key";
  }
  const at = Number(p.integratedTime) * 1000;
  if (!(at >= Date.parse(cert.validFrom) && at <= Date.parse(cert.validTo))) {
    return "it was logged outside the certificate's validity";
  }
  let entry;
  try {
    entry = JSON.parse(Buffer.from(String(p.body), "base64").toString());
  } catch {
    return "its Rekor entry cannot be read";
  }
  const hash = createHash("sha256").update(sig.payload).digest("hex");
  if (
    entry?.spec?.data?.hash?.value !== hash || entry?.spec?.signature?.content !== sig.signature
  ) {
    return "its Rekor entry is for another signature";
  }
  return undefined;
}

function checkChain(leaf: X509Certificate, roots: X509Certificate[]): string | undefined {
  let cert = leaf;
  for (let depth = 0; depth < 5; depth++) {
    const issuer = roots.find((r) => cert.checkIssued(r) && cert.verify(r.publicKey));
    if (!issuer) return "its certificate does not chain to a trusted root";
    if (issuer.checkIssued(issuer)) return undefined;
    cert = issuer;
  }
  return "its certificate chain is too long";
}

// 1.3.6.1.4.1.57264.1.1 (raw string, deprecated) and 1.3.6.1.4.1.57264.1.8 (UTF8String).
const ISSUER_V1 = Buffer.from("060a2b0601040183bf300101", "hex");
const ISSUER_V2 = Buffer.from("060a2b0601040183bf300108", "hex");

/** The OIDC issuer Fulcio wrote into the certificate. */
export function oidcIssuer(cert: X509Certificate): string | undefined {
  const der = cert.raw;
  for (const [oid, wrapped] of [[ISSUER_V2, true], [ISSUER_V1, false]] as const) {
    const at = der.indexOf(oid);
    if (at === -1) continue;
    let i = at + oid.length;
    if (der[i] === 0x01) i += 3; // critical BOOLEAN
    if (der[i] !== 0x04) continue;
    const [len, start] = derLength(der, i + 1);
    let value = der.subarray(start, start + len);
    if (wrapped) {
      if (value[0] !== 0x0c) continue;
      const [l2, s2] = derLength(value, 1);
      value = value.subarray(s2, s2 + l2);
    }
    return value.toString("utf8");
  }
  return undefined;
}

function derLength(buf: Buffer, at: number): [number, number] {
  const first = buf[at];
  if (first < 0x80) return [first, at + 1];
  const n = first & 0x7f;
  let len = 0;
  for (let k = 0; k < n; k++) len = len * 256 + buf[at + 1 + k];
  return [len, at + 1 + n];
}
