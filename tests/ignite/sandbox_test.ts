/**
 * Templates and workload plugins as a hostile user would write them: each tries to read
 * another machine's secret, write a file, reach the network, read the environment, run a
 * process or never return, through the real CLI. Each must fail with an error naming the file
 * and what it tried, leave nothing written, and release the workspace lock.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { iago, tempDir } from "../helpers/cli.ts";
import { Sandbox } from "../../src/sandbox/sandbox.ts";
import { fileData, makeWorkspace, snapshot } from "./fixtures.ts";

const TEMPLATE_HEAD = "variant: fcos\nversion: 1.5.0\n";

interface Hostile {
  name: string;
  /** The plugin's body, or the template's lines after its head. */
  code: (p: Paths) => string;
  error: (p: Paths) => string;
  /** What must not exist afterwards. */
  untouched?: (p: Paths) => string;
  /** The code reaches the time limit (a short one, {@link TIME_LIMIT}). */
  timeLimit?: true;
}

/**
 * IAGO_PLUGIN_TIMEOUT for the cases that reach it. The others keep the default limit, so that
 * a loaded machine cannot turn their refusal into a time-out.
 */
const TIME_LIMIT = { IAGO_PLUGIN_TIMEOUT: "2" };

interface Paths {
  root: string;
  secret: string;
  pwned: string;
  port: number;
}

/** A workspace where machine `db` has a stored secret and `web` runs the hostile code. */
async function fleet(root: string): Promise<Paths> {
  await makeWorkspace(root, { db: 'workloads = ["postgres"]', web: "" });
  await Deno.mkdir(join(root, "workloads"));
  const r = await iago(["ignite", "--all"], { cwd: root });
  assert.equal(r.code, 0, r.stderr);
  const secret = join(root, ".iago", "secrets", "db", "postgres-password");
  await Deno.stat(secret);
  return { root, secret, pwned: join(root, "pwned"), port: 0 };
}

/** A local server that counts the requests it gets (none may arrive). */
function listener() {
  let requests = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => {
    requests++;
    return new Response("secret-exfiltrated");
  });
  return { server, port: server.addr.port, requests: () => requests };
}

/** Whether nobody holds the workspace lock (an OS file lock) now. */
async function lockIsFree(path: string): Promise<boolean> {
  using file = await Deno.open(path, { read: true });
  const free = await file.tryLock(true);
  if (free) await file.unlock();
  return free;
}

async function useWorkloads(root: string, list: string): Promise<void> {
  const file = join(root, "machines/web/machine.toml");
  const text = (await Deno.readTextFile(file)).replace(/^workloads = .*\n/m, "");
  await Deno.writeTextFile(file, `${text}workloads = ${list}\n`);
}

const PLUGIN_HEAD = 'export default {\n  name: "hostile",\n';

