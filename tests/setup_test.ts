/**
 * scripts/setup.sh, the README's first command, run with stub `deno`, `npm`, `sudo`, `id` and
 * `dpkg-query` as the only commands on PATH, so what it would install is recorded, never done.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { tempDir } from "./helpers/cli.ts";

const SETUP = new URL("../scripts/setup.sh", import.meta.url).pathname;

/** The stubs; each logs its command line to $LOG. `deno` is old until `npm install` ran. */
const STUBS: Record<string, string> = {
  deno: `if [ "$1" = --version ]; then
  if [ -e "$STATE/installed" ]; then echo "deno 2.9.6 (stable)"; else echo "deno 2.0.0 (stable)"; fi
else echo "deno $*" >>"$LOG"; fi`,
  npm: `echo "npm $*" >>"$LOG"
case "$1" in
  prefix) echo "$NPM_PREFIX" ;;
  install) touch "$STATE/installed" ;;
esac`,
  sudo: `echo "sudo $*" >>"$LOG"; "$@"`,
  id: `echo 1000`,
  "dpkg-query": `echo "install ok installed"`,
};

interface SetupRun {
  code: number;
  stderr: string;
  log: string[];
}

async function runSetup(
  dir: string,
  options: { npmPrefix: string; withNpm?: boolean },
): Promise<SetupRun> {
  const bin = join(dir, "bin");
  await Deno.mkdir(bin);
  for (const [name, body] of Object.entries(STUBS)) {
    if (name === "npm" && options.withNpm === false) continue;
    await Deno.writeTextFile(join(bin, name), `#!/bin/bash\n${body}\n`, { mode: 0o755 });
  }
  // Only these real tools: no real npm, apt-get or sudo can be reached.
  for (const tool of ["awk", "grep", "touch"]) {
    await Deno.symlink(`/usr/bin/${tool}`, join(bin, tool));
  }
  const log = join(dir, "log");
  await Deno.writeTextFile(log, "");
  const out = await new Deno.Command("/bin/bash", {
    args: [SETUP],
    cwd: dir,
    clearEnv: true,
    env: {
      PATH: bin,
      LOG: log,
      STATE: dir,
      NPM_PREFIX: options.npmPrefix,
      HOME: dir,
    },
  }).output();
  return {
    code: out.code,
    stderr: new TextDecoder().decode(out.stderr),
    log: (await Deno.readTextFile(log)).trim().split("\n").filter((l) => l !== ""),
  };
}

Deno.test("setup.sh installs Deno with sudo when npm's global prefix is not writable", async () => {
  await using dir = await tempDir();
  const r = await runSetup(dir.path, { npmPrefix: "/nonexistent/npm-prefix" });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.log, [
    "npm prefix -g",
    "sudo npm install -g deno@2.9.6",
    "npm install -g deno@2.9.6",
    "deno install --frozen",
  ]);
});

Deno.test("setup.sh installs Deno without sudo into a writable npm prefix", async () => {
  await using dir = await tempDir();
  const r = await runSetup(dir.path, { npmPrefix: dir.path });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.log, ["npm prefix -g", "npm install -g deno@2.9.6", "deno install --frozen"]);
});

Deno.test("setup.sh without npm says how to get Deno instead of failing on a missing command", async () => {
  await using dir = await tempDir();
  const r = await runSetup(dir.path, { npmPrefix: dir.path, withNpm: false });
  assert.equal(r.code, 1);
  assert.equal(
    r.stderr,
    "setup.sh: Deno 2.9.6 is needed and npm is not installed: install npm (sudo apt-get install npm) or Deno 2.9.6, then run this again\n",
  );
});
