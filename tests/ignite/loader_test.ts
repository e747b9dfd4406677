import assert from "node:assert/strict";
import { join } from "node:path";
import { tempDir } from "../helpers/cli.ts";
import { loadWorkloads } from "../../src/workload/loader.ts";
import { IagoError } from "../../src/errors.ts";
import { Sandbox } from "../../src/sandbox/sandbox.ts";
import { Workspace } from "../../src/workspace.ts";

const PLUGIN = 'export default { name: "x", overlay() { return {}; } };\n';

Deno.test("loadWorkloads() refuses a plugin that a symlink places outside the workspace", async () => {
  await using dir = await tempDir();
  const root = join(dir.path, "ws");
  await Deno.mkdir(join(root, "workloads"), { recursive: true });
  await Deno.mkdir(join(dir.path, "elsewhere"));
  await Deno.writeTextFile(join(dir.path, "elsewhere", "x.ts"), PLUGIN);
  await Deno.symlink(join(dir.path, "elsewhere", "x.ts"), join(root, "workloads", "x.ts"));
  await Deno.symlink(join(dir.path, "elsewhere"), join(root, "linked"));
  const ws = new Workspace(root);
  await using sandbox = new Sandbox();
  const at = { file: "machines/web/machine.toml" };
  for (const ref of ["./workloads/x.ts", "./linked/x.ts"]) {
    await assert.rejects(loadWorkloads(ws, sandbox, [ref], at), (err: unknown) => {
      assert.ok(err instanceof IagoError);
      assert.equal(err.message, `Workload plugin "${ref}" is outside the workspace`);
      assert.match(err.hint ?? "", /symlink/);
      return true;
    });
  }

  // A symlink that stays inside the workspace is fine.
  await Deno.writeTextFile(join(root, "workloads", "real.ts"), PLUGIN);
  await Deno.symlink("real.ts", join(root, "workloads", "alias.ts"));
  const loaded = await loadWorkloads(ws, sandbox, ["./workloads/alias.ts"], at);
  assert.deepEqual(loaded.map((w) => w.workload.name), ["default", "x"]);
});

Deno.test("an unknown workload is reported at its line, in basic or literal quotes", async () => {
  const ws = new Workspace(Deno.cwd());
  await using sandbox = new Sandbox();
  const at = { file: "machines/web/machine.toml" };
  for (const quoted of ['"postgress"', "'postgress'"]) {
    const text = `name = "web"\nfqdn = "web.example.com"\nworkloads = [\n  ${quoted},\n]\n`;
    await assert.rejects(loadWorkloads(ws, sandbox, ["postgress"], at, text), (err: unknown) => {
      assert.ok(err instanceof IagoError);
      assert.deepEqual(err.at, { file: at.file, line: 4, col: 3 });
      return true;
    });
  }
});
