import assert from "node:assert/strict";
import { join } from "node:path";
import { iago, tempDir } from "../helpers/cli.ts";
import { applyIgnition } from "../helpers/ignition.ts";
import { makeWorkspace } from "./fixtures.ts";

const modeOf = async (p: string) => (await Deno.lstat(p)).mode! & 0o7777;

async function postgresIgnition(root: string): Promise<string> {
  await makeWorkspace(root, { db: 'workloads = ["postgres"]\nmac_address = "02:05:56:00:00:02"' });
  const r = await iago(["ignite", "db"], { cwd: root });
  assert.equal(r.code, 0, r.stderr);
  return await Deno.readTextFile(join(root, "output/ignition/db.ign"));
}

Deno.test("the postgres example applied with the real Ignition puts env file, scripts, secrets and units where the original says", async () => {
  await using dir = await tempDir();
  const json = await postgresIgnition(dir.path);
  const applied = await applyIgnition(json);
  try {
    const r = applied.root;
    const env = await Deno.readTextFile(join(r, "etc/iago/containers/db.env"));
    assert.match(env, /^CONTAINER_IMAGE=registry\.example\.org\/fleet\/db:latest$/m);
    assert.match(env, /^CONTAINER_NAME=bootc-db$/m);
    assert.match(env, /^UPDATE_STRATEGY=latest$/m);
    assert.match(env, /^HEALTH_CHECK_WAIT=30$/m);
    for (
      const script of [
        "bootc-run.sh",
        "bootc-manager.sh",
        "bootc-update.sh",
        "motd.sh",
        "postgres-backup.sh",
      ]
    ) {
      const p = join(r, "usr/local/bin", script);
      assert.equal(await modeOf(p), 0o755, script);
      assert.match(await Deno.readTextFile(p), /^#!/, script);
    }
    const secret = join(r, "etc/iago/secrets/postgres-password");
    assert.equal(await modeOf(secret), 0o600);
    assert.equal(
      await Deno.readTextFile(secret),
      (await Deno.readTextFile(join(dir.path, ".iago/secrets/db/postgres-password"))).trim(),
    );
    assert.equal(await modeOf(join(r, "etc/iago/secrets")), 0o700);
    assert.equal(await Deno.readTextFile(join(r, "etc/hostname")), "db\n");
    assert.equal(await Deno.readLink(join(r, "etc/localtime")), "../usr/share/zoneinfo/UTC");
    assert.match(
      await Deno.readTextFile(join(r, "etc/iago/rollback-instructions.txt")),
      /bootc@db\.service/,
    );
    assert.match(
      await Deno.readTextFile(join(r, "etc/zincati/config.d/55-updates-strategy.toml")),
      /strategy = "periodic"[\s\S]*start_time = "03:00"\nlength_minutes = 60/,
    );
    // Matched by the card's MAC, whatever the machine names it (FCOS has no eth0).
    const nm = join(r, "etc/NetworkManager/system-connections/iago.nmconnection");
    assert.equal(await modeOf(nm), 0o600);
    const profile = await Deno.readTextFile(nm);
    assert.match(profile, /^\[ethernet\]\nmac-address=02:05:56:00:00:02$/m);
    assert.doesNotMatch(profile, /interface-name|cloned-mac-address/);
    for (
      const unit of [
        "bootc@.service",
        "bootc-manager.service",
        "bootc-update.service",
        "bootc-update-check.service",
        "bootc-update.timer",
        "postgres-backup.timer",
      ]
    ) {
      assert.ok((await Deno.stat(join(r, "etc/systemd/system", unit))).isFile, unit);
    }
    // A check before the container runs (first pull, restart) is skipped, not a failure.
    assert.match(
      await Deno.readTextFile(join(r, "etc/systemd/system/postgres-health.service")),
      /^ExecCondition=\/usr\/bin\/systemctl is-active --quiet bootc@db\.service\nExecStart=\/usr\/bin\/podman exec bootc-db pg_isready --quiet --timeout=10$/m,
    );
    const shadow = await Deno.readTextFile(join(r, "etc/shadow"));
    const hash = (await Deno.readTextFile(join(dir.path, ".iago/secrets/db/accounts/core.hash")))
      .trim();
    assert.ok(shadow.includes(`core:${hash}:`), "the generated password hash of the user");
  } finally {
    await applied.cleanup();
  }
});

Deno.test("systemd-analyze verify accepts the units of the postgres example", async () => {
  await using dir = await tempDir();
  const config = JSON.parse(await postgresIgnition(dir.path));
  const units = join(dir.path, "units");
  await Deno.mkdir(units);
  for (const u of config.systemd.units) await Deno.writeTextFile(join(units, u.name), u.contents);
  // The template unit is checked as the instance the machine runs.
  await Deno.copyFile(join(units, "bootc@.service"), join(units, "bootc@db.service"));
  const names = [...config.systemd.units.map((u: { name: string }) => u.name), "bootc@db.service"]
    .filter((n: string) => n !== "bootc@.service");
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command("systemd-analyze", {
      args: ["verify", "--man=no", ...names.map((n: string) => join(units, n))],
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (err) {
    throw new Error(`systemd-analyze is needed (apt-get install systemd): ${err}`);
  }
  const text = new TextDecoder().decode(out.stderr);
  // Only complaints about programs that exist on a Fedora CoreOS machine but not here.
  const problems = text.split("\n").filter((l) =>
    l.trim() &&
    !/(\/usr\/local\/bin\/|\/usr\/bin\/podman).*(is not executable|No such file)/.test(l) &&
    !/Unit .*\.service not found|Failed to prepare filename/.test(l)
  );
  assert.deepEqual(problems, [], text);
});

Deno.test("the stream-following script is shellcheck clean", async () => {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command("shellcheck", {
      args: [new URL("../../src/workload/coreos-stream.sh", import.meta.url).pathname],
      stdout: "piped",
    }).output();
  } catch (err) {
    throw new Error(`shellcheck is needed (apt-get install shellcheck): ${err}`);
  }
  assert.equal(out.code, 0, new TextDecoder().decode(out.stdout));
});
