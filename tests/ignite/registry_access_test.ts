/**
 * What a machine gets to reach and trust the fleet's registry, from `config/defaults.toml`:
 * the plain-HTTP registry, the pull account, the signature policy. Checked in the Ignition file
 * (real ignition-validate) and in the files the real Ignition writes.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { join } from "node:path";
import { iago, tempDir } from "../helpers/cli.ts";
import { applyIgnition } from "../helpers/ignition.ts";
import { makeKeyPair } from "../sign/_keys.ts";
import { assertValidIgnition, defaultsToml, fileData, makeWorkspace } from "./fixtures.ts";

const PASSWORD = "pull-only-Secret-42";
const modeOf = async (p: string) => (await Deno.lstat(p)).mode! & 0o7777;

/** A workspace whose registry is on the LAN, needs a pull account and requires signatures. */
async function lanFleet(root: string, extra = ""): Promise<string> {
  const registry = '[container_registry]\nurl = "registry.lan:5000/fleet"\n' +
    'insecure = ["registry.lan:5000"]\npull_auth = true\npull_username = "fleet-pull"\n' +
    `\n[signing]\nrequired = true\npublic_key = "cosign.pub"\n${extra}`;
  await makeWorkspace(root, { web: 'mac_address = "02:05:56:00:00:07"' });
  const text = defaultsToml().replace(/\[container_registry\][\s\S]*$/, registry);
  await Deno.writeTextFile(join(root, "config", "defaults.toml"), text);
  const keys = await makeKeyPair(root, "cosign");
  await Deno.mkdir(join(root, ".iago", "secrets", "_fleet"), { recursive: true });
  await Deno.writeTextFile(
    join(root, ".iago", "secrets", "_fleet", "registry-pull-password"),
    `${PASSWORD}\n`,
    { mode: 0o600 },
  );
  return keys.pubPem;
}

Deno.test("a LAN registry with a pull account and required signatures reaches the machine as podman reads it", async () => {
  await using dir = await tempDir();
  const pub = await lanFleet(dir.path);
  const r = await iago(["ignite", "web"], { cwd: dir.path });
  assert.equal(r.code, 0, r.stderr);
  assert.ok(!(r.stdout + r.stderr).includes(PASSWORD), "the pull password is never printed");
  const json = await Deno.readTextFile(join(dir.path, "output/ignition/web.ign"));
  await assertValidIgnition(json, "web");

  const applied = await applyIgnition(json);
  try {
    const at = (p: string) => join(applied.root, p);
    assert.equal(
      await Deno.readTextFile(at("etc/containers/registries.conf.d/50-iago.conf")),
      "# iago: the fleet's registries spoken to over plain HTTP ([container_registry] insecure).\n" +
        '\n[[registry]]\nlocation = "registry.lan:5000"\ninsecure = true\n',
    );

    const authFile = at("etc/containers/auth.json");
    assert.equal(await modeOf(authFile), 0o600);
    const auth = JSON.parse(await Deno.readTextFile(authFile));
    assert.deepEqual(Object.keys(auth.auths), ["registry.lan:5000"]);
    assert.equal(
      Buffer.from(auth.auths["registry.lan:5000"].auth, "base64").toString(),
      `fleet-pull:${PASSWORD}`,
    );
    for (const unit of ["bootc@.service", "bootc-update.service"]) {
      assert.equal(
        await Deno.readTextFile(at(`etc/systemd/system/${unit}.d/50-iago-registry-auth.conf`)),
        "# iago: podman pulls with the fleet's read-only account.\n[Service]\n" +
          "Environment=REGISTRY_AUTH_FILE=/etc/containers/auth.json\n",
        unit,
      );
    }

    const policy = JSON.parse(await Deno.readTextFile(at("etc/containers/policy.json")));
    assert.deepEqual(policy.default, [{ type: "insecureAcceptAnything" }]);
    assert.deepEqual(policy.transports.docker, {
      "registry.lan:5000/fleet": [{
        type: "sigstoreSigned",
        keyPath: "/etc/pki/containers/iago-fleet.pub",
        signedIdentity: { type: "matchRepository" },
      }],
    });
    assert.equal(
      await Deno.readTextFile(at("etc/containers/registries.d/50-iago.yaml")),
      "# iago: the fleet's signatures are sigstore attachments (sha256-HEX.sig tags).\n" +
        'docker:\n  "registry.lan:5000/fleet":\n    use-sigstore-attachments: true\n',
    );
    assert.equal(await Deno.readTextFile(at("etc/pki/containers/iago-fleet.pub")), pub);
  } finally {
    await applied.cleanup();
  }
});

Deno.test("a pull password file others can read is used, with a warning to chmod it", async () => {
  await using dir = await tempDir();
  await lanFleet(dir.path);
  await Deno.chmod(join(dir.path, ".iago/secrets/_fleet/registry-pull-password"), 0o644);
  const r = await iago(["ignite", "web"], { cwd: dir.path });
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stderr,
    /warning: \.iago\/secrets\/_fleet\/registry-pull-password can be read by other users of this computer \(mode 644\): chmod 600 /,
  );
  assert.ok(!r.stderr.includes(PASSWORD));
});

