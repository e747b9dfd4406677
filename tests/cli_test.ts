import assert from "node:assert/strict";
import { splitGlobalArgs } from "../src/cli/main.ts";
import { iago, tempDir } from "./helpers/cli.ts";

const assertIncludes = (s: string, sub: string) =>
  assert.ok(s.includes(sub), `expected ${JSON.stringify(s)} to include ${JSON.stringify(sub)}`);

Deno.test("--version prints the version and the commit", async () => {
  await using dir = await tempDir();
  const r = await iago(["--version"], { cwd: dir.path });
  assert.deepEqual(r.code, 0);
  assert.match(r.stdout, /^iago \d+\.\d+\.\d+ \(commit \S+, deno [\d.]+\)$/);
});

Deno.test("an unknown command is a usage error (exit 2)", async () => {
  await using dir = await tempDir();
  const r = await iago(["frobnicate"], { cwd: dir.path });
  assert.deepEqual(r.code, 2);
  assertIncludes(r.stderr, "frobnicate");
});

Deno.test("-C with a missing directory is a usage error naming it", async () => {
  await using dir = await tempDir();
  const r = await iago(["-C", "nowhere", "completions", "bash"], { cwd: dir.path });
  assert.deepEqual(r.code, 2);
  assertIncludes(r.stderr, 'Cannot use workspace "nowhere"');
});

Deno.test("splitGlobalArgs() takes -C and --quiet from anywhere before --", () => {
  assert.deepEqual(splitGlobalArgs(["list", "-C", "ws", "--json"]), {
    dir: "ws",
    quiet: false,
    rest: ["list", "--json"],
  });
  assert.deepEqual(splitGlobalArgs(["-C=ws", "-q", "build", "--", "-C"]), {
    dir: "ws",
    quiet: true,
    rest: ["build", "--", "-C"],
  });
});

Deno.test("completions prints a script for each shell and rejects others", async () => {
  await using dir = await tempDir();
  for (const shell of ["bash", "zsh", "fish"]) {
    const r = await iago(["completions", shell], { cwd: dir.path });
    assert.deepEqual(r.code, 0, r.stderr);
    assertIncludes(r.stdout, "iago __complete");
  }
  const bad = await iago(["completions", "tcsh"], { cwd: dir.path });
  assert.deepEqual(bad.code, 2);
});

Deno.test("__complete proposes commands for a prefix", async () => {
  await using dir = await tempDir();
  const r = await iago(["__complete", "comp"], { cwd: dir.path });
  assert.deepEqual(r.code, 0);
  assert.deepEqual(r.stdout.split("\n"), ["completions"]);
});

Deno.test("--help lists every command and the global flags", async () => {
  await using dir = await tempDir();
  const r = await iago(["--help"], { cwd: dir.path });
  assert.deepEqual(r.code, 0);
  for (
    const command of [
      "init",
      "list",
      "rm",
      "validate",
      "ignite",
      "build",
      "verify",
      "butane",
      "plugin",
      "completions",
    ]
  ) {
    assert.match(r.stdout, new RegExp(`^  ${command} `, "m"), command);
  }
  assertIncludes(r.stdout, "-C DIR, --workspace DIR");
  assertIncludes(r.stdout, "-q, --quiet");
  assert.ok(!r.stdout.includes("__complete"), "the completion helper stays hidden");
});
