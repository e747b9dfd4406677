import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { summarizeMachines } from "../src/config/fleet.ts";
import { initMachine } from "../src/scaffold/mod.ts";
import { machinePaths } from "../src/scaffold/remove.ts";
import { Workspace } from "../src/workspace.ts";
import { holdLock, iago, tempDir } from "./helpers/cli.ts";

const MAIN = fileURLToPath(new URL("../main.ts", import.meta.url));

async function write(root: string, path: string, text: string): Promise<void> {
  await Deno.mkdir(dirname(join(root, path)), { recursive: true });
  await Deno.writeTextFile(join(root, path), text);
}

/** Sets a file's modification time to `seconds` after the epoch. */
async function age(root: string, path: string, seconds: number): Promise<void> {
  await Deno.utime(join(root, path), seconds, seconds);
}

async function exists(path: string): Promise<boolean> {
  return await Deno.lstat(path).then(() => true, () => false);
}

Deno.test("list says there are no machines in an empty workspace", async () => {
  await using dir = await tempDir();
  const r = await iago(["list"], { cwd: dir.path });
  assert.equal(r.code, 0);
  assert.equal(r.stdout, "");
  assert.match(r.stderr, /No machines yet\. Create one with: iago init NAME/);
  const json = await iago(["ls", "--json"], { cwd: dir.path });
  assert.deepEqual(JSON.parse(json.stdout), []);
});

Deno.test("list prints a table of name, fqdn, MAC, image, workloads and ignition state", async () => {
  await using dir = await tempDir();
  await write(
    dir.path,
    "machines/postgres/machine.toml",
    'name = "postgres"\nfqdn = "postgres.example.com"\nmac_address = "02:05:56:39:1b:21"\nworkloads = ["postgres"]\n',
  );
  await write(
    dir.path,
    "machines/web/machine.toml",
    'name = "web"\nfqdn = "web.example.com"\ncontainer_image = "localhost:5000/web"\ncontainer_tag = "v2"\n',
  );
  const r = await iago(["list"], { cwd: dir.path });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.stdout.split("\n"), [
    "NAME      FQDN                  MAC                IMAGE                                         WORKLOADS  IGNITION",
    "postgres  postgres.example.com  02:05:56:39:1b:21  ghcr.io/your-github-username/postgres:latest  postgres   missing",
    "web       web.example.com       -                  localhost:5000/web:v2                         -          missing",
  ]);
  const alias = await iago(["ls"], { cwd: dir.path });
  assert.equal(alias.stdout, r.stdout);
});

Deno.test("list --json gives the same facts to scripts", async () => {
  await using dir = await tempDir();
  await write(
    dir.path,
    "machines/db/machine.toml",
    'name = "db"\nfqdn = "db.example.com"\nmac_address = "02:05:56:00:00:01"\n',
  );
  const r = await iago(["list", "--json"], { cwd: dir.path });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), [{
    name: "db",
    fqdn: "db.example.com",
    macAddress: "02:05:56:00:00:01",
    image: "ghcr.io/your-github-username/db:latest",
    workloads: [],
    ignition: "missing",
  }]);
});

Deno.test("the ignition state is stale when machine.toml, the template or defaults are newer", async () => {
  await using dir = await tempDir();
  const ws = new Workspace(dir.path);
  await write(dir.path, "config/defaults.toml", "");
  await write(dir.path, "machines/db/machine.toml", 'name = "db"\nfqdn = "db.example.com"\n');
  await write(dir.path, "machines/db/butane.yaml.tmpl", "variant: fcos\nversion: 1.5.0\n");
  await write(dir.path, "output/ignition/db.ign", "{}");
  for (
    const f of ["config/defaults.toml", "machines/db/machine.toml", "machines/db/butane.yaml.tmpl"]
  ) {
    await age(dir.path, f, 1_000_000);
  }
  await age(dir.path, "output/ignition/db.ign", 2_000_000);
  assert.equal((await summarizeMachines(ws))[0].ignition, "up to date");
  for (
    const f of ["machines/db/machine.toml", "machines/db/butane.yaml.tmpl", "config/defaults.toml"]
  ) {
    await age(dir.path, f, 3_000_000);
    assert.equal((await summarizeMachines(ws))[0].ignition, "stale", f);
    await age(dir.path, f, 1_000_000);
  }
  const r = await iago(["list"], { cwd: dir.path });
  assert.match(r.stdout.split("\n")[1], /up to date$/);
});

Deno.test("list shows every machine's Ignition missing when output/ignition is a file", async () => {
  await using dir = await tempDir();
  for (const name of ["db", "web"]) {
    await write(dir.path, `machines/${name}/machine.toml`, `name = "${name}"\n`);
  }
  // (Stats of both machines' files fail at once: the first to fail used to be the error.)
  await write(dir.path, "output/ignition", "not a directory");
  const r = await iago(["list", "--json"], { cwd: dir.path });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout).map((m: { ignition: string }) => m.ignition), [
    "missing",
    "missing",
  ]);
});

