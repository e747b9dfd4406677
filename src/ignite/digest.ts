/**
 * The digest that tells which Ignition config provisioned a machine: every config iago writes
 * carries `/etc/iago/ignition.digest`, the SHA-256 of the config's canonical JSON (keys sorted,
 * no blanks) computed without that file. `iago status` reads the file over SSH and compares it
 * with the same digest of `output/ignition/NAME.ign`, so a machine provisioned from an older
 * config shows as such. Canonical JSON keeps the digest independent of how the file is printed.
 */
import { sha256Digest } from "../oci/digest.ts";
import type { ButaneConfig } from "../types.ts";

export const IGNITION_DIGEST_PATH = "/etc/iago/ignition.digest";

/** `sha256:<hex>` of Ignition config `config` (parsed JSON) without the digest file. */
export function ignitionDigest(config: unknown): string {
  return sha256Digest(canonicalJson(withoutDigestFile(config)));
}

/** `config` (a merged Butane document) with the digest file added (0644, `DIGEST\n`). */
export function addDigestFile(config: ButaneConfig, digest: string): ButaneConfig {
  const storage = (config.storage ?? {}) as Record<string, unknown>;
  const files = Array.isArray(storage.files) ? storage.files : [];
  return {
    ...config,
    storage: {
      ...storage,
      files: [...files, {
        path: IGNITION_DIGEST_PATH,
        mode: 0o644,
        contents: { inline: `${digest}\n` },
      }],
    },
  } as ButaneConfig;
}

function withoutDigestFile(config: unknown): unknown {
  const c = config as { storage?: { files?: { path?: string }[] } };
  if (!Array.isArray(c?.storage?.files)) return config;
  return {
    ...c,
    storage: {
      ...c.storage,
      files: c.storage.files.filter((f) => f.path !== IGNITION_DIGEST_PATH),
    },
  };
}

function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  if (typeof v === "object" && v !== null) {
    const o = v as Record<string, unknown>;
    return `{${
      Object.keys(o).sort().filter((k) => o[k] !== undefined).map((k) =>
        `${JSON.stringify(k)}:${canonicalJson(o[k])}`
      ).join(",")
    }}`;
  }
  return JSON.stringify(v);
}
