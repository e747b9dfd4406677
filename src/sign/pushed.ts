/**
 * `build --sign`: after the pushes, sign each pushed image's manifest digest. A signing
 * failure is reported per container like a build failure; the image stays pushed.
 */
import { IagoError, UsageError } from "../errors.ts";
import type { RegistryClient } from "../registry/client.ts";
import { type SigningMaterial, signingMaterial } from "./options.ts";
import { signImage, type SignResult } from "./sign.ts";

/** The parts of a build outcome signing needs. */
export interface PushedImage {
  name: string;
  status: string;
  /** `registry/repository` */
  image?: string;
  digest?: string;
  client?: RegistryClient;
  repository?: string;
}

/**
 * The signing material for `build --sign [--key FILE]`, read before anything is built so a
 * missing key or token fails fast; undefined without `--sign`.
 */
export async function buildSigning(
  flags: { sign: boolean; key?: string; push: boolean },
  baseDir: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<SigningMaterial | undefined> {
  if (flags.key && !flags.sign) {
    throw new UsageError("--key is for signing", {
      hint: "add --sign: iago build NAME --sign --key cosign.key",
    });
  }
  if (!flags.sign) return undefined;
  if (!flags.push) {
    throw new UsageError("--sign needs a pushed image", {
      hint: "drop --no-push (signatures are stored in the registry next to the image)",
    });
  }
  return await signingMaterial({ keyFile: flags.key, baseDir, env });
}

/** Signs every pushed image; returns one entry per image (result or error). */
export async function signPushed(
  images: PushedImage[],
  material: SigningMaterial,
): Promise<
  { name: string; image: string; digest: string; result?: SignResult; error?: unknown }[]
> {
  const out = [];
  for (const img of images) {
    if (img.status !== "pushed") continue;
    if (!img.client || !img.repository || !img.digest || !img.image) {
      out.push({
        name: img.name,
        image: img.image ?? img.name,
        digest: img.digest ?? "",
        error: new IagoError(`Cannot sign ${img.name}: the build did not report where it pushed`),
      });
      continue;
    }
    try {
      const result = await signImage({
        client: img.client,
        repo: img.repository,
        digest: img.digest,
        reference: img.image,
        ...material,
      });
      out.push({ name: img.name, image: img.image, digest: img.digest, result });
    } catch (error) {
      out.push({ name: img.name, image: img.image, digest: img.digest, error });
    }
  }
  return out;
}
