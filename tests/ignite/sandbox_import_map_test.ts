/**
 * The import map that refuses templates and plugins Node's built-ins reaching descriptors, as the
 * sandbox process of the bundle and the source runs with it and `deno task compile` builds it into
 * the binary: Deno reads it without a word (a compiled binary would print any resolver
 * diagnostics at every start), and every built-in it refuses fails to load, statically and
 * dynamically, with an error iago turns into "it tried to import from ...".
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { refusedImports } from "../../src/sandbox/child_command.ts";
import { tempDir } from "../helpers/cli.ts";

const DENIED = new URL("../../src/sandbox/denied.ts", import.meta.url).href;

/** `deno run --import-map=MAP FILE` without --quiet: what a user of the binary would see. */
async function runWithMap(dir: string, code: string) {
  const map = join(dir, "import_map.json");
  await Deno.writeTextFile(map, JSON.stringify({ imports: refusedImports() }));
  const file = join(dir, "main.ts");
  await Deno.writeTextFile(file, code);
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-config", "--no-lock", `--import-map=${map}`, "--allow-read", file],
    env: { NO_COLOR: "1" },
    stdin: "null",
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

Deno.test("deno run with the sandbox's import map prints no resolver diagnostics", async () => {
  await using dir = await tempDir();
  const r = await runWithMap(
    dir.path,
    'import { join } from "node:path";\nconsole.log(join("a", "b"));\n',
  );
  assert.equal(r.stderr, "");
  assert.equal(r.stdout, "a/b\n");
  assert.equal(r.code, 0);
});

Deno.test("every built-in the import map refuses fails to load, by either name, with an error iago reads as a refused import", async () => {
  await using dir = await tempDir();
  const refused = Object.keys(refusedImports());
  assert.ok(refused.includes("net") && refused.includes("node:net"), refused.join(" "));
  assert.ok(refused.includes("node:child_process") && refused.includes("worker_threads"));
  const r = await runWithMap(
    dir.path,
    `import { deniedAction } from ${JSON.stringify(DENIED)};\n` +
      `const seen = {};\n` +
      `for (const name of ${JSON.stringify(refused)}) {\n` +
      `  try { await import(name); seen[name] = "LOADED"; }\n` +
      `  catch (err) { seen[name] = deniedAction(err) ?? err.message; }\n` +
      `}\n` +
      `console.log(JSON.stringify(seen));\n`,
  );
  assert.equal(r.stderr, "");
  assert.equal(r.code, 0);
  assert.deepEqual(
    JSON.parse(r.stdout),
    Object.fromEntries(refused.map((name) => [name, `import from "${name}"`])),
  );
});

Deno.test("a static import of a refused built-in, bare or node:, also from a data: module, stops the program before it runs", async () => {
  await using dir = await tempDir();
  // Each uses what it imports: TypeScript drops an import whose binding is never used.
  const cases: [string, string][] = [
    ['import net from "node:net";\nconsole.log("LEAK", net);', "node:net"],
    ['import { Socket } from "net";\nconsole.log("LEAK", Socket);', "net"],
    ['import * as tty from "node:tty";\nconsole.log("LEAK", tty);', "node:tty"],
    [
      `import "data:text/javascript,import cp from 'node:child_process'; console.log('LEAK', cp)";`,
      "node:child_process",
    ],
  ];
  for (const [line, name] of cases) {
    const r = await runWithMap(dir.path, `${line}\n`);
    assert.equal(r.code, 1, line);
    assert.equal(r.stdout, "", line);
    const { deniedAction } = await import(DENIED);
    assert.equal(deniedAction(new Error(r.stderr)), `import from "${name}"`, r.stderr);
  }
});
