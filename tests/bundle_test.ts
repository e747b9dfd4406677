/**
 * The single-file artifact: `dist/iago.js` built by `deno task bundle`, run from a directory
 * outside the repository with exactly the permissions the release binary gets. This is the
 * closest thing to the `deno compile`d binary that can be built here (same module graph).
 */
import assert from "node:assert/strict";
import { bundle } from "../scripts/release.ts";
import { PERMISSIONS } from "../scripts/permissions.ts";
import { tempDir } from "./helpers/cli.ts";

const repo = new URL("..", import.meta.url).pathname;

async function buildBundle(dir: string): Promise<string> {
  const out = `${dir}/iago.js`;
  const cwd = Deno.cwd();
  Deno.chdir(repo);
  try {
    await bundle(out);
  } finally {
    Deno.chdir(cwd);
  }
  return out;
}

async function runBundle(bundlePath: string, args: string[], cwd: string) {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", ...PERMISSIONS, bundlePath, ...args],
    cwd,
    env: { NO_COLOR: "1" },
  }).output();
  return {
    code,
    stdout: new TextDecoder().decode(stdout),
    stderr: new TextDecoder().decode(stderr),
  };
}

Deno.test("deno task iago runs with the same permissions as the release binary", async () => {
  const config = JSON.parse(await Deno.readTextFile(`${repo}/deno.json`));
  assert.equal(config.tasks.iago, `deno run --quiet ${PERMISSIONS.join(" ")} main.ts`);
});

Deno.test("the bundle runs from outside the repository with the release permissions", async () => {
  await using build = await tempDir("iago-bundle-");
  await using ws = await tempDir("iago-bundle-ws-");
  const js = await buildBundle(build.path);
  const text = await Deno.readTextFile(js);
  assert.ok(text.startsWith("#!/usr/bin/env -S deno run --quiet --allow-read"));
  assert.ok(!text.includes("__IAGO_COMMIT__"), "the commit is stamped into the bundle");

  const version = await runBundle(js, ["--version"], ws.path);
  assert.equal(version.code, 0, version.stderr);
  assert.match(version.stdout, /^iago \d+\.\d+\.\d+ \(commit [0-9a-f]{12}(-dirty)?, deno /);

  const completions = await runBundle(js, ["completions", "fish"], ws.path);
  assert.equal(completions.code, 0, completions.stderr);
  assert.ok(completions.stdout.includes("iago __complete"));

  const usage = await runBundle(js, ["no-such-command"], ws.path);
  assert.equal(usage.code, 2);
});