Deno.test("without a pull password, ignite and validate say the machines will not be able to pull", async () => {
  await using dir = await tempDir();
  await lanFleet(dir.path);
  await Deno.remove(join(dir.path, ".iago", "secrets", "_fleet", "registry-pull-password"));
  for (const args of [["ignite", "web"], ["validate"]]) {
    const r = await iago(args, { cwd: dir.path });
    assert.equal(r.code, 1, args.join(" "));
    assert.match(
      r.stderr,
      /config\/defaults\.toml: Machines will not be able to pull from registry\.lan:5000: no \.iago\/secrets\/_fleet\/registry-pull-password for pull_username "fleet-pull"\n {2}hint: write the read-only password or token of "fleet-pull" as one line to \.iago\/secrets\/_fleet\/registry-pull-password/,
    );
  }
  assert.ok(!(await Deno.stat(join(dir.path, "output/ignition/web.ign")).catch(() => null)));
});

Deno.test("a missing or unusable signing key stops ignite before anything is written", async () => {
  await using dir = await tempDir();
  await lanFleet(dir.path);
  await Deno.remove(join(dir.path, "cosign.pub"));
  let r = await iago(["ignite", "web"], { cwd: dir.path });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /Cannot read \[signing\] public_key "cosign\.pub": no such file/);

  await Deno.writeTextFile(join(dir.path, "cosign.pub"), "not a key\n");
  r = await iago(["ignite", "web"], { cwd: dir.path });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /Cannot read public key cosign\.pub/);

  await Deno.symlink("/etc/hostname", join(dir.path, "outside.pub"));
  await Deno.writeTextFile(
    join(dir.path, "config", "defaults.toml"),
    (await Deno.readTextFile(join(dir.path, "config", "defaults.toml")))
      .replace('public_key = "cosign.pub"', 'public_key = "outside.pub"'),
  );
  r = await iago(["ignite", "web"], { cwd: dir.path });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /public_key "outside\.pub": it leads outside the workspace/);
  assert.ok(!(await Deno.stat(join(dir.path, "output/ignition/web.ign")).catch(() => null)));
});

Deno.test("a public registry without signing gives the machine none of these files", async () => {
  await using dir = await tempDir();
  await makeWorkspace(dir.path, { web: "" });
  const r = await iago(["ignite", "web"], { cwd: dir.path });
  assert.equal(r.code, 0, r.stderr);
  const ign = JSON.parse(await Deno.readTextFile(join(dir.path, "output/ignition/web.ign")));
  for (
    const path of [
      "/etc/containers/registries.conf.d/50-iago.conf",
      "/etc/containers/auth.json",
      "/etc/containers/policy.json",
      "/etc/containers/registries.d/50-iago.yaml",
      "/etc/NetworkManager/system-connections/iago.nmconnection",
    ]
  ) {
    assert.equal(fileData(ign, path), undefined, path);
  }
  for (const unit of ign.systemd.units) assert.equal(unit.dropins, undefined, unit.name);
});

Deno.test("an insecure entry without a port covers the image's registry on any port", async () => {
  await using dir = await tempDir();
  await makeWorkspace(dir.path, { web: "" });
  const text = defaultsToml().replace(
    /\[container_registry\][\s\S]*$/,
    '[container_registry]\nurl = "registry.lan:5000/fleet"\ninsecure = ["registry.lan"]\n',
  );
  await Deno.writeTextFile(join(dir.path, "config", "defaults.toml"), text);
  const r = await iago(["ignite", "web"], { cwd: dir.path });
  assert.equal(r.code, 0, r.stderr);
  const ign = JSON.parse(await Deno.readTextFile(join(dir.path, "output/ignition/web.ign")));
  assert.match(
    fileData(ign, "/etc/containers/registries.conf.d/50-iago.conf")!,
    /^location = "registry\.lan:5000"\ninsecure = true$/m,
  );
});

Deno.test("a machine whose image is outside the fleet's namespace is held to the policy too", async () => {
  await using dir = await tempDir();
  await lanFleet(dir.path);
  await Deno.writeTextFile(
    join(dir.path, "machines/web/machine.toml"),
    'container_image = "registry.lan:5000/other/web"\n',
    { append: true },
  );
  const r = await iago(["ignite", "web"], { cwd: dir.path });
  assert.equal(r.code, 0, r.stderr);
  const ign = JSON.parse(await Deno.readTextFile(join(dir.path, "output/ignition/web.ign")));
  const policy = JSON.parse(fileData(ign, "/etc/containers/policy.json")!);
  assert.deepEqual(Object.keys(policy.transports.docker), [
    "registry.lan:5000/fleet",
    "registry.lan:5000/other/web",
  ]);
});

Deno.test("the network profile matches the card by MAC, or pins a named interface and clones the MAC", async () => {
  await using dir = await tempDir();
  await makeWorkspace(dir.path, {
    bymac: 'mac_address = "02:05:56:00:00:0a"',
    pinned: 'mac_address = "02:05:56:00:00:0b"\nnetwork_interface = "enp1s0"',
  });
  const r = await iago(["ignite", "--all"], { cwd: dir.path });
  assert.equal(r.code, 0, r.stderr);
  const profile = async (name: string) =>
    fileData(
      JSON.parse(await Deno.readTextFile(join(dir.path, `output/ignition/${name}.ign`))),
      "/etc/NetworkManager/system-connections/iago.nmconnection",
    )!;
  const byMac = await profile("bymac");
  assert.match(byMac, /^\[ethernet\]\nmac-address=02:05:56:00:00:0a\n/m);
  assert.doesNotMatch(byMac, /interface-name/);
  const pinned = await profile("pinned");
  assert.match(pinned, /^interface-name=enp1s0$/m);
  assert.match(pinned, /^\[ethernet\]\ncloned-mac-address=02:05:56:00:00:0b\n/m);
});
