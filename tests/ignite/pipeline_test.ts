import assert from "node:assert/strict";
import { join } from "node:path";
import { tempDir } from "../helpers/cli.ts";
import { igniteMachine, IgniteSession } from "../../src/ignite/pipeline.ts";
import { Workspace } from "../../src/workspace.ts";
import { makeWorkspace } from "./fixtures.ts";

Deno.test("an Ignition file is never left holding secrets that .iago/ does not keep", async () => {
  await using dir = await tempDir();
  await makeWorkspace(dir.path, { db: 'workloads = ["postgres"]' });
  const ws = new Workspace(dir.path);
  const ign = join(dir.path, "output", "ignition", "db.ign");
  const secrets = join(dir.path, ".iago", "secrets", "db");
  await using session = new IgniteSession(ws);
  await igniteMachine(session, "db");
  const before = await Deno.readTextFile(ign);

  // New secrets that cannot be stored: the previous file stays, with the secrets it was made of
  await Deno.rename(secrets, `${secrets}.kept`);
  await Deno.writeTextFile(secrets, "in the way\n");
  await using rotating = new IgniteSession(ws, { rotateSecrets: true });
  await assert.rejects(igniteMachine(rotating, "db"));
  assert.ok(await Deno.readTextFile(ign) === before, "the previous file was replaced");
});
