/**
 * The repository's own example fleet (config/, machines/, containers/) used as a workspace, the
 * way the README's Quick start and docs/deploying.md use it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { iago, tempDir } from "./helpers/cli.ts";

const ROOT = new URL("../", import.meta.url).pathname;

/** A copy of the example fleet in a temporary directory. */
async function exampleFleet(dir: string): Promise<void> {
  for (const part of ["config", "machines", "containers"]) {
    const out = await new Deno.Command("cp", { args: ["-a", join(ROOT, part), dir] }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  }
}

Deno.test("init in the example fleet gives the new container its own README, not the _shared guide", async () => {
  await using dir = await tempDir();
  await exampleFleet(dir.path);
  const r = await iago(["init", "--container-only", "cache"], { cwd: dir.path });
  assert.equal(r.code, 0, r.stderr);
  const readme = await Deno.readTextFile(join(dir.path, "containers/cache/README.md"));
  assert.equal(readme.split("\n")[0], "# cache: the bootc image of machine cache");
});
