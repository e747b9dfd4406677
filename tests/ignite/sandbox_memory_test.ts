/**
 * A template or plugin that allocates without bound, or never returns: its machine fails with
 * one line naming it, exit 1, nothing of it written, instead of taking the bastion's memory (or
 * its cron slot) for good: the sandbox process is ended, and iago goes on. These run iago as
 * its own process, to measure its peak and see it end.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { iagoProcess, tempDir } from "../helpers/cli.ts";
import { Sandbox } from "../../src/sandbox/sandbox.ts";
import { makeWorkspace, snapshot } from "./fixtures.ts";

const LIMIT_MIB = 64;
// A time limit far above what filling the memory takes on a loaded machine: the memory limit,
// not the clock, must end these runs.
const env = { IAGO_PLUGIN_MEMORY: String(LIMIT_MIB), IAGO_PLUGIN_TIMEOUT: "60" };
const HINT = "  hint: look for a list or text that keeps growing; " +
  "IAGO_PLUGIN_MEMORY=MIB changes the limit";

/** What iago may take beyond the limit: itself (~150 MiB) and what grew between two looks. */
const PEAK_MIB = 600;

async function withTemplateLine(root: string, name: string, line: string): Promise<void> {
  const tmpl = join(root, `machines/${name}/butane.yaml.tmpl`);
  await Deno.writeTextFile(tmpl, `${line}\n${await Deno.readTextFile(tmpl)}`);
}

Deno.test("a template that allocates without end fails its machine, naming it; the others are written", async () => {
  await using dir = await tempDir();
  await makeWorkspace(dir.path, { a: "", b: "" });
  await withTemplateLine(
    dir.path,
    "a",
    "<% const all = []; while (true) all.push(new Array(100000).fill(Math.random())) %>",
  );
  const r = await iagoProcess(["ignite", "--all"], { cwd: dir.path, env });
  assert.equal(r.timedOut, false);
  assert.equal(r.code, 1, r.stderr);
  const lines = r.stderr.trimEnd().split("\n");
  const at = lines.indexOf(
    `error: machines/a/butane.yaml.tmpl: Cannot render the template: it used more than ${LIMIT_MIB} MiB of memory`,
  );
  assert.ok(at >= 0, r.stderr);
  assert.equal(lines[at + 1], HINT);
  assert.equal(lines.at(-1), "error: 1 of 2 machines failed");
  assert.ok(r.peakMiB < PEAK_MIB, `peak ${r.peakMiB} MiB`);
  const written = await snapshot(join(dir.path, "output"));
  assert.deepEqual(Object.keys(written).filter((f) => f.endsWith(".ign")), ["ignition/b.ign"]);
});

Deno.test("a plugin filling buffers outside the JavaScript heap fails its machine, naming it", async () => {
  await using dir = await tempDir();
  await makeWorkspace(dir.path, { web: 'workloads = ["./workloads/hog.ts"]' });
  await Deno.mkdir(join(dir.path, "workloads"));
  await Deno.writeTextFile(
    join(dir.path, "workloads/hog.ts"),
    'const kept = [];\nexport default { name: "hog", overlay() {\n' +
      "  while (true) kept.push(new Uint8Array(16 << 20).fill(1));\n} };\n",
  );
  const r = await iagoProcess(["ignite", "web"], { cwd: dir.path, env });
  assert.equal(r.timedOut, false);
  assert.equal(r.code, 1, r.stderr);
  assert.deepEqual(r.stderr.trimEnd().split("\n").slice(-2), [
    `error: workloads/hog.ts: overlay() used more than ${LIMIT_MIB} MiB of memory`,
    "  hint: the plugin is not called again in this run; look for a list or text that keeps growing; IAGO_PLUGIN_MEMORY=MIB changes the limit",
  ]);
  assert.ok(r.peakMiB < PEAK_MIB, `peak ${r.peakMiB} MiB`);
  assert.deepEqual(await snapshot(join(dir.path, "output")), {});
});

Deno.test("a template that never finishes fails at the time limit, and iago still exits", async () => {
  await using dir = await tempDir();
  await makeWorkspace(dir.path, { web: "" });
  await withTemplateLine(dir.path, "web", "<% while (true) {} %>");
  const r = await iagoProcess(["ignite", "web"], {
    cwd: dir.path,
    env: { IAGO_PLUGIN_TIMEOUT: "1" },
    timeoutMs: 60_000,
  });
  assert.equal(r.timedOut, false, "iago did not exit");
  assert.equal(r.code, 1);
  assert.match(r.stderr, /Cannot render the template: it did not finish within 1 s$/m);
});

Deno.test("a plugin that keeps a little more at every call fails once what it holds passes the limit", async () => {
  await using dir = await tempDir();
  const file = join(dir.path, "p.ts");
  await Deno.writeTextFile(
    file,
    'const kept = [];\nexport default { name: "p", overlay() { kept.push(new Uint8Array(8 << 20).fill(1)); return {}; } };\n',
  );
  await using sandbox = new Sandbox({ memoryBytes: LIMIT_MIB << 20 });
  const plugin = await sandbox.loadPlugin(file, "p.ts");
  let calls = 0;
  const err = await (async () => {
    for (; calls < 40; calls++) {
      await plugin.overlay({} as never);
      // The worker measures itself at most every 100 ms.
      await new Promise((r) => setTimeout(r, 110));
    }
  })().then(() => undefined, (e: Error) => e);
  assert.equal(err?.message, `p.ts: overlay() used more than ${LIMIT_MIB} MiB of memory`);
  assert.ok(calls >= 6 && calls <= 10, `failed at call ${calls}`);
});
