/**
 * What templates and plugins print: it goes to iago's stderr, each line named by the file it
 * came from (and the machine, for a plugin), bounded, with the secrets iago gave the code
 * hidden, and never onto stdout, where `--json` and `ignite --output -` put data.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { iago, iagoProcess, tempDir } from "../helpers/cli.ts";
import { makeWorkspace } from "./fixtures.ts";
import { OUTPUT_LIMIT } from "../../src/sandbox/protocol.ts";
import { RUN_LIMIT, ShownOutput } from "../../src/sandbox/shown_output.ts";

const TALKATIVE = `
export default {
  name: "talk",
  secrets: () => [{ name: "talk-token" }],
  overlay(ctx) {
    console.log("overlay for", ctx.machine.name, "token", ctx.secrets.talkToken);
    console.error("two\\nlines \\x1b[31mred");
    console.info({ nested: { token: ctx.secrets.talkToken } });
    return {};
  },
};
`;

/** A workspace whose machine `web` uses the plugin `code` (workloads/talk.ts). */
async function talkingFleet(root: string, code: string): Promise<void> {
  await makeWorkspace(root, { web: 'workloads = ["./workloads/talk.ts"]' });
  await Deno.mkdir(join(root, "workloads"));
  await Deno.writeTextFile(join(root, "workloads/talk.ts"), code);
}

Deno.test("console output of a plugin and a template goes to stderr, named, with secrets hidden", async () => {
  await using dir = await tempDir();
  await talkingFleet(dir.path, TALKATIVE);
  const tmpl = join(dir.path, "machines/web/butane.yaml.tmpl");
  await Deno.writeTextFile(
    tmpl,
    '<% console.log("rendering", it.machine.name, it.generatedSecrets["talk-token"]) %>\n' +
      await Deno.readTextFile(tmpl),
  );
  const r = await iago(["ignite", "web", "--json"], { cwd: dir.path });
  assert.equal(r.code, 0, r.stderr);
  const result = JSON.parse(r.stdout);
  assert.equal(result.machines[0].status, "written");
  const token = (await Deno.readTextFile(join(dir.path, ".iago/secrets/web/talk-token"))).trim();
  assert.ok(token.length >= 16);
  assert.ok(!r.stderr.includes(token), r.stderr);
  assert.deepEqual(r.stderr.split("\n"), [
    "machines/web/butane.yaml.tmpl: rendering web <secret>",
    "workloads/talk.ts (web): overlay for web token <secret>",
    "workloads/talk.ts (web): two",
    "workloads/talk.ts (web): lines \\x1b[31mred",
    'workloads/talk.ts (web): { nested: { token: "<secret>" } }',
  ]);
});

Deno.test("a plugin printing in a loop shows a bounded amount and says the rest was cut", async () => {
  await using dir = await tempDir();
  await talkingFleet(
    dir.path,
    'export default { name: "talk", overlay() { for (let i = 0; i < 100000; i++) console.log("line", i, "x".repeat(40)); return {}; } };\n',
  );
  const r = await iago(["ignite", "web"], { cwd: dir.path });
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stderr.split("\n");
  assert.ok(lines.every((l) => l.startsWith("workloads/talk.ts (web): ")), r.stderr.slice(0, 200));
  const bytes = lines.reduce((n, l) => n + l.length + 1, 0);
  assert.ok(bytes > 60 * 1024 && bytes < 66 * 1024, `${bytes} bytes shown`);
  assert.equal(lines[0], `workloads/talk.ts (web): line 0 ${"x".repeat(40)}`);
  assert.equal(
    lines.at(-1),
    "workloads/talk.ts (web): ... more output not shown (iago shows 64 KiB of each template's or plugin's output per run)",
  );
});

Deno.test("a plugin cannot write to iago's stdout or post its own messages", async () => {
  await using dir = await tempDir();
  await talkingFleet(
    dir.path,
    `export default {
  name: "talk",
  overlay() {
    const tried = [];
    for (const f of [
      () => Deno.stdout.writeSync(new TextEncoder().encode("leak\\n")),
      () => Deno.stderr.writeSync(new TextEncoder().encode("leak\\n")),
      () => postMessage({ output: "forged" }),
      () => Deno[Deno.internal].core.print("leak\\n"),
    ]) {
      try { f(); tried.push("done"); } catch (e) { tried.push(e.message); }
    }
    console.log(tried.join(" | "));
    return {};
  },
};
`,
  );
  const r = await iago(["ignite", "web", "--json"], { cwd: dir.path });
  assert.equal(r.code, 0, r.stderr);
  JSON.parse(r.stdout);
  assert.deepEqual(r.stderr.split("\n"), [
    "workloads/talk.ts (web): Deno.stdout is not available to templates and plugins: use console.log (iago prints it to stderr)" +
    " | Deno.stderr is not available to templates and plugins: use console.log (iago prints it to stderr)" +
    " | postMessage() is not available to templates and plugins: return data" +
    " | Cannot read properties of undefined (reading 'core')",
  ]);
});

