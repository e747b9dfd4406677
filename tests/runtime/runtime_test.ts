/**
 * The on-machine runtime against the real tools: bats drives the scripts with stub podman and
 * systemctl, shellcheck lints what ships, systemd-analyze verifies the units in a scratch root.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  BOOTC_MANAGER_SERVICE,
  BOOTC_TEMPLATE_UNIT,
  BOOTC_UPDATE_CHECK_SERVICE,
  BOOTC_UPDATE_SERVICE,
  bootcUpdateTimer,
  containerEnvFile,
  POSTGRES_BACKUP_SERVICE,
  postgresBackupTimer,
  RUNTIME_SCRIPTS,
} from "../../src/runtime/mod.ts";
import { tempDir } from "../helpers/cli.ts";

const HERE = fileURLToPath(new URL(".", import.meta.url));
const ROOT = join(HERE, "..", "..");

interface Run {
  code: number;
  out: string;
}

/** Runs a Debian tool; a missing tool fails the test with how to get it. */
async function tool(cmd: string, args: string[], options: Deno.CommandOptions = {}): Promise<Run> {
  try {
    const r = await new Deno.Command(cmd, { ...options, args, stdout: "piped", stderr: "piped" })
      .output();
    const dec = new TextDecoder();
    return { code: r.code, out: dec.decode(r.stdout) + dec.decode(r.stderr) };
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      assert.fail(`${cmd} is not installed; run scripts/setup.sh (Debian package of ${cmd})`);
    }
    throw err;
  }
}

Deno.test("the bats tests of the on-machine scripts pass", async () => {
  const r = await tool("bats", ["--tap", join(HERE)], { cwd: ROOT });
  assert.equal(r.code, 0, `bats tests/runtime failed:\n${r.out}`);
  assert.match(r.out, /^1\.\.\d+/m);
});

Deno.test("every shipped script and test stub is shellcheck clean", async () => {
  await using dir = await tempDir();
  const files: string[] = [];
  for (const [name, text] of Object.entries(RUNTIME_SCRIPTS)) {
    await Deno.writeTextFile(join(dir.path, name), text);
    files.push(join(dir.path, name));
  }
  for (const stub of ["podman", "systemctl", "sleep", "logger", "uname", "_record.bash"]) {
    files.push(join(HERE, "stubs", stub));
  }
  const r = await tool("shellcheck", ["-x", ...files], { cwd: ROOT });
  assert.equal(r.code, 0, `shellcheck found problems:\n${r.out}`);
});

/** Verifies `units` (name -> text) in a scratch root holding the executables they name. */
async function verifyUnits(units: Record<string, string>, check: string[]): Promise<Run> {
  await using dir = await tempDir("iago-verify-");
  const root = dir.path;
  // verify needs the distribution's targets (sysinit.target, ...) inside the root.
  await Deno.mkdir(join(root, "usr", "lib", "systemd"), { recursive: true });
  const copy = await tool("cp", [
    "-r",
    "/usr/lib/systemd/system",
    join(root, "usr", "lib", "systemd"),
  ]);
  assert.equal(copy.code, 0, copy.out);
  const bin = join(root, "usr", "local", "bin");
  await Deno.mkdir(bin, { recursive: true });
  for (const [name, text] of Object.entries(RUNTIME_SCRIPTS)) {
    await Deno.writeTextFile(join(bin, name), text, { mode: 0o755 });
  }
  await Deno.mkdir(join(root, "usr", "bin"), { recursive: true });
  await Deno.writeTextFile(join(root, "usr", "bin", "podman"), "#!/bin/sh\n", { mode: 0o755 });
  const unitDir = join(root, "etc", "systemd", "system");
  await Deno.mkdir(unitDir, { recursive: true });
  for (const [name, text] of Object.entries(units)) {
    await Deno.writeTextFile(join(unitDir, name), text);
  }
  return await tool("systemd-analyze", ["verify", "--man=no", `--root=${root}`, ...check]);
}

