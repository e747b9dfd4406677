import assert from "node:assert/strict";
import { join } from "node:path";
import { holdLock, iago, tempDir } from "../helpers/cli.ts";

Deno.test("build waits for the workspace's build lock and then names the run holding it", async () => {
  await using dir = await tempDir();
  const init = await iago(["init", "--container-only", "web"], { cwd: dir.path });
  assert.equal(init.code, 0, init.stderr);
  const containerfile = join(dir.path, "containers/web/Containerfile");
  const text = await Deno.readTextFile(containerfile);
  await Deno.writeTextFile(containerfile, text.replace(/^FROM .*$/m, "FROM scratch"));

  // A lock held by another run (this test).
  const held = await holdLock(join(dir.path, ".iago/build.lock"));
  const blocked = await iago(["build", "web", "--no-push"], {
    cwd: dir.path,
    env: { IAGO_LOCK_TIMEOUT: "0.3" },
  });
  assert.equal(blocked.code, 1);
  assert.match(
    blocked.stderr,
    /Cannot start build: another iago run holds .*build\.lock \(pid \d+\)/,
  );
  await assert.rejects(Deno.stat(join(dir.path, "output/images/web.tar")), "nothing was written");

  // Once it is released, the build runs and releases the lock.
  held[Symbol.dispose]();
  const built = await iago(["build", "web", "--no-push"], { cwd: dir.path });
  assert.equal(built.code, 0, built.stderr);
  await Deno.stat(join(dir.path, "output/images/web.tar"));
  using again = await holdLock(join(dir.path, ".iago/build.lock"), { waitMs: 10_000 });
  assert.ok(again, "released");
});

Deno.test("build removes the scratch directories killed builds left in .iago/tmp", async () => {
  await using dir = await tempDir();
  const init = await iago(["init", "--container-only", "web"], { cwd: dir.path });
  assert.equal(init.code, 0, init.stderr);
  const containerfile = join(dir.path, "containers/web/Containerfile");
  const text = await Deno.readTextFile(containerfile);
  await Deno.writeTextFile(containerfile, text.replace(/^FROM .*$/m, "FROM scratch"));
  const killed = join(dir.path, ".iago/tmp/build-web-k1ll3d/layout/blobs");
  await Deno.mkdir(killed, { recursive: true });
  await Deno.writeFile(join(killed, "big"), new Uint8Array(1 << 20));
  const other = join(dir.path, ".iago/tmp/not-a-build");
  await Deno.mkdir(other);
  const built = await iago(["build", "web", "--no-push"], { cwd: dir.path });
  assert.equal(built.code, 0, built.stderr);
  assert.deepEqual(
    (await Array.fromAsync(Deno.readDir(join(dir.path, ".iago/tmp")))).map((e) => e.name),
    ["not-a-build"],
  );
});
