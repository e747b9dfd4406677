import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { DEFAULT_DEFAULTS_TOML } from "../src/config/mod.ts";
import { checkTemplateSyntax, validateWorkspace } from "../src/config/validate.ts";
import { Workspace } from "../src/workspace.ts";
import { iago, tempDir } from "./helpers/cli.ts";

async function write(root: string, path: string, text: string): Promise<void> {
  await Deno.mkdir(dirname(join(root, path)), { recursive: true });
  await Deno.writeTextFile(join(root, path), text);
}

async function initFleet(root: string, names: string[]): Promise<void> {
  for (const name of names) {
    const r = await iago(["init", "--domain", "example.com", name], { cwd: root });
    assert.equal(r.code, 0, r.stderr);
  }
}

Deno.test("validate passes a freshly initialized workspace", async () => {
  await using dir = await tempDir();
  await initFleet(dir.path, ["web", "db"]);
  const r = await iago(["validate"], { cwd: dir.path });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "ok: 2 machines and 2 containers valid");
  const alias = await iago(["val", "web"], { cwd: dir.path });
  assert.equal(alias.code, 0, alias.stderr);
  assert.equal(alias.stdout, "ok: 1 machine and 1 container valid");
});

Deno.test("validate reports every problem of every file at once and exits 1", async () => {
  await using dir = await tempDir();
  await initFleet(dir.path, ["web", "db", "app"]);
  const defaults = join(dir.path, "config/defaults.toml");
  await Deno.writeTextFile(
    defaults,
    (await Deno.readTextFile(defaults)).replace('stream = "stable"', 'strem = "stable"'),
  );
  await write(
    dir.path,
    "machines/web/machine.toml",
    'name = "web"\nfqdn = "web.example.com"\nmac_address = "02:05:56:00:00:01"\n',
  );
  await write(
    dir.path,
    "machines/db/machine.toml",
    'name = "database"\nfqdn = "db.example.com"\nmac_address = "02:05:56:00:00:01"\n',
  );
  await write(
    dir.path,
    "machines/app/butane.yaml.tmpl",
    "variant: fcos\nversion: 1.5.0\n# <%= it.x\n",
  );
  await Deno.remove(join(dir.path, "containers/db/Containerfile"));
  await Deno.mkdir(join(dir.path, "machines/stray"));

  const streamLine = DEFAULT_DEFAULTS_TOML.split("\n").indexOf('stream = "stable"') + 1;
  const r = await iago(["validate"], { cwd: dir.path });
  assert.equal(r.code, 1);
  const lines = r.stderr.split("\n").filter((l) => !l.includes("hint:"));
  assert.deepEqual(lines, [
    `error: config/defaults.toml:${streamLine}:1: Unknown key "strem" in [updates]`,
    "error: machines/stray: Machine directory without a machine.toml",
    "error: machines/app/butane.yaml.tmpl:3:3: Cannot parse the template: unclosed tag",
    'error: machines/db/machine.toml:1:1: Machine name "database" does not match its directory "db"',
    'error: containers/db/Containerfile: Container "db" has no Containerfile',
    "error: 5 problems found",
  ]);
  assert.match(r.stderr, /hint: did you mean "stream"\?/);
});

Deno.test("validate finds two machines with the same MAC address", async () => {
  await using dir = await tempDir();
  for (const name of ["a", "b"]) {
    await write(
      dir.path,
      `machines/${name}/machine.toml`,
      `name = "${name}"\nfqdn = "${name}.example.com"\nmac_address = "02:05:56:00:00:07"\n`,
    );
    await write(dir.path, `machines/${name}/butane.yaml.tmpl`, "variant: fcos\nversion: 1.5.0\n");
  }
  const report = await validateWorkspace(new Workspace(dir.path));
  assert.deepEqual(report.problems.map((p) => p.format()), [
    'machines/b/machine.toml: MAC address 02:05:56:00:00:07 is also used by machine "a"\n' +
    "  hint: give each machine its own mac_address (iago init generates unique ones)",
  ]);
});

Deno.test("validate NAME checks only that machine and its container", async () => {
  await using dir = await tempDir();
  await initFleet(dir.path, ["web", "db"]);
  await write(dir.path, "machines/db/machine.toml", 'name = "db"\nfqdn = "db"\n');
  assert.equal((await iago(["validate", "web"], { cwd: dir.path })).code, 0);
  const r = await iago(["validate", "db"], { cwd: dir.path });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /machines\/db\/machine\.toml:2:1: Invalid fqdn "db"/);
});

Deno.test("validate of an unknown name is a usage error with a did-you-mean", async () => {
  await using dir = await tempDir();
  await initFleet(dir.path, ["web"]);
  const r = await iago(["validate", "wbe"], { cwd: dir.path });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /No machine or container "wbe"/);
  const bad = await iago(["validate", "../web"], { cwd: dir.path });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /Invalid machine name "\.\.\/web"/);
});

Deno.test("validate reports a machine without its template", async () => {
  await using dir = await tempDir();
  await initFleet(dir.path, ["web"]);
  await Deno.remove(join(dir.path, "machines/web/butane.yaml.tmpl"));
  const r = await iago(["validate"], { cwd: dir.path });
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /machines\/web\/butane\.yaml\.tmpl: Machine "web" has no butane\.yaml\.tmpl/,
  );
});

Deno.test("checkTemplateSyntax() accepts eta and names the place of a broken tag", () => {
  assert.equal(
    checkTemplateSyntax("a: <%= it.machine.name %>\n<% if (it.x) { %>b: 1\n<% } %>\n", "t"),
    undefined,
  );
  assert.equal(
    checkTemplateSyntax("a\nb: <%= it.x %\n", "t")?.format().split("\n")[0],
    "t:2:4: Cannot parse the template: unclosed tag",
  );
  assert.match(
    checkTemplateSyntax("a: 1\nb: <%= it.x + %>\n", "t")?.format() ?? "",
    /^t:2: Cannot compile the template: Unexpected token/,
  );
});

Deno.test("validate reports directories whose names iago cannot use, and goes on", async () => {
  await using dir = await tempDir();
  await initFleet(dir.path, ["web"]);
  await write(dir.path, "machines/Web_2/machine.toml", 'name = "Web_2"\nfqdn = "w.example.com"\n');
  await Deno.mkdir(join(dir.path, "containers/Old App"));
  const r = await iago(["validate"], { cwd: dir.path });
  assert.equal(r.code, 1);
  const lines = r.stderr.split("\n").filter((l) => !l.includes("hint:"));
  assert.deepEqual(lines, [
    'error: machines/Web_2: Directory name "Web_2" is not a valid machine name',
    'error: containers/Old App: Directory name "Old App" is not a valid machine name',
    "error: 2 problems found",
  ]);
});
