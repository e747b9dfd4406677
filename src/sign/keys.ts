/**
 * Signing keys: PEM ECDSA P-256 keys (PKCS#8 `PRIVATE KEY`, SEC1 `EC PRIVATE KEY`) and cosign's
 * own encrypted format (`ENCRYPTED SIGSTORE PRIVATE KEY`, formerly `ENCRYPTED COSIGN PRIVATE
 * KEY`): a JSON envelope holding the PKCS#8 DER sealed with NaCl secretbox (XSalsa20-Poly1305)
 * under a key derived from the password with scrypt.
 */
import { Buffer } from "node:buffer";
import {
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  randomBytes,
  scryptSync,
} from "node:crypto";
import { IagoError } from "../errors.ts";
import { NONCE_LENGTH, open, seal } from "./secretbox.ts";

const ENCRYPTED_LABELS = ["ENCRYPTED SIGSTORE PRIVATE KEY", "ENCRYPTED COSIGN PRIVATE KEY"];

/**
 * Reads a private signing key from PEM text. `password` opens cosign's encrypted keys (from
 * `COSIGN_PASSWORD`). Throws an `IagoError` naming `file` when the key cannot be used.
 */
export function loadPrivateKey(pem: string, file: string, password?: string): KeyObject {
  const label = /-----BEGIN ([A-Z0-9 ]+)-----/.exec(pem)?.[1];
  let key: KeyObject;
  if (label && ENCRYPTED_LABELS.includes(label)) {
    if (password === undefined) {
      throw new IagoError(`Cannot read signing key ${file}: it is encrypted`, {
        hint: "set COSIGN_PASSWORD to the key's password",
      });
    }
    const der = decryptCosignKey(pemBody(pem, label), password, file);
    key = createPrivateKey({ key: Buffer.from(der), format: "der", type: "pkcs8" });
  } else if (label === "PRIVATE KEY" || label === "EC PRIVATE KEY") {
    try {
      key = createPrivateKey(pem);
    } catch (err) {
      throw new IagoError(`Cannot read signing key ${file}: ${(err as Error).message}`, {
        hint:
          "give an ECDSA P-256 key in PEM (openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256)",
      });
    }
  } else if (label === "ENCRYPTED PRIVATE KEY") {
    try {
      key = createPrivateKey({ key: pem, passphrase: password ?? "" });
    } catch {
      throw new IagoError(`Cannot read signing key ${file}: wrong password or damaged key`, {
        hint: "set COSIGN_PASSWORD to the key's password",
      });
    }
  } else {
    throw new IagoError(`Cannot read signing key ${file}: no PEM private key in it`, {
      hint:
        'expected "-----BEGIN PRIVATE KEY-----" (PKCS#8) or a cosign key ("ENCRYPTED SIGSTORE PRIVATE KEY")',
    });
  }
  checkP256(key, file);
  return key;
}

/** Reads a public key (PEM `PUBLIC KEY`, as `cosign.pub`); throws an `IagoError` naming `file`. */
export function loadPublicKey(pem: string, file: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (err) {
    throw new IagoError(`Cannot read public key ${file}: ${(err as Error).message}`, {
      hint: 'expected "-----BEGIN PUBLIC KEY-----" (for example cosign.pub)',
    });
  }
  checkP256(key, file);
  return key;
}

function checkP256(key: KeyObject, file: string): void {
  if (key.asymmetricKeyType !== "ec" || key.asymmetricKeyDetails?.namedCurve !== "prime256v1") {
    throw new IagoError(`Cannot use key ${file}: it is not an ECDSA P-256 key`, {
      hint: "cosign signatures use ECDSA P-256 keys (cosign generate-key-pair makes one)",
    });
  }
}

interface Envelope {
  kdf: { name: string; params: { N: number; r: number; p: number }; salt: string };
  cipher: { name: string; nonce: string };
  ciphertext: string;
}

/** Opens cosign's encrypted key envelope; returns the PKCS#8 DER. */
export function decryptCosignKey(
  envelopeJson: Uint8Array,
  password: string,
  file: string,
): Uint8Array {
  let env: Envelope;
  try {
    env = JSON.parse(new TextDecoder().decode(envelopeJson));
  } catch {
    throw new IagoError(`Cannot read signing key ${file}: the encrypted key is damaged`);
  }
  if (env?.kdf?.name !== "scrypt" || env?.cipher?.name !== "nacl/secretbox") {
    throw new IagoError(
      `Cannot read signing key ${file}: unsupported encryption "${env?.kdf?.name}/${env?.cipher?.name}"`,
    );
  }
  const { N, r, p } = env.kdf.params;
  const secret = scryptSync(password, Buffer.from(env.kdf.salt, "base64"), 32, {
    N,
    r,
    p,
    maxmem: 256 * N * r + 1024 * 1024,
  });
  const opened = open(
    new Uint8Array(Buffer.from(env.ciphertext, "base64")),
    new Uint8Array(Buffer.from(env.cipher.nonce, "base64")),
    new Uint8Array(secret),
  );
  if (!opened) {
    throw new IagoError(`Cannot read signing key ${file}: wrong password`, {
      hint: "set COSIGN_PASSWORD to the password the key was made with",
    });
  }
  return opened;
}

/** Seals a private key the way `cosign generate-key-pair` does; returns the PEM text. */
export function encryptCosignKey(key: KeyObject, password: string): string {
  const der = key.export({ format: "der", type: "pkcs8" });
  const salt = randomBytes(32);
  const nonce = randomBytes(NONCE_LENGTH);
  const params = { N: 32768, r: 8, p: 1 };
  const secret = scryptSync(password, salt, 32, { ...params, maxmem: 256 * params.N * params.r });
  const sealed = seal(new Uint8Array(der), new Uint8Array(nonce), new Uint8Array(secret));
  const envelope = {
    kdf: { name: "scrypt", params, salt: salt.toString("base64") },
    cipher: { name: "nacl/secretbox", nonce: nonce.toString("base64") },
    ciphertext: Buffer.from(sealed).toString("base64"),
  };
  const body = Buffer.from(JSON.stringify(envelope)).toString("base64").replace(/.{64}/g, "$&\n");
  return `-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n${body.trimEnd()}\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n`;
}

/** The PEM public key of a private key. */
export function publicKeyPem(key: KeyObject): string {
  return createPublicKey(key).export({ format: "pem", type: "spki" }).toString();
}

function pemBody(pem: string, label: string): Uint8Array {
  const m = new RegExp(`-----BEGIN ${label}-----([\\s\\S]*?)-----END ${label}-----`).exec(pem);
  return new Uint8Array(Buffer.from((m?.[1] ?? "").replace(/\s+/g, ""), "base64"));
}
