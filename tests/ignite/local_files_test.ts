/**
 * `contents.local`, `contents_local`, `ssh_authorized_keys_local` and trees in a machine's
 * template read from `config/scripts`: on a bastion, a link there must not put a file from
 * elsewhere (`/etc/shadow`, another workspace's secrets) into an Ignition config. `iago butane`
 * follows such links as butane does (tests/butane/translate_test.ts).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { iago, tempDir } from "../helpers/cli.ts";
import { makeWorkspace, snapshot } from "./fixtures.ts";

/** Adds `entry` (YAML lines at the indentation of a `storage.files` item) to web's template. */
async function addFileEntry(root: string, entry: string): Promise<number> {
  const tmpl = join(root, "machines/web/butane.yaml.tmpl");
  const text = await Deno.readTextFile(tmpl);
  const at = text.indexOf("storage:\n  files:\n") + "storage:\n  files:\n".length;
  assert.ok(at > 20, "the template has storage.files");
  await Deno.writeTextFile(tmpl, text.slice(0, at) + entry + text.slice(at));
  return text.slice(0, at).split("\n").length;
}

Deno.test("ignite refuses a local file that a link in config/scripts takes out of it, at the template line", async () => {
  await using outside = await tempDir("iago-outside-");
  await using dir = await tempDir();
  await makeWorkspace(dir.path, { web: "" });
  await Deno.writeTextFile(join(outside.path, "shadow"), "root:$6$secret\n");
  await Deno.mkdir(join(dir.path, "config/scripts"));
  await Deno.writeTextFile(join(dir.path, "config/scripts/motd"), "hello\n");
  await Deno.symlink(join(outside.path, "shadow"), join(dir.path, "config/scripts/shadow"));

  const line = await addFileEntry(
    dir.path,
    "    - path: /etc/motd\n      contents:\n        local: motd\n" +
      "    - path: /etc/stolen\n      contents:\n        local: shadow\n",
  );
  const before = await snapshot(join(dir.path, "output"));
  const r = await iago(["ignite", "web"], { cwd: dir.path });
  assert.equal(r.code, 1, r.stderr);
  // The path is the merged document's (the default workload's files come first).
  const [first] = r.stderr.split("\n");
  const at = line + 5;
  assert.equal(
    first.replace(/files\.\d+\./, "files.N."),
    `error: machines/web/butane.yaml.tmpl:${at}:9: error at $.storage.files.N.contents.local: ` +
      `config/scripts/shadow leads out of config/scripts through a symlink (to ${outside.path}/shadow): ` +
      "copy the file into config/scripts instead (iago ignite reads local files only from there)",
  );
  assert.ok(!(r.stdout + r.stderr).includes("$6$secret"));
  assert.deepEqual(await snapshot(join(dir.path, "output")), before);

  // The regular file alone is fine.
  await Deno.remove(join(dir.path, "config/scripts/shadow"));
  await Deno.writeTextFile(join(dir.path, "config/scripts/shadow"), "not a secret\n");
  const ok = await iago(["ignite", "web"], { cwd: dir.path });
  assert.equal(ok.code, 0, ok.stderr);
});