const PLUGINS: Hostile[] = [
  {
    name: "reads another machine's secret",
    code: (p) =>
      `  overlay() {\n    const stolen = Deno.readTextFileSync(${
        JSON.stringify(p.secret)
      });\n    return { storage: { files: [{ path: "/etc/stolen", contents: { inline: stolen } }] } };\n  },\n`,
    error: (p) =>
      `error: workloads/hostile.ts:4:25: overlay() tried to read "${p.secret}"\n` +
      "  hint: templates and plugins run in a sandbox without access to files, the network, the environment or processes; a plugin gets what it needs in its argument and returns data",
  },
  {
    name: "writes a file",
    code: (p) =>
      `  overlay() {\n    Deno.writeTextFileSync(${
        JSON.stringify(p.pwned)
      }, "x");\n    return {};\n  },\n`,
    error: (p) => `error: workloads/hostile.ts:4:10: overlay() tried to write "${p.pwned}"`,
    untouched: (p) => p.pwned,
  },
  {
    name: "fetches a URL",
    code: (p) =>
      `  async overlay() {\n    await fetch("http://127.0.0.1:${p.port}/steal");\n    return {};\n  },\n`,
    error: (p) =>
      `error: workloads/hostile.ts:4:11: overlay() tried to reach "127.0.0.1:${p.port}" over the network`,
  },
  {
    name: "reads the environment",
    code: () =>
      '  secrets() {\n    return [{ name: Deno.env.get("HOME") ?? "x" }];\n  },\n  overlay: () => ({}),\n',
    error: () =>
      'error: workloads/hostile.ts:4:30: secrets() tried to read the environment variable "HOME"',
  },
  {
    name: "runs a process",
    code: () =>
      '  validate() {\n    new Deno.Command("id").outputSync();\n    return [];\n  },\n  overlay: () => ({}),\n',
    error: () => 'error: workloads/hostile.ts:4:28: validate() tried to run "id"',
  },
  {
    name: "reads a file while it is imported",
    code: (p) =>
      `  overlay: () => ({}),\n  stolen: Deno.readTextFileSync(${JSON.stringify(p.secret)}),\n`,
    error: (p) =>
      `error: workloads/hostile.ts: Cannot load workload plugin: it tried to read "${p.secret}"`,
  },
  {
    name: "starts a read it does not await",
    code: (p) =>
      `  overlay() {\n    Deno.readTextFile(${
        JSON.stringify(p.secret)
      }).then((s) => console.log(s));\n    return {};\n  },\n`,
    error: (p) => `error: workloads/hostile.ts:4:10: overlay() tried to read "${p.secret}"`,
  },
  {
    name: "exits",
    code: () => "  overlay() {\n    Deno.exit(0);\n  },\n",
    error: () =>
      "error: workloads/hostile.ts:4:10: overlay() failed: Deno.exit() is not available to templates and plugins: return, or throw",
  },
  {
    name: "loops forever",
    code: () => "  overlay() {\n    while (true) {}\n  },\n",
    timeLimit: true,
    error: () =>
      "error: workloads/hostile.ts: overlay() did not finish within 2 s\n" +
      "  hint: the plugin is not called again in this run; look for a loop that never ends or a promise that never settles; IAGO_PLUGIN_TIMEOUT=SECONDS changes the limit",
  },
  {
    name: "never resolves",
    code: () => "  overlay() {\n    return new Promise(() => {});\n  },\n",
    timeLimit: true,
    error: () => "error: workloads/hostile.ts: overlay() did not finish within 2 s",
  },
  {
    name: "returns a function",
    code: () => '  overlay: () => ({ storage: { files: [{ path: "/etc/x", mode: () => 1 }] } }),\n',
    error: () =>
      "error: workloads/hostile.ts: overlay().storage.files[0].mode is a function\n" +
      "  hint: return objects, arrays, strings, numbers and booleans (no functions, symbols or class instances)",
  },
];

const TEMPLATES: Hostile[] = [
  {
    name: "reads another machine's secret",
    code: (p) => `# steal\nx: <%= Deno.readTextFileSync(${JSON.stringify(p.secret)}) %>\n`,
    error: (p) =>
      `error: machines/web/butane.yaml.tmpl:4: Cannot render the template: it tried to read "${p.secret}"\n` +
      "  hint: templates and plugins run in a sandbox without access to files, the network, the environment or processes; a template gets all it needs in it",
  },
  {
    name: "writes a file",
    code: (p) => `<% Deno.writeTextFileSync(${JSON.stringify(p.pwned)}, "x") %>\n`,
    error: (p) =>
      `error: machines/web/butane.yaml.tmpl:3: Cannot render the template: it tried to write "${p.pwned}"`,
    untouched: (p) => p.pwned,
  },
  {
    name: "fetches a URL",
    code: (p) => `<% fetch("http://127.0.0.1:${p.port}/steal") %>\n`,
    error: (p) =>
      `error: machines/web/butane.yaml.tmpl: Cannot render the template: it tried to reach "127.0.0.1:${p.port}" over the network`,
  },
  {
    name: "reads the environment",
    code: () => 'home: <%= Deno.env.get("HOME") %>\n',
    error: () =>
      'error: machines/web/butane.yaml.tmpl:3: Cannot render the template: it tried to read the environment variable "HOME"',
  },
  {
    name: "runs a process",
    code: () => '<% new Deno.Command("id").outputSync() %>\n',
    error: () =>
      'error: machines/web/butane.yaml.tmpl:3: Cannot render the template: it tried to run "id"',
  },
  {
    name: "loops forever",
    code: () => "<% while (true) {} %>\n",
    timeLimit: true,
    error: () =>
      "error: machines/web/butane.yaml.tmpl: Cannot render the template: it did not finish within 2 s",
  },
];