Deno.test("list shows an invalid machine and warns, and fails on invalid defaults", async () => {
  await using dir = await tempDir();
  await write(dir.path, "machines/bad/machine.toml", 'name = "bad"\nfqdn = "nodots"\n');
  const r = await iago(["list"], { cwd: dir.path });
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^bad\s+\(invalid: run iago validate\)\s+missing$/m);
  assert.match(r.stderr, /machines\/bad\/machine\.toml:2:1: Invalid fqdn "nodots"/);
  const json = JSON.parse((await iago(["list", "--json"], { cwd: dir.path })).stdout);
  assert.match(json[0].error, /Invalid fqdn/);

  await write(dir.path, "config/defaults.toml", "[network]\ntimezone = 5\n");
  const broken = await iago(["list"], { cwd: dir.path });
  assert.equal(broken.code, 1);
  assert.match(broken.stderr, /config\/defaults\.toml:2:1: Invalid network\.timezone 5/);
});

/** A workspace with machines web and db, each with outputs and secrets. */
async function fleet(root: string): Promise<void> {
  for (const name of ["web", "db"]) {
    await initMachine(new Workspace(root), name);
    await write(root, `output/ignition/${name}.ign`, "{}");
    await write(root, `output/images/${name}.tar`, "tar");
    await write(root, `.iago/secrets/${name}/password`, "secret");
  }
}

Deno.test("rm without a terminal refuses unless --force, and removes nothing", async () => {
  await using dir = await tempDir();
  await fleet(dir.path);
  const r = await iago(["rm", "web"], { cwd: dir.path });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /Not removing "web" without confirmation/);
  assert.match(r.stderr, /iago rm --force web/);
  assert.equal((await machinePaths(new Workspace(dir.path), "web")).length, 5);
});

Deno.test("rm --force removes the machine, container, outputs and secrets, and nothing else", async () => {
  await using dir = await tempDir();
  await fleet(dir.path);
  const r = await iago(["rm", "--force", "web"], { cwd: dir.path });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.stdout.split("\n"), [
    "removed machines/web",
    "removed containers/web",
    "removed output/ignition/web.ign",
    "removed output/images/web.tar",
    "removed .iago/secrets/web",
  ]);
  assert.deepEqual(await machinePaths(new Workspace(dir.path), "web"), []);
  assert.equal((await machinePaths(new Workspace(dir.path), "db")).length, 5);
  for (const kept of ["config/defaults.toml", ".gitignore", "output/ignition", ".iago/secrets"]) {
    assert.ok(await exists(join(dir.path, kept)), kept);
  }
});

Deno.test("remove, delete and -f are rm too; a container-only machine can be removed", async () => {
  await using dir = await tempDir();
  await fleet(dir.path);
  assert.equal((await iago(["remove", "-f", "web"], { cwd: dir.path })).code, 0);
  assert.equal((await iago(["delete", "--force", "db"], { cwd: dir.path })).code, 0);
  assert.equal((await iago(["init", "--container-only", "app"], { cwd: dir.path })).code, 0);
  const r = await iago(["rm", "--force", "app"], { cwd: dir.path });
  assert.equal(r.stdout, "removed containers/app");
  assert.deepEqual([...Deno.readDirSync(join(dir.path, "machines"))], []);
});

Deno.test("rm of a name that does not exist or is not a DNS label is a usage error", async () => {
  await using dir = await tempDir();
  await fleet(dir.path);
  const missing = await iago(["rm", "--force", "webb"], { cwd: dir.path });
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /No machine or container "webb" to remove/);
  assert.match(missing.stderr, /did you mean "web"\?/);
  for (const name of ["../web", "a/b", "."]) {
    const bad = await iago(["rm", "--force", name], { cwd: dir.path });
    assert.equal(bad.code, 2, name);
    assert.match(bad.stderr, /Invalid machine name/);
  }
  assert.equal((await machinePaths(new Workspace(dir.path), "web")).length, 5);
});

Deno.test("rm asks on a terminal and removes only after yes", async () => {
  await using dir = await tempDir();
  await fleet(dir.path);
  const ws = new Workspace(dir.path);
  // `script` gives the real CLI a pseudo-terminal; the answer is typed on its stdin. It runs the
  // command through $SHELL -c: /bin/sh, whatever the machine's login shell is.
  const answer = async (text: string) => {
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command("script", {
        args: [
          "-qec",
          `exec '${Deno.execPath()}' run -A '${MAIN}' -C '${dir.path}' rm web`,
          "/dev/null",
        ],
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
        env: { NO_COLOR: "1", SHELL: "/bin/sh" },
      }).spawn();
    } catch (err) {
      throw new Error(`script (util-linux) is needed for this test: ${err}`);
    }
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(text));
    await w.close();
    const out = await child.output();
    return new TextDecoder().decode(out.stdout);
  };
  const no = await answer("n\n");
  assert.match(no, /Remove machine "web"\? \[y\/N\]/);
  assert.match(no, /Nothing removed/);
  assert.equal((await machinePaths(ws, "web")).length, 5);
  const yes = await answer("y\n");
  assert.match(yes, /removed machines\/web/);
  assert.deepEqual(await machinePaths(ws, "web"), []);
  assert.equal((await machinePaths(ws, "db")).length, 5);
});

