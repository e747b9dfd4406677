import assert from "node:assert/strict";
import { join } from "node:path";
import { iago, tempDir } from "../helpers/cli.ts";

Deno.test("build waits for the workspace's build lock and then names the run holding it", async () => {
  await using dir = await tempDir();
  const init = await iago(["init", "--container-only", "web"], { cwd: dir.path });
  assert.equal(init.code, 0, init.stderr);
  const containerfile = join(dir.path, "containers/web/Containerfile");
  const text = await Deno.readTextFile(containerfile);
  await Deno.writeTextFile(containerfile, text.replace(/^FROM .*$/m, "FROM scratch"));

  // A lock held by a live process (this test).
  await Deno.mkdir(join(dir.path, ".iago"), { recursive: true });
  await Deno.writeTextFile(join(dir.path, ".iago/build.lock"), `${Deno.pid} other-run\n`);
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

  // Once it is gone, the build runs and releases the lock.
  await Deno.remove(join(dir.path, ".iago/build.lock"));
  const built = await iago(["build", "web", "--no-push"], { cwd: dir.path });
  assert.equal(built.code, 0, built.stderr);
  await Deno.stat(join(dir.path, "output/images/web.tar"));
  await assert.rejects(Deno.stat(join(dir.path, ".iago/build.lock")), "released");
});
