/**
 * A machine's stored secrets and its Ignition file change together: real `iago ignite
 * --rotate-secrets` processes are killed (SIGKILL) at random points, or see their disk turn
 * read-only half-way, and after the next run every machine's stored passwords match the hashes
 * in its Ignition file and every stored secret is the one the file installs.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { sha512Crypt } from "../../src/secrets/crypt.ts";
import { iago, tempDir } from "../helpers/cli.ts";
import { fileData, makeWorkspace } from "./fixtures.ts";

const MAIN = fileURLToPath(new URL("../../main.ts", import.meta.url));
const MACHINES = 16;
const isRoot = Deno.uid() === 0;

function fleet(): Record<string, string> {
  const machines: Record<string, string> = {};
  for (let i = 0; i < MACHINES; i++) {
    machines[`m${String(i).padStart(3, "0")}`] = i % 2 ? 'workloads = ["postgres"]' : "";
  }
  return machines;
}

/** Starts `iago ignite --all --rotate-secrets` as its own process in `root`. */
function rotate(root: string): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, "ignite", "--all", "--rotate-secrets"],
    cwd: root,
    env: { NO_COLOR: "1" },
    stdout: "null",
    stderr: "null",
  }).spawn();
}

/** How long a whole rotation of the fleet takes, start-up included. */
async function rotationMs(root: string): Promise<number> {
  const t0 = performance.now();
  const status = await rotate(root).status;
  assert.equal(status.code, 0);
  return performance.now() - t0;
}

/** The machines whose stored secrets do not match their Ignition file, with why. */
async function inconsistent(root: string): Promise<string[]> {
  const broken: string[] = [];
  for (const name of Object.keys(fleet())) {
    const ign = JSON.parse(
      await Deno.readTextFile(join(root, "output", "ignition", `${name}.ign`)),
    );
    const secrets = join(root, ".iago", "secrets", name);
    for (const user of ["core", "admin"]) {
      const password = (await Deno.readTextFile(join(secrets, "accounts", user))).trim();
      const hash = ign.passwd.users.find((u: { name: string }) => u.name === user).passwordHash;
      const salt = hash.split("$")[2];
      if (sha512Crypt(password, salt) !== hash) broken.push(`${name}: ${user}'s password`);
      const storedHash = (await Deno.readTextFile(join(secrets, "accounts", `${user}.hash`)))
        .trim();
      if (storedHash !== hash) broken.push(`${name}: ${user}'s hash`);
    }
    const pg = fileData(ign, "/etc/iago/secrets/postgres-password");
    if (pg !== undefined) {
      const stored = (await Deno.readTextFile(join(secrets, "postgres-password"))).trim();
      if (stored !== pg) broken.push(`${name}: postgres-password`);
    }
  }
  return broken;
}

/** The next run (no rotation) finishes what was interrupted. */
async function assertConsistentAfterNextRun(root: string, label: string): Promise<void> {
  const next = await iago(["ignite", "--all"], { cwd: root });
  assert.equal(next.code, 0, `${label}: ${next.stderr}`);
  assert.deepEqual(await inconsistent(root), [], label);
}

/** `validate` agrees, nothing is left pending, and a run after that has nothing to do. */
async function assertSettled(root: string): Promise<void> {
  const valid = await iago(["validate"], { cwd: root });
  assert.equal(valid.code, 0, valid.stderr);
  const again = await iago(["ignite", "--all"], { cwd: root });
  assert.match(again.stderr, new RegExp(`${MACHINES} unchanged, 0 failed`));
  for await (const e of Deno.readDir(join(root, "output", "ignition"))) {
    assert.match(e.name, /^m\d{3}\.ign$/, "a temp file was left");
  }
}

Deno.test("ignite --rotate-secrets killed at random points leaves every machine consistent after the next run", async () => {
  await using dir = await tempDir();
  await makeWorkspace(dir.path, fleet());
  const first = await iago(["ignite", "--all"], { cwd: dir.path });
  assert.equal(first.code, 0, first.stderr);
  const full = await rotationMs(dir.path);
  for (let round = 0; round < 5; round++) {
    const child = rotate(dir.path);
    // Start-up is about a third of a run; kill somewhere in the part that writes.
    await new Promise((r) => setTimeout(r, full * (0.3 + 0.7 * Math.random())));
    try {
      child.kill("SIGKILL");
    } catch {
      // Already finished: this round is an uninterrupted rotation.
    }
    await child.status;
    await assertConsistentAfterNextRun(dir.path, `round ${round}`);
  }
  await assertSettled(dir.path);
});

