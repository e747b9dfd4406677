/**
 * Errors about what a workload plugin or a template wrote name the file that wrote it: a
 * plugin's unknown key is the plugin's, not the machine template's; a secret name iago keeps
 * for itself names the plugin; an alias bomb in a template says what aliases do.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { iago, tempDir } from "../helpers/cli.ts";
import { makeWorkspace } from "./fixtures.ts";

async function withPlugin(root: string, source: string): Promise<void> {
  await Deno.mkdir(join(root, "workloads"), { recursive: true });
  await Deno.writeTextFile(join(root, "workloads/x.ts"), source);
  const file = join(root, "machines/web/machine.toml");
  const text = (await Deno.readTextFile(file)).replace(/^workloads = .*\n/m, "");
  await Deno.writeTextFile(file, `${text}workloads = ["./workloads/x.ts"]\n`);
}

Deno.test("an unknown key in a plugin's file entry is blamed on the plugin, not the template", async () => {
  await using dir = await tempDir();
  await makeWorkspace(dir.path, { web: "" });
  await withPlugin(
    dir.path,
    'export default { name: "x", overlay: () => ({ storage: { files: [{ path: "/etc/x", contnets: { inline: "x" } }] } }) };\n',
  );
  const r = await iago(["ignite", "web"], { cwd: dir.path });
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /^error: workloads\/x\.ts: warning at \$\.storage\.files\.\d+\.contnets: Unused key contnets\n/,
  );
});

Deno.test("a plugin secret named like iago's own account passwords names the plugin", async () => {
  await using dir = await tempDir();
  await makeWorkspace(dir.path, { web: "" });
  // A first run stores the account passwords under .iago/secrets/web/accounts/.
  assert.equal((await iago(["ignite", "web"], { cwd: dir.path })).code, 0);
  await withPlugin(
    dir.path,
    'export default { name: "x", secrets: () => [{ name: "accounts" }], overlay: () => ({}) };\n',
  );
  const r = await iago(["ignite", "web"], { cwd: dir.path });
  assert.equal(r.code, 1);
  assert.equal(
    r.stderr.split("\n").slice(0, 2).join("\n"),
    `error: workloads/x.ts: secrets(): Cannot use the secret name "accounts": ${
      join(dir.path, ".iago/secrets/web/accounts")
    }/ holds the generated account passwords\n` +
      "  hint: give the secret another name in the workload's secrets()",
  );
});

Deno.test("a template whose YAML aliases multiply is refused at the first alias, with what to do", async () => {
  await using dir = await tempDir();
  await makeWorkspace(dir.path, { web: "" });
  const tmpl = join(dir.path, "machines/web/butane.yaml.tmpl");
  const levels = "abcdefghi".split("");
  const bomb = levels.map((l, i) =>
    i === 0
      ? `  ${l}: &${l} [${Array(9).fill('"x"').join(",")}]`
      : `  ${l}: &${l} [${Array(9).fill(`*${levels[i - 1]}`).join(",")}]`
  );
  const text = await Deno.readTextFile(tmpl);
  const line = text.split("\n").length + 2;
  await Deno.writeTextFile(tmpl, `${text}bomb:\n${bomb.join("\n")}\n`);
  const r = await iago(["ignite", "web"], { cwd: dir.path });
  assert.equal(r.code, 1);
  assert.equal(
    r.stderr.split("\n").slice(0, 2).join("\n"),
    `error: machines/web/butane.yaml.tmpl:${line}:10: Cannot read the rendered template as YAML: document contains excessive aliasing\n` +
      "  hint: each *alias is a copy of what its &anchor names, so aliases of aliases multiply past what iago expands; write the entries out (a <% for %> loop can repeat them)",
  );
});