Deno.test("boolean flags take =false and --no- forms: list --json=false, rm --no-force", async () => {
  await using dir = await tempDir();
  await fleet(dir.path);
  for (const flag of ["--json=false", "--no-json"]) {
    const r = await iago(["list", flag], { cwd: dir.path });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^NAME\s+FQDN/, flag);
  }
  for (const flag of ["--force=false", "--no-force"]) {
    const r = await iago(["rm", flag, "web"], { cwd: dir.path });
    assert.equal(r.code, 1, flag);
    assert.match(r.stderr, /without confirmation/);
  }
  assert.equal((await iago(["rm", "--force=true", "web"], { cwd: dir.path })).code, 0);
});

Deno.test("list flags a machine directory whose name is not a DNS label", async () => {
  await using dir = await tempDir();
  await write(dir.path, "machines/Web/machine.toml", 'name = "Web"\nfqdn = "w.example.com"\n');
  const r = await iago(["list", "--json"], { cwd: dir.path });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), [{
    name: "Web",
    ignition: "missing",
    error: "machines/Web: not a valid machine name",
  }]);
});

Deno.test("rm waits for a running ignite, so it cannot write the machine's files back", async () => {
  await using dir = await tempDir();
  await fleet(dir.path);
  // The workspace lock of an ignite that is still running (this process is alive).
  using _held = await holdLock(join(dir.path, ".iago/ignite.lock"));
  const env = { IAGO_LOCK_TIMEOUT: "0.2" };
  const r = await iago(["rm", "--force", "web"], { cwd: dir.path, env });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /Cannot start rm: another iago run holds .*ignite\.lock \(pid \d+\)/);
  assert.equal((await machinePaths(new Workspace(dir.path), "web")).length, 5);
});

Deno.test("a machine directory named with a line break or escape prints escaped, never as a line of its own", async () => {
  await using dir = await tempDir();
  await fleet(dir.path);
  const name = "x\nerror: fake\r\x1b[2K";
  await Deno.mkdir(join(dir.path, "machines", name));
  await Deno.copyFile(
    join(dir.path, "machines", "web", "machine.toml"),
    join(dir.path, "machines", name, "machine.toml"),
  );
  for (const args of [["ignite", "--all"], ["list"], ["validate"], ["ignite", name]]) {
    const r = await iago(args, { cwd: dir.path });
    const lines = `${r.stdout}\n${r.stderr}`.split("\n");
    assert.ok(!lines.some((l) => l.startsWith("error: fake")), `${args}: ${lines.join("|")}`);
    assert.ok(
      !lines.some((l) => l.includes("\r") || l.includes("\x1b")),
      `${args}: a control character`,
    );
    assert.match(`${r.stdout}\n${r.stderr}`, /x\\nerror: fake\\r\\x1b\[2K/, `${args}`);
  }
});

Deno.test("a symbolically linked machine directory is not a machine: ignite NAME refuses it, --all, list and validate say so", async () => {
  await using dir = await tempDir();
  await using outside = await tempDir();
  await initMachine(new Workspace(dir.path), "web");
  await initMachine(new Workspace(outside.path), "linked");
  await Deno.symlink(
    join(outside.path, "machines", "linked"),
    join(dir.path, "machines", "linked"),
  );
  const said =
    "machines/linked: The machine directory is a symbolic link, which iago does not follow";

  const one = await iago(["ignite", "linked"], { cwd: dir.path });
  assert.equal(one.code, 1);
  assert.match(one.stderr, new RegExp(`${said}\n.*hint: move the machine's directory itself`));
  await assert.rejects(Deno.stat(join(dir.path, "output", "ignition", "linked.ign")));
  const all = await iago(["ignite", "--all"], { cwd: dir.path });
  assert.equal(all.code, 0, all.stderr);
  assert.ok(all.stderr.includes(`warning: ${said}; skipped`), all.stderr);
  assert.ok(!all.stdout.includes("linked"));
  const list = await iago(["list"], { cwd: dir.path });
  assert.ok(list.stderr.includes(`warning: ${said}; skipped`), list.stderr);
  const validate = await iago(["validate"], { cwd: dir.path });
  assert.equal(validate.code, 1);
  assert.ok(validate.stderr.includes(`error: ${said}`), validate.stderr);
});