Deno.test("a plugin and a template reach iago's descriptors by no other way: Node's fs by number, a nested worker, Node's process", async () => {
  await using dir = await tempDir();
  // Each try prints what stopped it (through the console, which iago shows), or LEAK.
  const tries = [
    'fs.writeSync(1, "LEAK fs 1\\n")',
    'fs.writeSync(2, "LEAK fs 2\\n")',
    "fs.ftruncateSync(1)",
    "fs.readSync(0, new Uint8Array(1))",
    'new Worker("data:text/javascript,console.log(\'LEAK worker\')", { type: "module" })',
    'process.binding("pipe_wrap")',
    'await import("node:net").then((net) => new net.Socket({ fd: 1 }).write("LEAK net\\n"))',
    'await import("node:tty").then((tty) => new tty.WriteStream(2).write("LEAK tty\\n"))',
    "await import(\"data:text/javascript,console.log('LEAK data')\")",
  ];
  const attempts = tries.map((t) =>
    `try { ${t}; console.log("LEAK reached"); } catch (e) { console.log(e.message); }`
  ).join("\n    ");
  await talkingFleet(
    dir.path,
    `import * as fs from "node:fs";\nexport default {\n  name: "talk",\n  async overlay() {\n    ${attempts}\n    return {};\n  },\n};\n`,
  );
  const tmpl = join(dir.path, "machines/web/butane.yaml.tmpl");
  await Deno.writeTextFile(
    tmpl,
    `<% try { new Worker("data:text/javascript,console.log('LEAK')", { type: "module" }) } catch (e) { console.log(e.message) } %>\n` +
      `<% try { process.stdout } catch (e) { console.log(e.message) } %>\n` +
      await Deno.readTextFile(tmpl),
  );
  // A real process: what reaches a descriptor past iago's output would not show in iago().
  const r = await iagoProcess(["ignite", "web", "--json"], { cwd: dir.path });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).machines[0].status, "written", r.stdout);
  const denied = (what: string) =>
    `${what} is not available to templates and plugins: return data, use console.log to print`;
  const importing = (what: string) => `NotCapable: Requires import access to "${what}"`;
  assert.deepEqual(r.stderr.trimEnd().split("\n"), [
    `machines/web/butane.yaml.tmpl: ${denied("Worker")}`,
    `machines/web/butane.yaml.tmpl: ${denied("process")}`,
    ...[
      "Bad file descriptor (os error 9)",
      "Bad file descriptor (os error 9)",
      "Bad file descriptor (os error 9)",
      "EBADF: bad file descriptor, read",
      denied("Worker"),
      denied("process"),
      importing("node:net"),
      importing("node:tty"),
      importing("data:text/javascript,console.log('LEAK data')"),
    ].map((line) => `workloads/talk.ts (web): ${line}`),
  ]);
});

Deno.test("ShownOutput counts what it shows: empty lines fill the limit, and the run has one too", () => {
  const shown: string[] = [];
  const output = new ShownOutput((line) => shown.push(line));
  output.show("a.ts", "a.ts", { output: "\n".repeat(100_000), problem: false });
  const bytes = shown.reduce((n, l) => n + l.length + 1, 0);
  assert.ok(bytes <= OUTPUT_LIMIT + 200, `${bytes}`);
  assert.equal(shown.length, Math.floor(OUTPUT_LIMIT / "a.ts: \n".length) + 1);
  assert.match(shown.at(-1)!, /^a\.ts: \.\.\. more output not shown/);

  shown.length = 0;
  const run = new ShownOutput((line) => shown.push(line));
  for (let i = 0; i < 40; i++) {
    run.show(`m${i}.tmpl`, `m${i}.tmpl`, { output: "y".repeat(OUTPUT_LIMIT / 2), problem: false });
  }
  const total = shown.reduce((n, l) => n + l.length + 1, 0);
  assert.ok(total <= RUN_LIMIT + 200, `${total}`);
  assert.equal(
    shown.at(-1),
    "m31.tmpl: ... more output not shown (iago shows 1024 KiB of all templates' and plugins' output per run)",
  );
});

Deno.test("ShownOutput hides secrets also where a formatted object escaped them", () => {
  const shown: string[] = [];
  const output = new ShownOutput((line) => shown.push(line));
  output.hide(['pa"ss\\word', "abc", undefined]);
  output.show("p.ts", "p.ts (web)", {
    output: 'raw pa"ss\\word json "pa\\"ss\\\\word" short abc\n',
    problem: true,
  });
  assert.deepEqual(shown, ['p.ts (web): raw <secret> json "<secret>" short abc']);
});
