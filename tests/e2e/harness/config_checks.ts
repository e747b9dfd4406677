/**
 * What an Ignition config leaves on a machine, as lines a probe checks inside the VM: each file
 * (`f PATH SHA256 MODE`), link (`l PATH TARGET`), enabled unit (`u NAME`) and user (`p NAME`).
 */
import { createHash } from "node:crypto";
import { gunzipSync } from "node:zlib";

export interface IgnitionConfig {
  storage?: {
    files?: { path: string; mode?: number; contents?: { source?: string; compression?: string } }[];
    links?: { path: string; target: string }[];
  };
  systemd?: { units?: { name: string; enabled?: boolean }[] };
  passwd?: { users?: { name: string }[] };
}

/** The check lines of `config`, one a line; files as their decoded contents' SHA-256. */
export function configChecks(config: IgnitionConfig): string {
  const lines: string[] = [];
  for (const f of config.storage?.files ?? []) {
    const src: string = f.contents?.source ?? "data:,";
    const comma = src.indexOf(",");
    let bytes: Uint8Array = src.slice(5, comma).endsWith(";base64")
      ? Uint8Array.from(atob(src.slice(comma + 1)), (c) => c.charCodeAt(0))
      : new TextEncoder().encode(decodeURIComponent(src.slice(comma + 1)));
    if (f.contents?.compression === "gzip") bytes = new Uint8Array(gunzipSync(bytes));
    const sum = createHash("sha256").update(bytes).digest("hex");
    const mode = (f.mode ?? 0o644).toString(8);
    lines.push(`f ${f.path} ${sum} ${mode}`);
  }
  for (const l of config.storage?.links ?? []) lines.push(`l ${l.path} ${l.target}`);
  for (const u of config.systemd?.units ?? []) if (u.enabled) lines.push(`u ${u.name}`);
  for (const u of config.passwd?.users ?? []) lines.push(`p ${u.name}`);
  return lines.join("\n");
}
