/**
 * The state files of `iago serve` kept in memory: read again when they changed (a new inode from
 * an atomic rename, a new size or mtime), not at every request, and never trusted while a change
 * could still hide in the same clock tick.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { writeFileAtomic } from "../../src/fsutil.ts";
import { StateFile } from "../../src/serve/state_file.ts";
import { TokenStore } from "../../src/serve/tokens.ts";
import { tempDir } from "../helpers/cli.ts";

/** A clock a minute ahead: every file read is long settled. */
const later = () => Date.now() + 60_000;

Deno.test("StateFile.changed() gives the text once, then nothing until the file is replaced or removed", async () => {
  await using dir = await tempDir();
  const path = join(dir.path, "arms.json");
  const file = new StateFile(path, later);
  assert.deepEqual(await file.changed(), { text: undefined });
  assert.equal(await file.changed(), undefined);
  await writeFileAtomic(path, "aaaa");
  assert.deepEqual(await file.changed(), { text: "aaaa" });
  assert.equal(await file.changed(), undefined);
  // Same size, maybe the same millisecond: the rename's new inode tells it.
  await writeFileAtomic(path, "bbbb");
  assert.deepEqual(await file.changed(), { text: "bbbb" });
  assert.equal(await file.changed(), undefined);
  await Deno.remove(path);
  assert.deepEqual(await file.changed(), { text: undefined });
  assert.equal(await file.changed(), undefined);
});

Deno.test("StateFile keeps a settled file's text while its stat stays, and reads a fresh one every time", async () => {
  await using dir = await tempDir();
  const path = join(dir.path, "fetched.json");
  const t = new Date("2026-01-01T00:00:00Z");
  await Deno.writeTextFile(path, "aaaa");
  await Deno.utime(path, t, t);
  const settled = new StateFile(path, () => t.getTime() + 5_000);
  const fresh = new StateFile(path, () => t.getTime() + 500);
  assert.deepEqual(await settled.changed(), { text: "aaaa" });
  assert.deepEqual(await fresh.changed(), { text: "aaaa" });
  // Rewritten in place with the same inode, size and mtime (no iago writer does that): the
  // settled copy is what a stat-only check gives, the fresh one is read again.
  await Deno.writeTextFile(path, "bbbb");
  await Deno.utime(path, t, t);
  assert.equal(await settled.changed(), undefined);
  assert.deepEqual(await fresh.changed(), { text: "bbbb" });
  assert.deepEqual(await fresh.changed(), { text: "bbbb" });
  // Any part of the stat moving is a change.
  await Deno.utime(path, t, new Date(t.getTime() + 1));
  assert.deepEqual(await settled.changed(), { text: "bbbb" });
});

Deno.test("a token file that is not iago's is refused at every load, not only the first", async () => {
  await using dir = await tempDir();
  const tokens = new TokenStore(dir.path);
  await writeFileAtomic(tokens.file, "[]\n", { mkdirMode: 0o700 });
  await assert.rejects(() => tokens.load(), /is not a token file written by iago serve/);
  await assert.rejects(() => tokens.load(), /is not a token file written by iago serve/);
  await writeFileAtomic(tokens.file, `{"web": "${"x".repeat(43)}"}\n`);
  await tokens.load();
  assert.ok(tokens.matches("web", "x".repeat(43)));
});
