/**
 * `iago butane` as a user runs it: butane's flags, report on stderr, exit codes, atomic output.
 */
import assert from "node:assert/strict";
import { iago, tempDir } from "../helpers/cli.ts";

const GOOD =
  "variant: fcos\nversion: 1.5.0\nstorage:\n  files:\n    - path: /etc/motd\n      contents:\n        local: motd\n";
const WARN =
  "variant: fcos\nversion: 1.5.0\nstorage:\n  files:\n    - path: /etc/x\n      mode: 644\n";
const BAD = "variant: fcos\nversion: 1.5.0\nstorage:\n  files:\n    - path: /a\n      mode: nope\n";

Deno.test("iago butane prints compact Ignition JSON for a file", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(`${dir.path}/c.bu`, "variant: fcos\nversion: 1.4.0\n");
  const r = await iago(["butane", "c.bu"], { cwd: dir.path });
  assert.equal(r.code, 0);
  assert.equal(r.stdout, '{"ignition":{"version":"3.3.0"}}');
  assert.equal(r.stderr, "");
});

Deno.test("iago butane -p -d DIR -o FILE writes indented JSON with local files", async () => {
  await using dir = await tempDir();
  await Deno.mkdir(`${dir.path}/files`);
  await Deno.writeTextFile(`${dir.path}/files/motd`, "hi\n");
  await Deno.writeTextFile(`${dir.path}/c.bu`, GOOD);
  const r = await iago(["butane", "-p", "-d", "files", "-o", "out.ign", "c.bu"], { cwd: dir.path });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "");
  const out = await Deno.readTextFile(`${dir.path}/out.ign`);
  assert.ok(out.startsWith('{\n  "ignition": {\n    "version": "3.4.0"\n  },'));
  assert.ok(out.includes('"source": "data:,hi%0A"'));
  assert.ok(out.endsWith("}\n"));
});

Deno.test("iago butane --files-dir=DIR and --pretty=false are accepted", async () => {
  await using dir = await tempDir();
  await Deno.mkdir(`${dir.path}/files`);
  await Deno.writeTextFile(`${dir.path}/files/motd`, "hi\n");
  await Deno.writeTextFile(`${dir.path}/c.bu`, GOOD);
  const r = await iago(["butane", "--files-dir=files", "--pretty=false", "c.bu"], {
    cwd: dir.path,
  });
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.stdout.startsWith('{"ignition":{"version":"3.4.0"},"storage"'));
});

Deno.test("iago butane reports warnings on stderr and still succeeds", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(`${dir.path}/c.bu`, WARN);
  const r = await iago(["butane", "c.bu"], { cwd: dir.path });
  assert.equal(r.code, 0);
  assert.equal(
    r.stderr,
    "warning at $.storage.files.0.mode, line 6 col 13: unreasonable mode would be reasonable if specified in octal; remember to add a leading zero",
  );
  assert.ok(r.stdout.includes('"mode":644'));
});

Deno.test("iago butane --strict fails on warnings and writes nothing", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(`${dir.path}/c.bu`, WARN);
  const r = await iago(["butane", "--strict", "-o", "out.ign", "c.bu"], { cwd: dir.path });
  assert.equal(r.code, 1);
  // butane's own line, without the `Error translating config:` of real failures.
  assert.ok(r.stderr.endsWith("\nConfig produced warnings and --strict was specified"));
  await assert.rejects(Deno.stat(`${dir.path}/out.ign`));
});

Deno.test("iago butane exits 1 with the report when the config is invalid", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(`${dir.path}/c.bu`, BAD);
  const r = await iago(["butane", "-s", "c.bu"], { cwd: dir.path });
  assert.equal(r.code, 1);
  assert.equal(r.stdout, "");
  assert.equal(
    r.stderr,
    "Error translating config: yaml: unmarshal errors:\n  line 6: cannot unmarshal !!str `nope` into int",
  );
});

Deno.test("iago --quiet butane still prints the report of an invalid config", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(`${dir.path}/c.bu`, BAD);
  const r = await iago(["--quiet", "butane", "c.bu"], { cwd: dir.path });
  assert.equal(r.code, 1);
  assert.equal(
    r.stderr,
    "Error translating config: yaml: unmarshal errors:\n  line 6: cannot unmarshal !!str `nope` into int",
  );
});

Deno.test("iago butane --check validates without printing the config", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(`${dir.path}/c.bu`, "variant: fcos\nversion: 1.5.0\n");
  const r = await iago(["butane", "-c", "c.bu"], { cwd: dir.path });
  assert.equal(r.code, 0);
  assert.equal(r.stdout, "");
});

Deno.test("iago butane rejects a second positional argument as a usage error", async () => {
  await using dir = await tempDir();
  const r = await iago(["butane", "a.bu", "b.bu"], { cwd: dir.path });
  assert.equal(r.code, 2);
});

Deno.test("iago butane names a missing input file", async () => {
  await using dir = await tempDir();
  const r = await iago(["butane", "missing.bu"], { cwd: dir.path });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /missing\.bu/);
});

Deno.test("iago butane says so when the input is a directory", async () => {
  await using dir = await tempDir();
  await Deno.mkdir(`${dir.path}/configs`);
  const r = await iago(["butane", "configs"], { cwd: dir.path });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /Cannot read "configs": it is a directory/);
});

Deno.test("iago butane reads the config from stdin when no file is given", async () => {
  const main = new URL("../../main.ts", import.meta.url).pathname;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", main, "butane", "--pretty"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode("variant: fcos\nversion: 1.2.0\n"));
  await writer.close();
  const out = await child.output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  assert.equal(
    new TextDecoder().decode(out.stdout),
    '{\n  "ignition": {\n    "version": "3.2.0"\n  }\n}\n',
  );
});

Deno.test("iago butane -o into a missing directory fails with a clear message", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(`${dir.path}/c.bu`, "variant: fcos\nversion: 1.5.0\n");
  const r = await iago(["butane", "-o", "nope/out.ign", "c.bu"], { cwd: dir.path });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /Cannot write "nope\/out.ign"/);
});