for (const [kind, cases] of [["plugin", PLUGINS], ["template", TEMPLATES]] as const) {
  Deno.test(`a hostile ${kind} fails with an error naming it, and nothing is read, written or sent`, async () => {
    await using dir = await tempDir();
    const base = await fleet(dir.path);
    const net = listener();
    try {
      const p = { ...base, port: net.port };
      for (const c of cases) {
        if (kind === "plugin") {
          await Deno.writeTextFile(
            join(p.root, "workloads/hostile.ts"),
            PLUGIN_HEAD + c.code(p) + "};\n",
          );
          await useWorkloads(p.root, '["./workloads/hostile.ts"]');
        } else {
          await Deno.writeTextFile(
            join(p.root, "machines/web/butane.yaml.tmpl"),
            TEMPLATE_HEAD + c.code(p),
          );
        }
        const before = await snapshot(join(p.root, "output"));
        const env = c.timeLimit ? TIME_LIMIT : {};
        for (const command of [["ignite", "web"], ["validate", "web"]]) {
          const r = await iago(command, { cwd: p.root, env });
          assert.equal(r.code, 1, `${c.name}: ${r.stdout}\n${r.stderr}`);
          const expected = c.error(p);
          const shown = r.stderr.split("\n").slice(0, expected.split("\n").length).join("\n");
          assert.equal(shown, expected, `${command[0]}: ${c.name}`);
        }
        assert.deepEqual(await snapshot(join(p.root, "output")), before, c.name);
        assert.ok(await lockIsFree(join(p.root, ".iago", "ignite.lock")), `${c.name}: lock`);
        if (c.untouched) await assert.rejects(Deno.stat(c.untouched(p)), c.name);
      }
      assert.equal(net.requests(), 0, "no request reached the network");
    } finally {
      await net.server.shutdown();
    }
  });
}

Deno.test("async overlay(), secrets() and validate() of a plugin are awaited", async () => {
  await using dir = await tempDir();
  await makeWorkspace(dir.path, { web: 'workloads = ["./workloads/later.ts"]' });
  await Deno.mkdir(join(dir.path, "workloads"));
  const plugin = (problems: string) => `
const tick = () => new Promise((resolve) => setTimeout(resolve, 5));
export default {
  name: "later",
  async validate(machine) { await tick(); return ${problems}; },
  async secrets() { await tick(); return [{ name: "later-token", length: 16 }]; },
  async overlay(ctx) {
    await tick();
    return { storage: { files: [{ path: "/etc/later", contents: { inline: ctx.machine.name + " " + ctx.secrets.laterToken } }] } };
  },
};
`;
  await Deno.writeTextFile(join(dir.path, "workloads/later.ts"), plugin("[]"));
  const r = await iago(["ignite", "web"], { cwd: dir.path });
  assert.equal(r.code, 0, r.stderr);
  const config = JSON.parse(
    await Deno.readTextFile(join(dir.path, "output/ignition/web.ign")),
  );
  const token = await Deno.readTextFile(join(dir.path, ".iago/secrets/web/later-token"));
  assert.match(token, /^[A-Za-z0-9]{16}\n?$/);
  assert.equal(fileData(config, "/etc/later"), `web ${token.trim()}`);
  assert.equal(fileData(config, "/etc/iago/secrets/later-token"), token.trim());

  await Deno.writeTextFile(join(dir.path, "workloads/later.ts"), plugin('["needs 2 disks"]'));
  const refused = await iago(["ignite", "web"], { cwd: dir.path });
  assert.equal(refused.code, 1);
  assert.match(
    refused.stderr,
    /^error: workloads\/later\.ts does not fit machine "web": needs 2 disks$/m,
  );
});

