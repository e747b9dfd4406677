/**
 * The sandbox as a process of its own: a plugin that reaches past its worker for the process's
 * descriptors writes nothing onto iago's stdout or stderr, code that never returns is ended with
 * its process (no thread of iago's own keeps running it), and the next request gets a fresh one.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { iago, iagoProcess, tempDir } from "../helpers/cli.ts";
import { Sandbox } from "../../src/sandbox/sandbox.ts";
import { makeWorkspace } from "./fixtures.ts";

/** Plugins whose static imports reach for iago's descriptors, by file name. */
const REACHING: Record<string, { code: string; refused: string }> = {
  "net.ts": {
    code: 'import net from "node:net";\nnew net.Socket({ fd: 1 }).write("LEAK net\\n");\n',
    refused: "node:net",
  },
  "tty.ts": {
    code: 'import tty from "node:tty";\nnew tty.WriteStream(2).write("LEAK tty\\n");\n',
    refused: "node:tty",
  },
  "bare.ts": {
    code: 'import { Socket } from "net";\nnew Socket({ fd: 1 }).write("LEAK bare\\n");\n',
    refused: "net",
  },
  "process.ts": {
    code: 'import process from "node:process";\nprocess.stdout.write("LEAK process\\n");\n',
    refused: "node:process",
  },
  "data.ts": {
    code:
      "import \"data:text/javascript,import net from 'node:net'; new net.Socket({ fd: 1 }).write('LEAK data')\";\n",
    refused: "node:net",
  },
};

Deno.test("a plugin's static import of node:net, node:tty or node:process writes nothing to iago's stdout or stderr", async () => {
  await using dir = await tempDir();
  const names = Object.keys(REACHING);
  await makeWorkspace(
    dir.path,
    Object.fromEntries(
      names.map((f, i) => [`m${i}`, `workloads = ["./workloads/${f}"]`]),
    ),
  );
  await Deno.mkdir(join(dir.path, "workloads"));
  for (const [file, { code }] of Object.entries(REACHING)) {
    await Deno.writeTextFile(
      join(dir.path, "workloads", file),
      `${code}export default { name: "reach", overlay: () => ({}) };\n`,
    );
  }
  // A real process: its stdout and stderr are pipes, which the plugins reach for.
  const r = await iagoProcess(["ignite", "--all"], { cwd: dir.path });
  assert.equal(r.code, 1, r.stderr);
  assert.ok(!r.stdout.includes("LEAK"), r.stdout);
  assert.ok(!r.stderr.includes("LEAK"), r.stderr);
  assert.match(
    r.stderr,
    new RegExp(`^error: ${names.length} of ${names.length} machines failed$`, "m"),
  );
  for (const [file, { refused }] of Object.entries(REACHING)) {
    assert.ok(
      r.stderr.includes(
        `error: workloads/${file}: Cannot load workload plugin: it tried to import from "${refused}"`,
      ),
      `${file}:\n${r.stderr}`,
    );
  }
});

Deno.test("a plugin that never returns is ended with the sandbox process: no thread of iago's keeps running", async () => {
  await using dir = await tempDir();
  const plugin = join(dir.path, "spin.ts");
  await Deno.writeTextFile(
    plugin,
    'export default { name: "spin", overlay() { while (true) {} } };\n',
  );
  const probe = new URL("../helpers/sandbox_threads.ts", import.meta.url).pathname;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", probe, plugin],
    cwd: new URL("../..", import.meta.url).pathname,
    stdin: "null",
    stderr: "inherit",
  }).output();
  assert.equal(out.code, 0);
  const { error, threads } = JSON.parse(new TextDecoder().decode(out.stdout));
  assert.equal(error, "spin.ts: overlay() did not finish within 1 s");
  // A Worker's thread (`worker-N`) would be the loop, still running: Deno cannot stop it.
  assert.deepEqual(threads.filter((t: string) => t.startsWith("worker-")), [], threads.join(", "));
});

Deno.test("after a limit ended the sandbox process, the next template renders in a fresh one", async () => {
  await using sandbox = new Sandbox({ timeoutMs: 1000 });
  await assert.rejects(
    sandbox.renderTemplate("<% while (true) {} %>", {}, "spin.tmpl"),
    /^IagoError: Cannot render the template: it did not finish within 1 s$/,
  );
  const rendered = await sandbox.renderTemplate(
    "name: <%= it.name %>\n",
    { name: "web" },
    "ok.tmpl",
  );
  assert.equal(rendered.text, 'name: "web"\n');
  assert.equal(sandbox.processesStarted, 2);
});

Deno.test("a plugin that fills its heap gets the memory error, and the run goes on", async () => {
  await using dir = await tempDir();
  const file = join(dir.path, "hog.ts");
  await Deno.writeTextFile(
    file,
    'const kept = [];\nexport default { name: "hog", overlay() { while (true) kept.push(new Array(100000).fill(Math.random())); } };\n',
  );
  await using sandbox = new Sandbox({ memoryBytes: 64 << 20, timeoutMs: 60_000 });
  const hog = await sandbox.loadPlugin(file, "hog.ts");
  await assert.rejects(
    (async () => await hog.overlay({} as never))(),
    /^IagoError: hog\.ts: overlay\(\) used more than 64 MiB of memory$/,
  );
  const rendered = await sandbox.renderTemplate("a: <%= it.a %>\n", { a: 1 }, "t.tmpl");
  assert.equal(rendered.text, "a: 1\n");
});

Deno.test("a machine whose template never finishes fails alone; in-process iago goes on with the next", async () => {
  await using dir = await tempDir();
  await makeWorkspace(dir.path, { a: "", b: "" });
  const tmpl = join(dir.path, "machines/a/butane.yaml.tmpl");
  await Deno.writeTextFile(tmpl, `<% while (true) {} %>\n${await Deno.readTextFile(tmpl)}`);
  const r = await iago(["ignite", "--all"], { cwd: dir.path, env: { IAGO_PLUGIN_TIMEOUT: "1" } });
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /^error: machines\/a\/butane\.yaml\.tmpl: Cannot render the template: it did not finish within 1 s$/m,
  );
  await Deno.stat(join(dir.path, "output/ignition/b.ign"));
});

Deno.test("a plugin gets no gc() even where the process exposes V8's", async () => {
  await using dir = await tempDir();
  await makeWorkspace(dir.path, { m0: 'workloads = ["./gc.ts"]' });
  await Deno.writeTextFile(
    join(dir.path, "gc.ts"),
    'export default { name: "gc", overlay() { throw new Error(`gc is ${typeof globalThis.gc}`); } };\n',
  );
  const r = await iagoProcess(["ignite", "--all"], {
    cwd: dir.path,
    env: { DENO_V8_FLAGS: "--expose-gc" },
  });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /gc is undefined/);
});
