/**
 * The files `iago ignite` gives a machine for its registry, read by the real podman: the
 * registries.conf.d drop-in (plain HTTP), auth.json (the pull account) and the signature policy
 * with sigstore attachments, against the real Distribution registry with htpasswd and images
 * pushed and signed by `iago build --sign --key`. podman runs in a private mount namespace with
 * the machine's /etc/containers bound over the host's, so the host's own config is untouched.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { iago, tempDir } from "../helpers/cli.ts";
import { scratchPodmanArgs } from "../helpers/podman.ts";
import { requireTool, startRegistry } from "../helpers/registry.ts";
import { fileData } from "../ignite/fixtures.ts";
import { makeKeyPair } from "./_keys.ts";

const USER = "fleet";
const PASSWORD = "registry-Pass-7";

interface Pull {
  code: number;
  out: string;
}

Deno.test("podman reads the machine's registry files: plain HTTP, the pull account, and a signature required for the fleet's images", async () => {
  await requireTool("/usr/bin/podman", "podman");
  const registry = await startRegistry({ htpasswd: { user: USER, password: PASSWORD } });
  await using dir = await tempDir();
  try {
    const ws = join(dir.path, "ws");
    await Deno.mkdir(join(ws, "config"), { recursive: true });
    const init = await iago(["init", "--machine-only", "--generate-mac=false", "web"], { cwd: ws });
    assert.equal(init.code, 0, init.stderr);
    await Deno.writeTextFile(
      join(ws, "config/defaults.toml"),
      `[user]\npassword_hash = "$6$salt$hash"\n\n[admin]\npassword_hash = "$6$salt$hash"\n\n` +
        `[container_registry]\nurl = "${registry.host}/fleet"\nusername = "${USER}"\n` +
        `insecure = ["${registry.host}"]\npull_auth = true\npull_username = "${USER}"\n\n` +
        `[signing]\nrequired = true\npublic_key = "cosign.pub"\n`,
    );
    await Deno.mkdir(join(ws, ".iago/secrets/_fleet"), { recursive: true });
    await Deno.writeTextFile(join(ws, ".iago/secrets/_fleet/registry-pull-password"), PASSWORD);
    await makeKeyPair(ws, "cosign");
    await makeKeyPair(ws, "other");
    await Deno.mkdir(join(ws, "containers/web"), { recursive: true });
    await Deno.writeTextFile(join(ws, "containers/web/Containerfile"), "FROM scratch\nCOPY v /v\n");

    const build = async (version: string, args: string[]) => {
      await Deno.writeTextFile(join(ws, "containers/web/v"), `${version}\n`);
      const r = await iago(["build", "web", "--token", PASSWORD, ...args], { cwd: ws });
      assert.equal(r.code, 0, r.stderr);
    };
    await build("signed", ["--sign", "--key", "cosign.key"]);
    await build("unsigned", ["--tag", "unsigned"]);
    await build("other key", ["--tag", "wrongkey", "--sign", "--key", "other.key"]);

    const ignite = await iago(["ignite", "web"], { cwd: ws });
    assert.equal(ignite.code, 0, ignite.stderr);
    const ign = JSON.parse(await Deno.readTextFile(join(ws, "output/ignition/web.ign")));

    // The machine's /etc/containers, as Ignition writes it over the image's own files.
    const etc = join(dir.path, "etc-containers");
    const file = (path: string) => {
      const text = fileData(ign, path);
      assert.ok(text !== undefined, `${path} is in the Ignition file`);
      return text;
    };
    await Deno.mkdir(join(etc, "registries.conf.d"), { recursive: true });
    await Deno.mkdir(join(etc, "registries.d"));
    await Deno.writeTextFile(join(etc, "registries.conf"), "unqualified-search-registries = []\n");
    await Deno.writeTextFile(
      join(etc, "registries.conf.d/50-iago.conf"),
      file("/etc/containers/registries.conf.d/50-iago.conf"),
    );
    await Deno.writeTextFile(
      join(etc, "registries.d/50-iago.yaml"),
      file("/etc/containers/registries.d/50-iago.yaml"),
    );
    await Deno.writeTextFile(join(etc, "auth.json"), file("/etc/containers/auth.json"));
    // The key lives in /etc/pki/containers on the machine; here it sits beside the policy.
    const policy = file("/etc/containers/policy.json");
    assert.match(policy, /"keyPath": "\/etc\/pki\/containers\/iago-fleet\.pub"/);
    await Deno.writeTextFile(join(etc, "fleet.pub"), file("/etc/pki/containers/iago-fleet.pub"));
    await Deno.writeTextFile(
      join(etc, "policy.json"),
      policy.replace("/etc/pki/containers/iago-fleet.pub", "/etc/containers/fleet.pub"),
    );

    const store = join(dir.path, "storage");
    await Deno.mkdir(store);
    const pull = async (tag: string, withAuth = true): Promise<Pull> => {
      const podman = [
        "podman",
        ...scratchPodmanArgs(store),
        "pull",
        "--quiet",
        `${registry.host}/fleet/web:${tag}`,
      ].join(" ");
      const out = await new Deno.Command("unshare", {
        args: ["-m", "sh", "-c", `mount --bind "$1" /etc/containers && exec ${podman}`, "_", etc],
        cwd: store,
        env: withAuth ? { REGISTRY_AUTH_FILE: "/etc/containers/auth.json" } : {},
        stdout: "piped",
        stderr: "piped",
      }).output();
      const dec = new TextDecoder();
      return { code: out.code, out: dec.decode(out.stdout) + dec.decode(out.stderr) };
    };

    // Debian's podman 4.3 is built with sigstore verification patched out (its
    // containers/image carries disable-sigstore.patch): it finds the signature attachment and
    // then refuses every signed image with this message. FCOS's podman verifies them.
    const DEBIAN_NO_SIGSTORE = /Debian-local change: sigstore disabled/;
    const signed = await pull("latest");
    if (signed.code !== 0) assert.match(signed.out, DEBIAN_NO_SIGSTORE, signed.out);
    const unsigned = await pull("unsigned");
    assert.notEqual(unsigned.code, 0);
    assert.match(unsigned.out, /A signature was required, but no signature exists/);
    const wrongKey = await pull("wrongkey");
    assert.notEqual(wrongKey.code, 0);
    assert.match(
      wrongKey.out,
      signed.code === 0 ? /cryptographic signature verification failed/ : DEBIAN_NO_SIGSTORE,
    );

    const anonymous = await pull("latest", false);
    assert.notEqual(anonymous.code, 0, "without the auth file the registry refuses");
    assert.match(anonymous.out, /authentication required/);
    // Without the registries.conf.d drop-in podman speaks HTTPS to the plain-HTTP registry.
    await Deno.remove(join(etc, "registries.conf.d/50-iago.conf"));
    const https = await pull("latest");
    assert.notEqual(https.code, 0);
    assert.match(https.out, /server gave HTTP response to HTTPS client/);
  } finally {
    await registry.stop();
  }
});