Deno.test("systemd-analyze verify accepts every unit of the runtime", async () => {
  const r = await verifyUnits({
    "bootc@.service": BOOTC_TEMPLATE_UNIT,
    "bootc-manager.service": BOOTC_MANAGER_SERVICE,
    "bootc-update.service": BOOTC_UPDATE_SERVICE,
    "bootc-update-check.service": BOOTC_UPDATE_CHECK_SERVICE,
    "bootc-update.timer": bootcUpdateTimer("02:00:00"),
    "postgres-backup.service": POSTGRES_BACKUP_SERVICE,
    "postgres-backup.timer": postgresBackupTimer(),
  }, [
    "bootc@web.service",
    "bootc-manager.service",
    "bootc-update.service",
    "bootc-update-check.service",
    "bootc-update.timer",
    "postgres-backup.service",
    "postgres-backup.timer",
  ]);
  assert.equal(r.code, 0, `systemd-analyze verify failed:\n${r.out}`);
  assert.equal(r.out.trim(), "", `systemd-analyze verify warned:\n${r.out}`);
});

Deno.test("the verify check catches a unit with an unknown key or a missing program", async () => {
  const r = await verifyUnits({
    "broken.service": "[Service]\nType=oneshot\nExecStart=/usr/local/bin/missing.sh\nRestartt=no\n",
  }, ["broken.service"]);
  assert.notEqual(r.code, 0);
  assert.match(r.out, /Unknown key 'Restartt'/);
  assert.match(r.out, /missing\.sh is not executable/);
});

Deno.test("the env file iago writes is read by bootc-run.sh as written", async () => {
  await using dir = await tempDir();
  const containers = join(dir.path, "containers");
  const state = join(dir.path, "state");
  await Deno.mkdir(containers);
  await Deno.mkdir(state);
  await Deno.writeTextFile(
    join(containers, "db.env"),
    containerEnvFile({
      image: "registry.local:5000/team/db:v1",
      containerName: "bootc-db",
      machineName: "db-01",
      healthCmd: "pg_isready -q -h 'localhost'",
      podmanArgs: "--memory 1g",
    }),
  );
  const r = await tool(join(ROOT, "src", "runtime", "bootc-run.sh"), ["db"], {
    env: {
      PATH: `${join(HERE, "stubs")}:${Deno.env.get("PATH")}`,
      STUB_STATE: state,
      IAGO_CONTAINERS_DIR: containers,
    },
  });
  assert.equal(r.code, 0, r.out);
  const commands = await Deno.readTextFile(join(state, "commands"));
  assert.equal(
    commands.split("\n")[1],
    "podman run --rm --name bootc-db --net host --pid host --privileged --security-opt " +
      "label=disable -v /etc/iago:/etc/iago:ro --tz local -v /var:/var -v /run:/run " +
      "--env MACHINE_NAME=db-01 " +
      "--sdnotify=conmon --health-cmd 'pg_isready -q -h 'localhost'' --health-interval 30s " +
      "--health-retries 3 --health-start-period 60s --health-on-failure kill --memory 1g registry.local:5000/team/db:v1",
  );
});

Deno.test("the scripts share one env reader and one image naming, word for word", () => {
  const fn = (script: string, name: string) => {
    const m = new RegExp(`^${name}\\(\\) \\{\\n[\\s\\S]*?^\\}$`, "m").exec(RUNTIME_SCRIPTS[script]);
    assert.ok(m, `${script} has no ${name}()`);
    return m[0];
  };
  for (const name of ["load_env", "image_repo", "run_ref"]) {
    const reference = fn("bootc-update.sh", name);
    for (const script of ["bootc-run.sh", "motd.sh"]) {
      assert.equal(
        fn(script, name),
        reference,
        `${name}() in ${script} differs from bootc-update.sh`,
      );
    }
  }
  const keys = (script: string) => /^ENV_KEYS="(.*)"$/m.exec(RUNTIME_SCRIPTS[script])?.[1];
  assert.equal(keys("bootc-run.sh"), keys("bootc-update.sh"));
  assert.equal(keys("motd.sh"), keys("bootc-update.sh"));
});
