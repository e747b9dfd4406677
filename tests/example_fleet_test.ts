/**
 * The repository's own example fleet (config/, machines/, containers/) used as a workspace, the
 * way the README's Quick start and docs/deploying.md use it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { iago, tempDir } from "./helpers/cli.ts";
import { assertValidIgnition } from "./ignite/fixtures.ts";

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

Deno.test("the Quick start ignites the example fleet into valid Ignition, then rewrites nothing", async () => {
  await using dir = await tempDir();
  await exampleFleet(dir.path);
  const env = { IAGO_GITHUB_URL: "http://127.0.0.1:9" };
  const first = await iago(["ignite", "--all"], { cwd: dir.path, env });
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stderr, /^2 machines in \d+ ms: 2 written, 0 unchanged, 0 failed$/m);
  for (const name of ["postgres", "web"]) {
    const json = await Deno.readTextFile(join(dir.path, `output/ignition/${name}.ign`));
    await assertValidIgnition(json, name);
  }
  const again = await iago(["ignite", "--all"], { cwd: dir.path, env });
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /^2 machines in \d+ ms: 0 written, 2 unchanged, 0 failed$/m);
});
