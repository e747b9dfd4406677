/**
 * `iago status` against machines played by a stub `ssh` on PATH that runs the real probe script
 * over a directory tree (with stub systemctl, podman and sudo), and a real registry holding the
 * fleet's image: each state a machine can be in, the table, the JSON and the exit code.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ignitionDigest } from "../../src/ignite/digest.ts";
import { iago, tempDir } from "../helpers/cli.ts";
import { startRegistry } from "../helpers/registry.ts";
import { fleet, machineRoot, state, STUBS, tagDigest } from "./_machines.ts";

const NAMES = ["cur", "pending", "rolled", "foreign", "nosudo", "down", "hang"];

Deno.test("status tells current, update pending, rolled back, foreign, unreachable and outdated machines apart", async () => {
  const registry = await startRegistry();
  await using dir = await tempDir();
  try {
    const ws = join(dir.path, "ws");
    const machines = join(dir.path, "machines");
    await fleet(ws, registry.host, NAMES);
    const v1 = await tagDigest(registry.host);
    await Deno.writeTextFile(join(ws, "containers/web/app.conf"), "v2\n");
    assert.equal((await iago(["build", "web"], { cwd: ws })).code, 0);
    const v2 = await tagDigest(registry.host);
    assert.notEqual(v1, v2);
    const digestOf = async (n: string) =>
      ignitionDigest(JSON.parse(await Deno.readTextFile(join(ws, `output/ignition/${n}.ign`))));
    const image = `${registry.host}/fleet/web:latest`;
    await machineRoot(join(machines, "cur.test"), "cur", {
      image,
      running: v2,
      digest: await digestOf("cur"),
    });
    await machineRoot(join(machines, "pending.test"), "pending", {
      image,
      running: v1,
      digest: await digestOf("cur"), // another machine's config: provisioned from something else
    });
    await machineRoot(join(machines, "rolled.test"), "rolled", {
      image,
      running: v1,
      digest: await digestOf("rolled"),
      units: "bootc@rolled.service active\npostgres-backup.service failed\n",
      state: state({
        CONTAINER: "rolled",
        IMAGE: image,
        CURRENT_DIGEST: v1,
        LAST_UPDATE_TIME: "2026-12-06T02:00:41Z",
        LAST_UPDATE_RESULT: "rolled-back",
        LAST_UPDATE_DETAIL: "health check of bootc-rolled failed 30s after the restart",
        LAST_ROLLBACK_TIME: "2026-12-06T02:00:40Z",
        LAST_ROLLBACK_REASON: `health check of bootc-rolled failed 30s after the restart (${v2})`,
        BAD_DIGESTS: v2,
      }),
    });
    await machineRoot(join(machines, "foreign.test"), "foreign", {
      image: `${registry.host}/elsewhere/web:latest`,
      running: v1,
      digest: await digestOf("foreign"),
    });
    await machineRoot(join(machines, "nosudo.test"), "nosudo", {
      image,
      noSudo: true,
      digest: await digestOf("nosudo"),
      state: state({
        CONTAINER: "nosudo",
        IMAGE: image,
        CURRENT_DIGEST: v2,
        LAST_UPDATE_TIME: "2026-12-06T02:00:41Z",
        LAST_UPDATE_RESULT: "updated",
      }),
    });
    await machineRoot(join(machines, "hang.test:2222"), "hang", { image, hang: true });
    const log = join(dir.path, "ssh.log");
    const together = join(dir.path, "together");
    await Deno.mkdir(together);
    const env = {
      PATH: `${STUBS}:${Deno.env.get("PATH")}`,
      STUB_MACHINES: machines,
      STUB_LOG: log,
    };
    // A time limit no loaded machine reaches; that they are asked at once is shown by each
    // stub ssh waiting for all six to have started (asked one by one, they would be unreachable).
    const r = await iago([
      "status",
      "--json",
      "--timeout",
      "120s",
      ...NAMES.filter((n) => n !== "hang").sort(),
    ], { cwd: ws, env: { ...env, STUB_TOGETHER: together, STUB_TOGETHER_COUNT: "6" } });
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stderr,
      /^error: 4 of 6 machines need attention: down, foreign, pending, rolled$/m,
    );
    const by = Object.fromEntries(JSON.parse(r.stdout).map((m: { name: string }) => [m.name, m]));

    assert.deepEqual(
      { ...by.cur, containers: undefined },
      {
        name: "cur",
        address: "core@cur.test",
        reachable: true,
        ignition: "current",
        failedUnits: [],
        attention: [],
        containers: undefined,
      },
    );
    assert.deepEqual(by.cur.containers, [{
      name: "cur",
      image,
      runningDigest: v2,
      registryDigest: v2,
      imageState: "current",
      unit: "active",
      health: "healthy",
    }]);
    assert.equal(by.pending.containers[0].imageState, "update pending");
    assert.equal(by.pending.ignition, "outdated");
    assert.deepEqual(by.pending.attention, [
      "provisioned from another Ignition config (reprovision to apply output/ignition/)",
    ]);
    assert.equal(by.rolled.containers[0].imageState, "rolled back");
    assert.deepEqual(by.rolled.containers[0].lastRollback, {
      time: "2026-12-06T02:00:40Z",
      reason: `health check of bootc-rolled failed 30s after the restart (${v2})`,
    });
    assert.deepEqual(by.rolled.failedUnits, ["postgres-backup.service"]);
    assert.equal(by.foreign.containers[0].imageState, "not from the fleet");
    assert.equal(by.nosudo.containers[0].imageState, "current");
    assert.equal(by.nosudo.containers[0].health, undefined);
    assert.deepEqual(by.nosudo.attention, []);
    assert.equal(by.down.reachable, false);
    assert.equal(by.down.error, "ssh: connect to host down.test port 22: Connection refused");

    // A machine that never answers is given up after --timeout (its ssh sleeps for 300 s).
    const hang = await iago(
      ["status", "--json", "--timeout", "1s", "--address", "hang=hang.test:2222", "hang"],
      { cwd: ws, env },
    );
    assert.equal(hang.code, 1);
    assert.equal(JSON.parse(hang.stdout)[0].error, "no answer within 1 s");

    // Every connection: no prompts, a new host key accepted, the user and the address.
    const calls = (await Deno.readTextFile(log)).trim().split("\n");
    assert.equal(calls.length, 7);
    for (const [i, c] of calls.entries()) {
      assert.match(
        c,
        i < 6
          ? /^-o BatchMode=yes -o ConnectTimeout=120 -o StrictHostKeyChecking=accept-new -l core -- \S+ bash -s$/
          : /^-o BatchMode=yes -o ConnectTimeout=1 -o StrictHostKeyChecking=accept-new -p 2222 -l core -- hang\.test bash -s$/,
      );
    }

    const table = await iago(["status", "--timeout", "120s", "cur", "rolled"], { cwd: ws, env });
    assert.equal(table.code, 1);
    const lines = table.stdout.split("\n");
    assert.match(lines[0], /^MACHINE +REACHABLE +IGNITION +CONTAINER +IMAGE +HEALTH +LAST UPDATE$/);
    assert.match(
      lines[1],
      new RegExp(`^cur +yes +current +cur +current ${v2.slice(7, 19)} +healthy +-$`),
    );
    assert.match(
      lines[2],
      new RegExp(
        `^rolled +yes +current +rolled +rolled back ${
          v1.slice(7, 19)
        } +healthy +rolled-back 2026-12-06T02:00:41Z$`,
      ),
    );
    assert.ok(
      lines.includes(
        `rolled: rolled rolled back at 2026-12-06T02:00:40Z: health check of bootc-rolled failed 30s after the restart (${v2})`,
      ),
      table.stdout,
    );
    assert.ok(lines.includes("rolled: failed units: postgres-backup.service"), table.stdout);
    assert.equal(lines.at(-1), "2 machines: 1 needs attention");

    const ok = await iago(["status", "--timeout", "120s", "cur", "nosudo"], { cwd: ws, env });
    assert.equal(ok.code, 0, ok.stderr);
  } finally {
    await registry.stop();
  }
});