Deno.test({
  name: "ignite --rotate-secrets on a disk that turns read-only half-way loses no password in use",
  ignore: !isRoot,
  async fn() {
    await using dir = await tempDir();
    const mnt = join(dir.path, "disk");
    await Deno.mkdir(mnt);
    const mount = (...args: string[]) => new Deno.Command("mount", { args }).output();
    assert.ok((await mount("-t", "tmpfs", "-o", "size=64m", "tmpfs", mnt)).success);
    try {
      await makeWorkspace(mnt, fleet());
      const first = await iago(["ignite", "--all"], { cwd: mnt });
      assert.equal(first.code, 0, first.stderr);
      const full = await rotationMs(mnt);
      for (let round = 0; round < 3; round++) {
        const child = rotate(mnt);
        await new Promise((r) => setTimeout(r, full * (0.3 + 0.7 * Math.random())));
        // The kernel refuses while a file is open for writing: try again until it takes.
        // It takes once the run has closed its files, at the latest when it ends.
        const until = Date.now() + 120_000;
        while (!(await mount("-o", "remount,ro", mnt)).success) assert.ok(Date.now() < until);
        await child.status;
        assert.ok((await mount("-o", "remount,rw", mnt)).success);
        await assertConsistentAfterNextRun(mnt, `round ${round}`);
      }
      await assertSettled(mnt);
    } finally {
      await new Deno.Command("umount", { args: ["-l", mnt] }).output();
    }
  },
});

Deno.test("validate finds stored secrets that no longer match the machine's Ignition file", async () => {
  await using dir = await tempDir();
  await makeWorkspace(dir.path, { db: 'workloads = ["postgres"]', web: "" });
  assert.equal((await iago(["ignite", "--all"], { cwd: dir.path })).code, 0);
  assert.equal((await iago(["validate"], { cwd: dir.path })).code, 0);
  const secrets = join(dir.path, ".iago", "secrets", "db");
  // What an interrupted rotation used to leave: a password and a secret the file does not use.
  await Deno.writeTextFile(join(secrets, "accounts", "admin"), "NotTheOneInUse123\n");
  await Deno.writeTextFile(join(secrets, "postgres-password"), "AlsoNotInUse456\n");
  const r = await iago(["validate"], { cwd: dir.path });
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /output\/ignition\/db\.ign: Stored secrets of machine "db" do not match it: the stored password of "admin" \(.*\.iago\/secrets\/db\/accounts\/admin\) matches no hash in it; the stored secret .*postgres-password is not the \/etc\/iago\/secrets\/postgres-password it installs/,
  );
  assert.match(r.stderr, /hint: .*iago ignite --rotate-secrets db/);
  assert.ok(!r.stderr.includes("NotTheOneInUse123") && !r.stderr.includes("AlsoNotInUse456"));
  assert.ok(!r.stderr.includes('"web"'));
});

Deno.test("ignite removes the temp files killed runs left, and rm those of its machine", async () => {
  await using dir = await tempDir();
  await makeWorkspace(dir.path, { web: "", db: "" });
  assert.equal((await iago(["ignite", "--all"], { cwd: dir.path })).code, 0);
  const ignition = join(dir.path, "output", "ignition");
  const left = [
    join(ignition, ".web.ign.1a2b3c4d.tmp"),
    join(dir.path, ".iago", "secrets", "web", "accounts", ".core.0f0f0f0f.tmp"),
    join(dir.path, ".iago", "secrets", "web", ".pending.abcdef01.tmp"),
  ];
  for (const file of left) await Deno.writeTextFile(file, '{"passwd":"$6$hash"}');
  const kept = join(ignition, "notes.tmp");
  await Deno.writeTextFile(kept, "not one of iago's temp files\n");
  const r = await iago(["ignite", "db"], { cwd: dir.path });
  assert.equal(r.code, 0, r.stderr);
  for (const file of left) await assert.rejects(Deno.stat(file), `${file} is left`);
  await Deno.stat(kept);

  await Deno.writeTextFile(join(ignition, ".web.ign.1a2b3c4d.tmp"), "{}");
  await Deno.writeTextFile(join(ignition, ".db.ign.1a2b3c4d.tmp"), "{}");
  const rm = await iago(["rm", "--force", "web"], { cwd: dir.path });
  assert.equal(rm.code, 0, rm.stderr);
  await assert.rejects(Deno.stat(join(ignition, ".web.ign.1a2b3c4d.tmp")));
  await Deno.stat(join(ignition, ".db.ign.1a2b3c4d.tmp"));
});