Deno.test("one machine's template cannot change how another's renders: built-ins are frozen", async () => {
  await using dir = await tempDir();
  await makeWorkspace(dir.path, { a: "", b: "" });
  const tmpl = join(dir.path, "machines/a/butane.yaml.tmpl");
  const text = await Deno.readTextFile(tmpl);
  // Sloppy-mode assignments to frozen properties do nothing; a's own output stays right too.
  await Deno.writeTextFile(
    tmpl,
    '<% JSON.stringify = () => "\\"pwned\\""; String.prototype.replace = () => "pwned"; ' +
      'this.config.escapeFunction = () => "pwned"; Object.prototype.toJSON = () => "pwned" %>\n' +
      text,
  );
  const r = await iago(["ignite", "--all"], { cwd: dir.path });
  assert.equal(r.code, 0, r.stderr);
  for (const name of ["a", "b"]) {
    const json = await Deno.readTextFile(join(dir.path, `output/ignition/${name}.ign`));
    assert.ok(!json.includes("pwned"), name);
    assert.equal(fileData(JSON.parse(json), "/etc/hostname"), `${name}\n`);
  }
});

Deno.test("a plugin's worker that ended while idle starts again with the plugin imported", async () => {
  await using dir = await tempDir();
  const file = join(dir.path, "p.ts");
  await Deno.writeTextFile(
    file,
    'export default { name: "p", overlay: (ctx) => ({ storage: { files: [{ path: "/etc/" + ctx.n }] } }) };\n',
  );
  await using sandbox = new Sandbox();
  const plugin = await sandbox.loadPlugin(file, "p.ts");
  assert.deepEqual(await plugin.overlay({ n: "a" } as never), {
    storage: { files: [{ path: "/etc/a" }] },
  });
  // Past the idle time: the worker has ended, and the next call starts (and imports) anew.
  await new Promise((resolve) => setTimeout(resolve, 2500));
  assert.deepEqual(await plugin.overlay({ n: "b" } as never), {
    storage: { files: [{ path: "/etc/b" }] },
  });
});

Deno.test("a template that never finishes is not run again for machines with the same template", async () => {
  await using dir = await tempDir();
  await makeWorkspace(dir.path, { a: "", b: "" });
  for (const name of ["a", "b"]) {
    await Deno.writeTextFile(
      join(dir.path, `machines/${name}/butane.yaml.tmpl`),
      TEMPLATE_HEAD + "<% while (true) {} %>\n",
    );
  }
  const r = await iago(["ignite", "--all"], { cwd: dir.path, env: TIME_LIMIT });
  assert.equal(r.code, 1);
  const errors = r.stderr.split("\n").filter((l) => l.startsWith("error: machines/"));
  // Machines render side by side: either may be the one that runs out of time.
  const first = errors.find((l) => l.endsWith("it did not finish within 2 s"))?.[16];
  const second = first === "a" ? "b" : "a";
  assert.deepEqual(
    errors.sort(),
    [
      `error: machines/${first}/butane.yaml.tmpl: Cannot render the template: it did not finish within 2 s`,
      `error: machines/${second}/butane.yaml.tmpl: Cannot render the template: the same template did not finish within 2 s for machines/${first}/butane.yaml.tmpl, earlier in this run`,
    ].sort(),
  );
});
