/** SHA-256 digests in the `sha256:<hex>` form the OCI specs use. */
import { createHash, type Hash } from "node:crypto";

/** The digest of some bytes. */
export function sha256Digest(bytes: Uint8Array | string): string {
  return "sha256:" + createHash("sha256").update(bytes).digest("hex");
}

/** An incremental SHA-256 that also counts bytes, for hashing a stream in one pass. */
export class DigestCounter {
  #hash: Hash = createHash("sha256");
  size = 0;

  update(chunk: Uint8Array): void {
    this.#hash.update(chunk);
    this.size += chunk.length;
  }

  /** The `sha256:<hex>` digest; call once, at the end. */
  digest(): string {
    return "sha256:" + this.#hash.digest("hex");
  }
}

const DIGEST_PATTERN = /^sha256:[0-9a-f]{64}$/;

/** True for a well-formed sha256 digest. */
export function isDigest(s: string): boolean {
  return DIGEST_PATTERN.test(s);
}

/** The hex part of a digest (the file name in an OCI layout). */
export function digestHex(digest: string): string {
  if (!isDigest(digest)) throw new Error(`Cannot use digest "${digest}": not sha256:<64 hex>`);
  return digest.slice("sha256:".length);
}
