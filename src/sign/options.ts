/**
 * Where signing and verification material comes from: `--key FILE` (with `COSIGN_PASSWORD`),
 * or keyless: the OIDC token from `SIGSTORE_ID_TOKEN` or the CI (GitHub Actions), Fulcio and
 * Rekor at `SIGSTORE_FULCIO_URL` / `SIGSTORE_REKOR_URL` (default: the public Sigstore), and for
 * verification the trust roots cosign reads too: `SIGSTORE_ROOT_FILE` (PEM certificates) and
 * `SIGSTORE_REKOR_PUBLIC_KEY` (PEM key file).
 */
import { createPublicKey, X509Certificate } from "node:crypto";
import { resolve } from "node:path";
import { IagoError, UsageError } from "../errors.ts";
import { loadPublicKey } from "./keys.ts";
import type { KeylessOptions } from "./sign.ts";
import type { KeylessPolicy } from "./verify.ts";

type Env = Readonly<Record<string, string | undefined>>;

export interface SigningMaterial {
  key?: { pem: string; file: string; password?: string };
  keyless?: KeylessOptions;
}

/**
 * Reads `--key FILE` (relative to `baseDir`) or gathers keyless options. Throws an `IagoError`
 * when the key file cannot be read or no OIDC token can be had.
 */
export async function signingMaterial(
  options: { keyFile?: string; baseDir: string; env: Env },
): Promise<SigningMaterial> {
  const { env } = options;
  if (options.keyFile) {
    const path = resolve(options.baseDir, options.keyFile);
    return {
      key: {
        pem: await readKeyFile(path, options.keyFile),
        file: options.keyFile,
        password: env.COSIGN_PASSWORD,
      },
    };
  }
  return {
    keyless: {
      identityToken: await oidcToken(env),
      fulcioUrl: env.SIGSTORE_FULCIO_URL || undefined,
      rekorUrl: env.SIGSTORE_REKOR_URL || undefined,
    },
  };
}

/** The OIDC identity token for keyless signing: `SIGSTORE_ID_TOKEN`, else GitHub Actions'. */
export async function oidcToken(env: Env): Promise<string> {
  if (env.SIGSTORE_ID_TOKEN) return env.SIGSTORE_ID_TOKEN;
  const url = env.ACTIONS_ID_TOKEN_REQUEST_URL;
  const bearer = env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
  if (url && bearer) {
    const u = new URL(url);
    u.searchParams.set("audience", "sigstore");
    const res = await fetch(u, {
      headers: { authorization: `Bearer ${bearer}` },
      signal: AbortSignal.timeout(30_000),
    }).catch(() => undefined);
    const json = res?.ok ? await res.json().catch(() => undefined) : undefined;
    if (typeof json?.value === "string") return json.value;
    throw new IagoError("Cannot get an OIDC token from GitHub Actions for keyless signing", {
      hint: "give the workflow `permissions: id-token: write`, or set SIGSTORE_ID_TOKEN",
    });
  }
  throw new IagoError("Cannot sign keyless: no OIDC identity token", {
    hint:
      "set SIGSTORE_ID_TOKEN (or run in GitHub Actions with id-token: write), or sign with --key cosign.key",
  });
}

export interface VerificationFlags {
  keyFile?: string;
  identity?: string;
  identityRegexp?: string;
  issuer?: string;
}

/** The public key or keyless policy `iago verify` checks with; throws a `UsageError` when unclear. */
export async function verificationPolicy(
  flags: VerificationFlags,
  baseDir: string,
  env: Env,
): Promise<
  { publicKey?: ReturnType<typeof loadPublicKey>; keyless?: KeylessPolicy; describe: string }
> {
  const keyless = flags.identity !== undefined || flags.identityRegexp !== undefined ||
    flags.issuer !== undefined;
  if (flags.keyFile && keyless) {
    throw new UsageError(
      "Give --key or --certificate-identity/--certificate-oidc-issuer, not both",
    );
  }
  if (flags.keyFile) {
    const path = resolve(baseDir, flags.keyFile);
    return {
      publicKey: loadPublicKey(await readKeyFile(path, flags.keyFile), flags.keyFile),
      describe: `key ${flags.keyFile}`,
    };
  }
  if (!keyless) {
    throw new UsageError("Nothing to verify with", {
      hint:
        "give --key cosign.pub, or --certificate-identity ID --certificate-oidc-issuer URL for keyless signatures",
    });
  }
  if ((flags.identity === undefined) === (flags.identityRegexp === undefined) || !flags.issuer) {
    throw new UsageError(
      "Keyless verification needs one of --certificate-identity or --certificate-identity-regexp, and --certificate-oidc-issuer",
    );
  }
  let identity: string | RegExp;
  if (flags.identityRegexp !== undefined) {
    try {
      identity = new RegExp(flags.identityRegexp);
    } catch (err) {
      throw new UsageError(`Invalid --certificate-identity-regexp: ${(err as Error).message}`);
    }
  } else {
    identity = flags.identity!;
  }
  const rootFile = env.SIGSTORE_ROOT_FILE;
  const rekorFile = env.SIGSTORE_REKOR_PUBLIC_KEY;
  if (!rootFile || !rekorFile) {
    throw new IagoError("Cannot verify keyless signatures: no Sigstore trust roots", {
      hint:
        "set SIGSTORE_ROOT_FILE (Fulcio root and intermediate certificates, PEM) and SIGSTORE_REKOR_PUBLIC_KEY (Rekor's public key, PEM)",
    });
  }
  const rootsPem = await readKeyFile(rootFile, rootFile);
  const roots = [
    ...rootsPem.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g),
  ]
    .map((m) => new X509Certificate(m[0]));
  if (roots.length === 0) {
    throw new IagoError(`Cannot read trust roots from ${rootFile}: no PEM certificates in it`);
  }
  let rekorKey;
  try {
    rekorKey = createPublicKey(await readKeyFile(rekorFile, rekorFile));
  } catch (err) {
    if (err instanceof IagoError) throw err;
    throw new IagoError(`Cannot read the Rekor public key ${rekorFile}: ${(err as Error).message}`);
  }
  return {
    keyless: { identity, issuer: flags.issuer, roots, rekorKey },
    describe: `identity ${flags.identity ?? `/${flags.identityRegexp}/`} from ${flags.issuer}`,
  };
}

async function readKeyFile(path: string, shown: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new IagoError(`Cannot read ${shown}: no such file`, {
        hint:
          "give the path of the PEM file (cosign generate-key-pair makes cosign.key and cosign.pub)",
      });
    }
    throw new IagoError(`Cannot read ${shown}: ${(err as Error).message}`);
  }
}
