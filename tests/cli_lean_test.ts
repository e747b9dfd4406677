/**
 * The lean entry (src/cli/lean/) answers `iago butane`, `iago --version` and `iago list` without
 * the command tree: for every argument list it answers, its output, errors, exit code and written files
 * must be the full CLI's; every other one it must leave untouched for the full CLI.
 */
import assert from "node:assert/strict";
import { leanMain } from "../src/cli/lean/mod.ts";
import { main } from "../src/cli/main.ts";
import { memoryOutput } from "../src/output.ts";
import { tempDir } from "./helpers/cli.ts";

const GOOD =
  "variant: fcos\nversion: 1.5.0\nstorage:\n  files:\n    - path: /etc/motd\n      contents:\n        local: motd\n";
const WARN =
  "variant: fcos\nversion: 1.5.0\nstorage:\n  files:\n    - path: /etc/x\n      mode: 644\n";
const BAD = "variant: fcos\nversion: 1.5.0\nstorage:\n  files:\n    - path: /a\n      mode: nope\n";

async function workspace(path: string): Promise<void> {
  for (const name of ["web", "db"]) {
    const args = ["init", "--machine-only", "--domain", "example.com", name];
    const out = memoryOutput();
    const code = await main(args, { out, cwd: path, env: { IAGO_OFFLINE: "1" } });
    assert.equal(code, 0, out.stderr.join("\n"));
  }
  await Deno.mkdir(`${path}/machines/bad name`);
  await Deno.mkdir(`${path}/files`);
  await Deno.mkdir(`${path}/sub`);
  await Deno.writeTextFile(`${path}/files/motd`, "hi\n");
  await Deno.writeTextFile(`${path}/good.bu`, GOOD);
  await Deno.writeTextFile(`${path}/sub/good.bu`, GOOD);
  await Deno.writeTextFile(`${path}/warn.bu`, WARN);
  await Deno.writeTextFile(`${path}/bad.bu`, BAD);
  await Deno.writeTextFile(`${path}/plain.bu`, "variant: fcos\nversion: 1.4.0\n");
}

/** What a run printed and wrote: its exit code, stdout, stderr and out.ign, if any. */
async function runOnce(
  run: typeof main,
  args: string[],
  cwd: string,
): Promise<{ code: number | undefined; stdout: string[]; stderr: string[]; written?: string }> {
  await Deno.remove(`${cwd}/out.ign`).catch(() => {});
  const out = memoryOutput();
  const code = await run(args, { out, cwd, env: { NO_COLOR: "1" } });
  const written = await Deno.readTextFile(`${cwd}/out.ign`).catch(() => undefined);
  return { code, stdout: out.stdout, stderr: out.stderr, written };
}

const ANSWERED = [
  ["--version"],
  ["-v"],
  ["-q", "--version"],
  ["-C", "sub", "--version"],
  ["-C", "nowhere", "--version"],
  ["butane", "plain.bu"],
  ["butane", "-d", "files", "good.bu"],
  ["butane", "--files-dir", "files", "--pretty", "good.bu"],
  ["butane", "good.bu", "--filesDir", "files", "-p", "-s", "-r"],
  ["butane", "good.bu"],
  ["butane", "warn.bu"],
  ["butane", "--strict", "warn.bu"],
  ["--quiet", "butane", "bad.bu"],
  ["butane", "bad.bu"],
  ["butane", "--check", "-d", "files", "good.bu"],
  ["butane", "-c", "warn.bu"],
  ["butane", "-d", "files", "-o", "out.ign", "good.bu"],
  ["butane", "--output", "out.ign", "--strict", "warn.bu"],
  ["butane", "-o", "no/such/dir/out.ign", "plain.bu"],
  ["butane", "missing.bu"],
  ["butane", "constructor"],
  ["butane", "files"],
  ["-C", "sub", "butane", "-d", "../files", "good.bu"],
  ["butane", "--raw", "plain.bu", "-q"],
  ["list"],
  ["ls"],
  ["list", "--json"],
  ["-q", "ls", "--json"],
  ["-C", "sub", "list"],
  ["-C", "files/motd", "list"],
];

Deno.test("the lean entry answers butane, --version and list exactly as the full CLI", async () => {
  await using dir = await tempDir();
  await workspace(dir.path);
  for (const args of ANSWERED) {
    const lean = await runOnce(leanMain as typeof main, args, dir.path);
    const full = await runOnce(main, args, dir.path);
    assert.notEqual(lean.code, undefined, `the lean entry answers iago ${args.join(" ")}`);
    assert.deepEqual(lean, full, `iago ${args.join(" ")}`);
  }
});

const LEFT_TO_THE_FULL_CLI = [
  [],
  ["--help"],
  ["--version", "extra"],
  ["list", "--json=false"],
  ["list", "--no-json"],
  ["list", "--json", "--json"],
  ["ls", "web"],
  ["list", "-h"],
  ["validate"],
  ["butane", "--help"],
  ["butane", "-h"],
  ["butane", "--strict=false", "plain.bu"],
  ["butane", "--no-strict", "plain.bu"],
  ["butane", "--files-dir=files", "good.bu"],
  ["butane", "-sp", "plain.bu"],
  ["butane", "--strict", "--strict", "plain.bu"],
  ["butane", "-o", "a.ign", "-o", "b.ign", "plain.bu"],
  ["butane", "plain.bu", "good.bu"],
  ["butane", "-"],
  ["butane", "--", "plain.bu"],
  ["butane", "-o"],
  ["butane", "-o", "-p", "plain.bu"],
  ["butane", "--unknown", "plain.bu"],
  ["butane", ""],
  ["butane", "--constructor", "plain.bu"],
  ["-C"],
];

Deno.test("the lean entry leaves every other argument list to the full CLI, untouched", async () => {
  await using dir = await tempDir();
  await workspace(dir.path);
  for (const args of LEFT_TO_THE_FULL_CLI) {
    const out = memoryOutput();
    const code = await leanMain(args, { out, cwd: dir.path, env: { NO_COLOR: "1" } });
    assert.equal(code, undefined, `iago ${args.join(" ")} is the full CLI's`);
    assert.deepEqual([out.stdout, out.stderr], [[], []], `iago ${args.join(" ")} printed nothing`);
  }
});
