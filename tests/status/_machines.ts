/**
 * Machines for the `iago status` tests, played by a stub `ssh` on PATH (stubs/) that runs the
 * real probe script over a directory per machine, and a workspace whose image is in a real
 * registry.
 */
import assert from "node:assert/strict";
import { iago } from "../helpers/cli.ts";
import { writeTree } from "../oci/fixtures.ts";

export const STUBS = new URL("./stubs", import.meta.url).pathname;
const HASH =
  "$6$saltsalt$0mPDkZs0x0O8C6F0b6eGvL8v0pQ0bY2rY2eR2aB7lJ0Yy3vJ8y8m0f0Q7w1kS6n5f4d3c2b1a0z9y8x7w6v5u.";
export interface Machine {
  image: string;
  running?: string;
  health?: string;
  units?: string;
  state?: string;
  digest?: string;
  noSudo?: boolean;
  hang?: boolean;
}

/** A machine's root as probe.sh reads it, and what the stubs answer. */
export async function machineRoot(dir: string, name: string, m: Machine): Promise<void> {
  const files: Record<string, string> = {
    [`etc/iago/containers/${name}.env`]:
      `CONTAINER_IMAGE=${m.image}\nCONTAINER_NAME=bootc-${name}\nUPDATE_STRATEGY=latest\n`,
    "stub/units": m.units ?? `bootc@${name}.service active\n`,
  };
  if (m.digest) files["etc/iago/ignition.digest"] = `${m.digest}\n`;
  if (m.state) files[`var/lib/iago/bootc-update/${name}.state`] = m.state;
  if (m.noSudo) files["stub/no-sudo"] = "";
  if (m.hang) files["stub/hang"] = "";
  if (m.running) {
    files[`stub/container-bootc-${name}.json`] = JSON.stringify(
      [{
        Name: `bootc-${name}`,
        Image: "3f1c0a9e2b7d",
        ImageDigest: m.running,
        State: { Status: "running", Running: true, Health: { Status: m.health ?? "healthy" } },
      }],
      null,
      2,
    );
    files["stub/image.json"] = JSON.stringify([{ Id: "3f1c0a9e2b7d", Digest: m.running }]);
  }
  await writeTree(dir, files);
}

export function state(fields: Record<string, string>): string {
  return "# iago: update state\nSTATE_FORMAT=1\n" +
    Object.entries(fields).map(([k, v]) => `${k}=${v.includes(" ") ? `"${v}"` : v}`).join("\n") +
    "\n";
}

/** A workspace whose machines `names` run `HOST/fleet/web`, ignited, the image built and pushed. */
export async function fleet(ws: string, host: string, names: readonly string[]): Promise<void> {
  const machines: Record<string, string> = {
    "config/defaults.toml":
      `[user]\nusername = "core"\npassword_hash = "${HASH}"\n\n[admin]\npassword_hash = "${HASH}"\n\n[container_registry]\nurl = "${host}/fleet"\n`,
    "containers/web/Containerfile": "FROM scratch\nCOPY app.conf /etc/app.conf\n",
    "containers/web/app.conf": "v1\n",
  };
  for (const n of names) {
    machines[`machines/${n}/machine.toml`] =
      `name = "${n}"\nfqdn = "${n}.test"\ncontainer_image = "${host}/fleet/web"\n`;
    machines[`machines/${n}/butane.yaml.tmpl`] = "variant: fcos\nversion: 1.5.0\n";
  }
  await writeTree(ws, machines);
  const env = { IAGO_GITHUB_URL: "http://127.0.0.1:9" };
  for (const args of [["ignite", "--all"], ["build", "web"]]) {
    const r = await iago(args, { cwd: ws, env });
    assert.equal(r.code, 0, r.stderr);
  }
}

/** What `fleet/web:latest` points at in the registry now. */
export async function tagDigest(host: string): Promise<string> {
  const res = await fetch(`http://${host}/v2/fleet/web/manifests/latest`, {
    method: "HEAD",
    headers: { accept: "application/vnd.oci.image.manifest.v1+json" },
  });
  return res.headers.get("docker-content-digest")!;
}
