import assert from "node:assert/strict";
import { join } from "node:path";
import { iago, tempDir } from "../helpers/cli.ts";
import { makeWorkspace } from "./fixtures.ts";

Deno.test("ignite --output refuses the workspace's inputs, links to them and directories", async () => {
  await using dir = await tempDir();
  await makeWorkspace(dir.path, { db: "" });
  const machineToml = join(dir.path, "machines", "db", "machine.toml");
  const before = await Deno.readTextFile(machineToml);
  await Deno.symlink(join(dir.path, "machines", "db"), join(dir.path, "link"));
  await Deno.writeTextFile(join(dir.path, ".gitignore"), "output/\n.iago/\n");
  for (
    const [given, inside] of [
      ["machines/db/machine.toml", "machines/db/machine.toml"],
      ["link/machine.toml", "machines/db/machine.toml"],
      [".iago/secrets/db/accounts/core", ".iago/secrets/db/accounts/core"],
      [".gitignore", ".gitignore"],
    ]
  ) {
    const r = await iago(["ignite", "--output", given, "db"], { cwd: dir.path });
    assert.equal(r.code, 2, given);
    assert.match(
      r.stderr,
      new RegExp(
        `--output ${given.replaceAll(".", "\\.")} would overwrite ${
          inside.replaceAll(".", "\\.")
        }, an input of the workspace`,
      ),
    );
    assert.match(r.stderr, /hint: write under output\/ .* or outside the workspace/);
  }
  assert.equal(await Deno.readTextFile(machineToml), before);
  await assert.rejects(Deno.stat(join(dir.path, ".iago", "secrets")), "nothing generated");

  await Deno.mkdir(join(dir.path, "output"));
  const isDir = await iago(["ignite", "--output", "output", "db"], { cwd: dir.path });
  assert.equal(isDir.code, 2);
  assert.match(
    isDir.stderr,
    /--output output is a directory\n.*hint: .*--output output\/NAME\.ign/,
  );
  const ok = await iago(["ignite", "--output", "output/test.ign", "db"], { cwd: dir.path });
  assert.equal(ok.code, 0, ok.stderr);
});

Deno.test("a directory where the Ignition file belongs is named with the fix, and the secrets stay", async () => {
  await using dir = await tempDir();
  await makeWorkspace(dir.path, { db: "" });
  await Deno.mkdir(join(dir.path, "output", "ignition", "db.ign"), { recursive: true });
  const r = await iago(["ignite", "db"], { cwd: dir.path });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /Cannot (read|write) .*output\/ignition\/db\.ign: it is a directory/);
  assert.match(r.stderr, /hint: remove or rename that directory: a file belongs there/);
  assert.ok(!r.stderr.includes("os error"));
  await assert.rejects(Deno.stat(join(dir.path, ".iago", "secrets", "db", "accounts", "core")));
});

Deno.test({
  name: "a full disk under output/ignition gives the path and a hint, and keeps the old secrets",
  ignore: Deno.uid() !== 0,
  async fn() {
    await using dir = await tempDir();
    await makeWorkspace(dir.path, { db: 'workloads = ["postgres"]' });
    assert.equal((await iago(["ignite", "db"], { cwd: dir.path })).code, 0);
    const secret = join(dir.path, ".iago", "secrets", "db", "accounts", "core");
    const password = await Deno.readTextFile(secret);
    const ignition = join(dir.path, "output", "ignition");
    const mount = (...args: string[]) => new Deno.Command("mount", { args }).output();
    assert.ok((await mount("-t", "tmpfs", "-o", "size=8k", "tmpfs", ignition)).success);
    try {
      await Deno.writeFile(join(ignition, "filler"), new Uint8Array(4096)).catch(() => {});
      const r = await iago(["ignite", "--rotate-secrets", "db"], { cwd: dir.path });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /Cannot write .*output\/ignition\/db\.ign: no space left on its file/);
      assert.match(r.stderr, /hint: free space there \(df -h .*output\/ignition\), then run again/);
      assert.equal(await Deno.readTextFile(secret), password, "the password in use is kept");
    } finally {
      await new Deno.Command("umount", { args: ["-l", ignition] }).output();
    }
  },
});

Deno.test("a config/scripts override linked to a file outside the workspace is refused, one inside is used", async () => {
  await using dir = await tempDir();
  await using outside = await tempDir();
  await makeWorkspace(dir.path, { db: "" });
  await Deno.writeTextFile(join(outside.path, "evil.sh"), "#!/bin/sh\necho OUTSIDE-CONTENT\n");
  const scripts = join(dir.path, "config", "scripts");
  await Deno.mkdir(scripts, { recursive: true });
  await Deno.symlink(join(outside.path, "evil.sh"), join(scripts, "motd.sh"));
  const r = await iago(["ignite", "db"], { cwd: dir.path });
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /config\/scripts\/motd\.sh: Cannot use the override "motd\.sh": it is a link to .*evil\.sh, outside the workspace\n.*hint: copy the script into the workspace/,
  );
  assert.ok(!r.stderr.includes("OUTSIDE-CONTENT"));
  await assert.rejects(Deno.stat(join(dir.path, "output", "ignition", "db.ign")));

  await Deno.writeTextFile(join(dir.path, "motd-mine.sh"), "#!/bin/sh\necho INSIDE-CONTENT\n");
  await Deno.remove(join(scripts, "motd.sh"));
  await Deno.symlink("../../motd-mine.sh", join(scripts, "motd.sh"));
  const ok = await iago(["ignite", "db"], { cwd: dir.path });
  assert.equal(ok.code, 0, ok.stderr);
  assert.ok(
    (await Deno.readTextFile(join(dir.path, "output", "ignition", "db.ign"))).includes(
      "INSIDE-CONTENT",
    ),
  );
});

Deno.test("ignite writes the ignore rules back before it writes secrets, so git add -A stages none", async () => {
  await using dir = await tempDir();
  await makeWorkspace(dir.path, { db: 'workloads = ["postgres"]' });
  await Deno.remove(join(dir.path, ".gitignore"));
  const git = async (...args: string[]) => {
    const out = await new Deno.Command("git", { args, cwd: dir.path, stdout: "piped" }).output();
    assert.ok(out.success, `git ${args.join(" ")}`);
    return new TextDecoder().decode(out.stdout);
  };
  await git("init", "-q");
  const r = await iago(["ignite", "db"], { cwd: dir.path });
  assert.equal(r.code, 0, r.stderr);
  assert.match(await Deno.readTextFile(join(dir.path, ".gitignore")), /^output\/\n\.iago\/\n$/m);
  await git("add", "-A");
  const staged = await git("diff", "--cached", "--name-only");
  assert.ok(staged.includes("machines/db/machine.toml"));
  assert.ok(!/\.iago|output\//.test(staged), staged);

  // A .gitignore that lost a rule gets it back; the user's own lines stay.
  await Deno.writeTextFile(join(dir.path, ".gitignore"), "*.swp\noutput/\n");
  assert.equal((await iago(["ignite", "--rotate-secrets", "db"], { cwd: dir.path })).code, 0);
  assert.equal(await Deno.readTextFile(join(dir.path, ".gitignore")), "*.swp\noutput/\n.iago/\n");
});
