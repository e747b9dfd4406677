/**
 * What the ignite tests share: a workspace made by the real `iago init`, a stand-in for
 * github.com on 127.0.0.1, and the real `ignition-validate`.
 */
import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import { join } from "node:path";
import { iago } from "../helpers/cli.ts";

/** A stand-in for github.com on 127.0.0.1: `USER.keys` per the map, 404 otherwise. */
export function keyServer(keys: Record<string, string>, status?: () => number) {
  const requests: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const path = new URL(req.url).pathname;
    requests.push(path);
    const forced = status?.();
    if (forced) return new Response("down", { status: forced });
    const user = /^\/([^/]+)\.keys$/.exec(path)?.[1];
    return user && user in keys
      ? new Response(keys[user])
      : new Response("Not Found", { status: 404 });
  });
  return { url: `http://127.0.0.1:${server.addr.port}`, requests, server };
}

export const KEY =
  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGl0ZXN0a2V5YWFhYWFhYWFhYWFhYWFhYWFhYWFh me@laptop";

/** `config/defaults.toml` for tests: fixed accounts, the given extra TOML appended per section. */
export function defaultsToml(user: Record<string, string> = {}, extra = ""): string {
  const fields = { username: "core", github_username: "", password_hash: "", ...user };
  const lines = Object.entries(fields).map(([k, v]) => `${k} = ${JSON.stringify(v)}`);
  return `[user]\n${
    lines.join("\n")
  }\ngroups = ["wheel"]\n\n[admin]\nusername = "admin"\ngroups = ["wheel"]\n\n` +
    `[container_registry]\nurl = "registry.example.org/fleet"\n${extra}`;
}

/**
 * Creates machines with the real `iago init --machine-only` in `root`, then writes
 * `config/defaults.toml` and removes what init generated (output/, .iago/), so tests start
 * from machine definitions only. `machines` maps name → extra machine.toml lines.
 */
export async function makeWorkspace(
  root: string,
  machines: Record<string, string>,
  defaults = defaultsToml(),
): Promise<void> {
  for (const [name, extra] of Object.entries(machines)) {
    const r = await iago(["init", "--machine-only", "--generate-mac=false", name], { cwd: root });
    assert.equal(r.code, 0, r.stderr);
    if (extra) {
      const file = join(root, "machines", name, "machine.toml");
      const text = (await Deno.readTextFile(file)).replace(/^workloads = \[\]\n/m, "");
      await Deno.writeTextFile(file, `${text}${extra}\n`);
    }
  }
  await Deno.writeTextFile(join(root, "config", "defaults.toml"), defaults);
  await Deno.remove(join(root, "output"), { recursive: true }).catch(() => {});
  await Deno.remove(join(root, ".iago"), { recursive: true }).catch(() => {});
}

/**
 * Runs the real `ignition-validate` on a copy of `json` whose 3.4.0 is `3.4.0-experimental`
 * (Ignition 2.14 knows 3.4.0 only by that name). Fails the test with its report.
 */
export async function assertValidIgnition(json: string, label: string): Promise<void> {
  const copy = await Deno.makeTempFile({ suffix: ".ign" });
  try {
    const config = JSON.parse(json);
    assert.equal(config.ignition.version, "3.4.0");
    config.ignition.version = "3.4.0-experimental";
    await Deno.writeTextFile(copy, JSON.stringify(config));
    let out: Deno.CommandOutput;
    try {
      out = await new Deno.Command("ignition-validate", {
        args: [copy],
        stdout: "piped",
        stderr: "piped",
      })
        .output();
    } catch (err) {
      throw new Error(`ignition-validate is needed (apt-get install ignition): ${err}`);
    }
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, `${label}: ignition-validate failed:\n${text}`);
    assert.equal(text.trim(), "", `${label}: ignition-validate warned:\n${text}`);
  } finally {
    await Deno.remove(copy);
  }
}

/** Every file under `dir` with its content, for "nothing changed" checks. */
export async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string) => {
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(d));
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory) await walk(p);
      else if (e.isFile && !e.name.endsWith(".lock")) {
        out[p.slice(dir.length + 1)] = await Deno.readTextFile(p);
      }
    }
  };
  await walk(dir);
  return out;
}

export interface IgnFile {
  path: string;
  mode?: number;
  contents?: { source?: string; compression?: string };
}

/** The contents of a file of an Ignition config (data URL, gzip or not). */
export function fileData(
  config: { storage: { files: IgnFile[] } },
  path: string,
): string | undefined {
  const f = config.storage.files.find((x) => x.path === path);
  if (!f?.contents?.source) return undefined;
  const src = f.contents.source;
  const comma = src.indexOf(",");
  const data = src.slice(comma + 1);
  const bytes = src.slice(5, comma).endsWith(";base64")
    ? Uint8Array.from(atob(data), (c) => c.charCodeAt(0))
    : new TextEncoder().encode(decodeURIComponent(data));
  return new TextDecoder().decode(f.contents.compression === "gzip" ? gunzipSync(bytes) : bytes);
}
