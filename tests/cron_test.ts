/**
 * Unattended runs, as cron on a bastion host runs iago: a real process without a terminal.
 * No colour or progress, one line per machine/image with its result and duration, a summary,
 * exit 1 when anything failed, `--quiet` for problems only, and nothing redone when nothing changed.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { tempDir } from "./helpers/cli.ts";

const main = new URL("../main.ts", import.meta.url).pathname;

async function run(cwd: string, args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", "-A", main, ...args],
    cwd,
    env: { IAGO_GITHUB_URL: "http://127.0.0.1:9", TERM: "xterm-256color" },
  }).output();
  const stdout = new TextDecoder().decode(out.stdout);
  const stderr = new TextDecoder().decode(out.stderr);
  assert.ok(
    !(stdout + stderr).includes("\u001b["),
    `no escape codes without a terminal:\n${stderr}`,
  );
  return { code: out.code, stdout, stderr };
}

async function fleet(dir: string): Promise<void> {
  for (const name of ["db", "web"]) {
    const r = await run(dir, ["init", "--domain", "example.com", name]);
    assert.equal(r.code, 0, r.stderr);
    const file = join(dir, "containers", name, "Containerfile");
    await Deno.writeTextFile(
      file,
      (await Deno.readTextFile(file)).replace(/^FROM .*$/m, "FROM scratch"),
    );
  }
}

Deno.test("ignite --all from cron: a line per machine with its duration, a summary, unchanged the second time", async () => {
  await using dir = await tempDir();
  await fleet(dir.path);
  await Deno.remove(join(dir.path, "output"), { recursive: true });
  const first = await run(dir.path, ["ignite", "--all"]);
  assert.equal(first.code, 0, first.stderr);
  assert.match(
    first.stdout,
    /^db: written output\/ignition\/db\.ign \(\d+ ms\)\nweb: written output\/ignition\/web\.ign \(\d+ ms\)\n$/,
  );
  assert.match(first.stderr, /^2 machines in \d+ ms: 2 written, 0 unchanged, 0 failed\n$/);

  const before = await Deno.stat(join(dir.path, "output/ignition/web.ign"));
  const second = await run(dir.path, ["ignite", "--all"]);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stdout, /^db: unchanged .*\nweb: unchanged .*\n$/);
  const after = await Deno.stat(join(dir.path, "output/ignition/web.ign"));
  assert.equal(after.mtime?.getTime(), before.mtime?.getTime(), "the file was not rewritten");
});

Deno.test("--quiet prints only problems, and a failure still exits 1 with its line and reason", async () => {
  await using dir = await tempDir();
  await fleet(dir.path);
  const quiet = await run(dir.path, ["--quiet", "ignite", "--all"]);
  assert.equal(quiet.code, 0, quiet.stderr);
  assert.equal(quiet.stdout + quiet.stderr, "");

  const toml = join(dir.path, "machines/db/machine.toml");
  const text = (await Deno.readTextFile(toml)).replace(
    /^workloads = .*$/m,
    'workloads = ["postgress"]',
  );
  await Deno.writeTextFile(toml, text);
  const failed = await run(dir.path, ["-q", "ignite", "--all"]);
  assert.equal(failed.code, 1);
  assert.equal(failed.stdout, "db: failed (" + failed.stdout.match(/\((\d+) ms\)/)![1] + " ms)\n");
  assert.match(
    failed.stderr,
    /^error: machines\/db\/machine\.toml:\d+:\d+: Unknown workload "postgress"\n {2}hint: did you mean "postgres"\?\n/,
  );
  assert.ok(!failed.stderr.includes("web"), "nothing about the machine that was fine");
});

Deno.test("build --all from cron: a line per image, a summary, --quiet silent on success", async () => {
  await using dir = await tempDir();
  await fleet(dir.path);
  const built = await run(dir.path, ["build", "--all", "--no-push"]);
  assert.equal(built.code, 0, built.stderr);
  assert.match(
    built.stdout,
    /^db: wrote output\/images\/db\.tar .*\(\d+ ms\)\nweb: wrote .*\(\d+ ms\)\n$/,
  );
  assert.match(built.stderr, /built 2 of 2 containers/);
  const quiet = await run(dir.path, ["build", "--all", "--no-push", "--quiet"]);
  assert.equal(quiet.code, 0, quiet.stderr);
  assert.equal(quiet.stdout + quiet.stderr, "");
});

Deno.test("an unchanged ignite still marks the file up to date for list, and keeps it 0600", async () => {
  await using dir = await tempDir();
  await fleet(dir.path);
  const defaults = join(dir.path, "config/defaults.toml");
  // Inputs dated two minutes back, their output one: the change below is surely the newest,
  // which writes within one tick of the clock could not be.
  const back = (s: number) => new Date(Date.now() - s * 1000);
  for (const name of ["db", "web"]) {
    for (const f of ["machine.toml", "butane.yaml.tmpl"]) {
      await Deno.utime(join(dir.path, "machines", name, f), back(120), back(120));
    }
    await Deno.utime(join(dir.path, `output/ignition/${name}.ign`), back(60), back(60));
  }
  await Deno.utime(defaults, back(120), back(120));
  // A change to an input that does not change the output (a comment).
  await Deno.writeTextFile(defaults, (await Deno.readTextFile(defaults)) + "# a comment\n");
  const ign = join(dir.path, "output/ignition/web.ign");
  await Deno.chmod(ign, 0o644);
  const stale = JSON.parse((await run(dir.path, ["list", "--json"])).stdout);
  assert.deepEqual(stale.map((m: { ignition: string }) => m.ignition), ["stale", "stale"]);
  const again = await run(dir.path, ["ignite", "--all"]);
  assert.match(again.stdout, /^db: unchanged .*\nweb: unchanged .*\n$/);
  const fresh = JSON.parse((await run(dir.path, ["list", "--json"])).stdout);
  assert.deepEqual(fresh.map((m: { ignition: string }) => m.ignition), [
    "up to date",
    "up to date",
  ]);
  assert.equal((await Deno.stat(ign)).mode! & 0o777, 0o600);
});
