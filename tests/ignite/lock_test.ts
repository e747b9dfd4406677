import assert from "node:assert/strict";
import { join } from "node:path";
import { withLock } from "../../src/lock.ts";

Deno.test("withLock() lets one run at a time take over a lock left by a dead process", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (let round = 0; round < 3; round++) {
      await Deno.writeTextFile(join(dir, "ignite.lock"), "999999999 crashed\n");
      let inside = 0;
      let most = 0;
      await Promise.all(Array.from({ length: 12 }, () =>
        withLock(dir, "ignite", async () => {
          most = Math.max(most, ++inside);
          await new Promise((r) => setTimeout(r, 5));
          inside--;
        }, { pollMs: 1 })));
      assert.equal(most, 1, `round ${round}: ${most} runs held the lock at once`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
