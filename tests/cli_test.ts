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
      "plan",
      "serve",
      "status",
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

Deno.test("__complete completes a partial flag passed after --, as the shell scripts pass it", async () => {
  await using dir = await tempDir();
  const r = await iago(["__complete", "--", "ignite", "--st"], { cwd: dir.path });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.stdout.split("\n"), ["--strict"]);
  for (const shell of ["bash", "zsh", "fish"]) {
    const script = (await iago(["completions", shell], { cwd: dir.path })).stdout;
    assertIncludes(script, "iago __complete -- ");
  }
});

Deno.test("the bash completion script completes commands and flags in a real bash", async () => {
  await using dir = await tempDir();
  const script = (await iago(["completions", "bash"], { cwd: dir.path })).stdout;
  const main = new URL("../main.ts", import.meta.url).pathname;
  await Deno.writeTextFile(
    `${dir.path}/iago`,
    `#!/bin/sh\nexec "${Deno.execPath()}" run --quiet -A "${main}" "$@"\n`,
  );
  await Deno.chmod(`${dir.path}/iago`, 0o755);
  const probe = `${script}
COMP_WORDS=(iago ign); COMP_CWORD=1; _iago_complete; echo "\${COMPREPLY[*]}"
COMP_WORDS=(iago ignite --ro); COMP_CWORD=2; _iago_complete; echo "\${COMPREPLY[*]}"`;
  const out = await new Deno.Command("bash", {
    args: ["-c", probe],
    env: { PATH: `${dir.path}:${Deno.env.get("PATH")}` },
  }).output();
  assert.equal(new TextDecoder().decode(out.stdout), "ignite\n--rotate-secrets\n");
});

Deno.test("usage errors say what is wrong and where to look, also with --quiet", async () => {
  await using dir = await tempDir();
  const flag = await iago(["-q", "ignite", "--bogus"], { cwd: dir.path });
  assert.equal(flag.code, 2);
  assert.equal(
    flag.stderr,
    "error: No flag registered for --bogus\n  hint: iago COMMAND --help shows its flags and arguments",
  );
  const command = await iago(["ignitte"], { cwd: dir.path });
  assert.equal(command.code, 2);
  assert.match(
    command.stderr,
    /^error: No command registered for `ignitte`, did you mean `ignite`\?/,
  );
  assert.match(command.stderr, /\n {2}hint: iago --help lists the commands$/);
});

Deno.test("a reader that goes away (| head) ends iago quietly, not with a broken-pipe error", async () => {
  await using dir = await tempDir();
  // 300 KB of output that gzip cannot shrink: more than a pipe holds.
  const random = crypto.getRandomValues(new Uint8Array(60_000));
  const inline = btoa(String.fromCharCode(...random)).repeat(4);
  await Deno.writeTextFile(
    `${dir.path}/big.bu`,
    `variant: fcos\nversion: 1.5.0\nstorage:\n  files:\n    - path: /big\n      contents:\n        inline: ${inline}\n`,
  );
  const main = new URL("../main.ts", import.meta.url).pathname;
  const out = await new Deno.Command("bash", {
    args: [
      "-c",
      `"$0" run --quiet -A "$1" butane big.bu | head -c 20; echo " status=\${PIPESTATUS[0]}"`,
      Deno.execPath(),
      main,
    ],
    cwd: dir.path,
  }).output();
  assert.equal(new TextDecoder().decode(out.stderr), "");
  assert.match(new TextDecoder().decode(out.stdout), /^\{"ignition":\{"versio status=0\n$/);
});

Deno.test("completion proposes the workspace's machines and containers for NAME arguments", async () => {
  await using dir = await tempDir();
  for (const name of ["web", "db-01", "db-02"]) {
    assert.equal((await iago(["init", name], { cwd: dir.path })).code, 0);
  }
  assert.equal((await iago(["init", "--container-only", "dbproxy"], { cwd: dir.path })).code, 0);
  const complete = async (...words: string[]) =>
    (await iago(["__complete", "--", ...words], { cwd: dir.path })).stdout.split("\n").sort();
  assert.deepEqual(await complete("ignite", "db"), ["db-01", "db-02"]);
  assert.deepEqual(await complete("rm", "w"), ["web"]);
  assert.deepEqual(await complete("build", "db"), ["db-01", "db-02", "dbproxy"]);
  assert.deepEqual(
    await complete("validate", "db-01", "d"),
    ["db-01", "db-02"],
  );
});

Deno.test("every command that reads the registry takes --token-file and refuses it beside --token", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(`${dir.path}/empty-token`, "\n");
  for (const command of [["build", "web"], ["plan"], ["status"], ["verify", "web"]]) {
    const both = await iago([...command, "--token", "x", "--token-file", "t"], { cwd: dir.path });
    assert.equal(both.code, 2, command.join(" "));
    assertIncludes(both.stderr, "Give --token or --token-file, not both");
    const missing = await iago([...command, "--token-file", "nope"], { cwd: dir.path });
    assert.equal(missing.code, 1, command.join(" "));
    assertIncludes(missing.stderr, "Cannot read the registry token from nope");
    const empty = await iago([...command, "--token-file", "empty-token"], { cwd: dir.path });
    assertIncludes(empty.stderr, "The registry token from empty-token is empty");
  }
});
