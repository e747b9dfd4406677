import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { withLock } from "../../src/lock.ts";
import { IagoError } from "../../src/errors.ts";
import { tempDir } from "../helpers/cli.ts";

const LOCK_MODULE = fileURLToPath(new URL("../../src/lock.ts", import.meta.url));

Deno.test("withLock() lets one run at a time in, also after a lock file left by a dead process", async () => {
  await using dir = await tempDir();
  for (let round = 0; round < 3; round++) {
    await Deno.writeTextFile(join(dir.path, "ignite.lock"), "999999999\n");
    let inside = 0;
    let most = 0;
    await Promise.all(Array.from({ length: 12 }, () =>
      withLock(dir.path, "ignite", async () => {
        most = Math.max(most, ++inside);
        await new Promise((r) => setTimeout(r, 5));
        inside--;
      }, { pollMs: 1 })));
    assert.equal(most, 1, `round ${round}: ${most} runs held the lock at once`);
  }
});

Deno.test("withLock() takes a lock whose recorded pid is alive but is not iago (pid reused, a container's pid 1)", async () => {
  await using dir = await tempDir();
  // Pid 1 and this process are alive; neither holds the lock.
  for (const pid of [1, Deno.pid]) {
    await Deno.writeTextFile(join(dir.path, "ignite.lock"), `${pid} left-by-a-killed-run\n`);
    const ran = await withLock(dir.path, "ignite", () => Promise.resolve(true), { timeoutMs: 300 });
    assert.ok(ran);
  }
});

Deno.test("withLock() waits for a live holder and takes the lock as soon as it is killed", async () => {
  await using dir = await tempDir();
  const script = `import { withLock } from ${JSON.stringify(LOCK_MODULE)};
    await withLock(${
    JSON.stringify(dir.path)
  }, "ignite", () => new Promise(() => setInterval(() => {}, 1000)));`;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", script],
    stdout: "null",
    stderr: "inherit",
  }).spawn();
  const lockFile = join(dir.path, "ignite.lock");
  const until = Date.now() + 30_000;
  while ((await Deno.readTextFile(lockFile).catch(() => "")).trim() !== String(child.pid)) {
    assert.ok(Date.now() < until, "the child never took the lock");
    await new Promise((r) => setTimeout(r, 50));
  }
  const blocked = await withLock(dir.path, "ignite", () => Promise.resolve(), { timeoutMs: 200 })
    .then(() => undefined, (e) => e);
  assert.ok(blocked instanceof IagoError);
  assert.match(blocked.message, new RegExp(`holds .*ignite\\.lock \\(pid ${child.pid}\\)`));
  assert.match(blocked.hint!, /released when that process ends, even when it is killed/);

  child.kill("SIGKILL");
  await child.status;
  // Taken at the first try (a zero timeout allows no second): the kernel released the lock
  // with the killed process, nothing had to notice that it died.
  assert.equal(
    await withLock(dir.path, "ignite", () => Promise.resolve(true), { timeoutMs: 0 }),
    true,
  );
});
