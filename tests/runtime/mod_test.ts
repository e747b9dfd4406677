import assert from "node:assert/strict";
import { join } from "node:path";
import { IagoError } from "../../src/errors.ts";
import {
  BOOTC_TEMPLATE_UNIT,
  bootcUpdateTimer,
  type ContainerEnv,
  containerEnvFile,
  DEFAULT_WORKLOAD_SCRIPTS,
  loadRuntimeScripts,
  POSTGRES_WORKLOAD_SCRIPTS,
  postgresBackupEnvFile,
  postgresBackupTimer,
  rollbackInstructions,
  RUNTIME_SCRIPTS,
  runtimeScriptPath,
  timeOfDay,
  type UpdateStrategy,
} from "../../src/runtime/mod.ts";
import { tempDir } from "../helpers/cli.ts";

Deno.test("bootcUpdateTimer() fires daily at the configured time, persistently", () => {
  const timer = bootcUpdateTimer("02:30:15");
  assert.match(timer, /^OnCalendar=\*-\*-\* 02:30:15$/m);
  assert.match(timer, /^Persistent=true$/m);
  assert.match(timer, /^RandomizedDelaySec=120$/m);
  assert.match(timer, /^Unit=bootc-update\.service$/m);
  assert.match(timer, /^WantedBy=timers\.target$/m);
});

Deno.test("timeOfDay() accepts HH:MM and HH:MM:SS and rejects anything else", () => {
  const cases: [string, string | null][] = [
    ["02:00:00", "02:00:00"],
    ["23:59", "23:59:00"],
    ["00:00:59", "00:00:59"],
    ["2:00:00", null],
    ["24:00:00", null],
    ["12:60:00", null],
    ["12:00:60", null],
    ["02:00:00\nExecStart=/bin/sh", null],
    ["", null],
  ];
  for (const [input, want] of cases) {
    if (want !== null) {
      assert.equal(timeOfDay(input), want, input);
    } else {
      assert.throws(() => timeOfDay(input), IagoError, JSON.stringify(input));
    }
  }
});

Deno.test("bootcUpdateTimer() names the setting and the fix for a bad time", () => {
  assert.throws(() => bootcUpdateTimer("2am"), (e: unknown) => {
    assert.ok(e instanceof IagoError);
    assert.equal(e.message, 'Invalid [bootc] update_time "2am": not a time of day');
    assert.match(e.hint ?? "", /HH:MM:SS/);
    return true;
  });
});

Deno.test("postgresBackupTimer() defaults to 01:00:00, before the container update", () => {
  assert.match(postgresBackupTimer(), /^OnCalendar=\*-\*-\* 01:00:00$/m);
  assert.match(postgresBackupTimer("04:15"), /^OnCalendar=\*-\*-\* 04:15:00$/m);
});

Deno.test("the bootc@ template runs bootc-run.sh as the original's unit does", () => {
  for (
    const line of [
      "Type=notify",
      "NotifyAccess=all",
      "Restart=always",
      "RestartSec=30",
      "TimeoutStartSec=30min",
      "EnvironmentFile=/etc/iago/containers/%i.env",
      "ExecStart=/usr/local/bin/bootc-run.sh %i",
      "ExecStop=/usr/bin/podman stop --ignore -t 30 ${CONTAINER_NAME}",
      "Wants=network-online.target",
      "After=network-online.target",
      "StartLimitIntervalSec=30min",
      "StartLimitBurst=5",
      "WantedBy=multi-user.target",
    ]
  ) {
    assert.ok(BOOTC_TEMPLATE_UNIT.split("\n").includes(line), `missing ${line}`);
  }
});

Deno.test("containerEnvFile() writes the keys the scripts read, quoting values with blanks", () => {
  assert.equal(
    containerEnvFile({
      image: "ghcr.io/acme/web:latest",
      containerName: "bootc-web",
      healthCmd: "curl -fs http://localhost:8080/health",
    }),
    "CONTAINER_IMAGE=ghcr.io/acme/web:latest\n" +
      "CONTAINER_NAME=bootc-web\n" +
      "HEALTH_CHECK_WAIT=30\n" +
      "UPDATE_STRATEGY=latest\n" +
      'HEALTH_CMD="curl -fs http://localhost:8080/health"\n',
  );
});

Deno.test("containerEnvFile() refuses values systemd and the scripts would read differently", () => {
  for (const healthCmd of ['test "$(id)"', "a\\b", "x\nCONTAINER_IMAGE=evil"]) {
    assert.throws(
      () => containerEnvFile({ image: "i:1", containerName: "bootc-x", healthCmd }),
      /Cannot write HEALTH_CMD=/,
    );
  }
});

Deno.test("containerEnvFile() rejects an image, name, wait or strategy the scripts would refuse", () => {
  const base = { image: "ghcr.io/acme/web:latest", containerName: "bootc-web" };
  const cases: [Partial<ContainerEnv>, RegExp][] = [
    [{ image: "" }, /Invalid container image ""/],
    [{ image: "ghcr.io/acme/web latest" }, /Invalid container image/],
    [{ containerName: "-web" }, /Invalid container name "-web"/],
    [{ containerName: "../web" }, /Invalid container name/],
    [{ healthCheckWait: 2.5 }, /Invalid health check wait "2.5"/],
    [{ healthCheckWait: -1 }, /Invalid health check wait "-1"/],
    [{ updateStrategy: "nightly" as UpdateStrategy }, /Invalid update strategy "nightly"/],
  ];
  for (const [change, message] of cases) {
    assert.throws(() => containerEnvFile({ ...base, ...change }), message, JSON.stringify(change));
  }
});

Deno.test("postgresBackupEnvFile() writes the backup settings and checks the retention", () => {
  assert.equal(
    postgresBackupEnvFile({ container: "bootc-db-01", retentionDays: 14 }),
    "POSTGRES_CONTAINER=bootc-db-01\nBACKUP_RETENTION_DAYS=14\n",
  );
  assert.equal(postgresBackupEnvFile({}), "BACKUP_RETENTION_DAYS=7\n");
  assert.throws(() => postgresBackupEnvFile({ retentionDays: 0 }), /Invalid backup retention "0"/);
});

Deno.test("rollbackInstructions() gives the exact commands for the machine and image", () => {
  const text = rollbackInstructions({
    machineName: "db-01",
    image: "registry.local:5000/team/db:latest",
  });
  assert.ok(text.includes(
    "  sudo podman tag registry.local:5000/team/db:previous " +
      "registry.local:5000/team/db:latest\n  sudo systemctl restart bootc@db-01.service\n",
  ));
  assert.ok(text.includes("sudo podman healthcheck run bootc-db-01"));
  assert.ok(text.includes("sudo vi /etc/iago/containers/db-01.env"));
  assert.ok(text.includes("CONTAINER_IMAGE=registry.local:5000/team/db:KNOWN-GOOD-TAG"));
  assert.ok(text.includes("sudo systemctl start bootc-update.service"));
  const untagged = rollbackInstructions({ machineName: "db-01", image: "registry.local:5000/db" });
  assert.ok(
    untagged.includes("sudo podman tag registry.local:5000/db:previous registry.local:5000/db\n"),
  );
});

Deno.test("every runtime script is embedded with a shebang and installs under /usr/local/bin", () => {
  const names = [...DEFAULT_WORKLOAD_SCRIPTS, ...POSTGRES_WORKLOAD_SCRIPTS].sort();
  assert.deepEqual(Object.keys(RUNTIME_SCRIPTS).sort(), names);
  for (const [name, text] of Object.entries(RUNTIME_SCRIPTS)) {
    assert.ok(text.startsWith("#!/bin/bash\n"), name);
  }
  assert.equal(runtimeScriptPath("bootc-update.sh"), "/usr/local/bin/bootc-update.sh");
});

Deno.test("loadRuntimeScripts() without an overrides directory gives the embedded scripts", async () => {
  await using dir = await tempDir();
  assert.deepEqual(await loadRuntimeScripts(join(dir.path, "config", "scripts")), RUNTIME_SCRIPTS);
});

Deno.test("loadRuntimeScripts() lets config/scripts replace a script, leaves other files alone", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(join(dir.path, "motd.sh"), "#!/bin/sh\necho hello\n");
  await Deno.writeTextFile(join(dir.path, "bootc-updte.sh"), "#!/bin/sh\n");
  await Deno.writeTextFile(join(dir.path, "my-helper.sh"), "#!/bin/sh\n");
  const warnings: string[] = [];
  const scripts = await loadRuntimeScripts(dir.path, {
    label: "config/scripts",
    onWarning: (w) => warnings.push(w),
  });
  assert.equal(scripts["motd.sh"], "#!/bin/sh\necho hello\n");
  assert.equal(scripts["bootc-update.sh"], RUNTIME_SCRIPTS["bootc-update.sh"]);
  assert.deepEqual(Object.keys(scripts).sort(), Object.keys(RUNTIME_SCRIPTS).sort());
  assert.deepEqual(warnings, [
    'config/scripts/bootc-updte.sh: replaces no embedded script; did you mean "bootc-update.sh"?',
  ]);
});

Deno.test("loadRuntimeScripts() rejects an override without a #! line, naming the file", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(join(dir.path, "bootc-run.sh"), "podman run x\n");
  await assert.rejects(loadRuntimeScripts(dir.path, { label: "config/scripts" }), (e: unknown) => {
    assert.ok(e instanceof IagoError);
    assert.equal(
      e.format().split("\n")[0],
      'config/scripts/bootc-run.sh:1:1: Cannot use the override "bootc-run.sh": it does not start with a "#!" line',
    );
    return true;
  });
});

Deno.test("loadRuntimeScripts() rejects a directory in place of a script", async () => {
  await using dir = await tempDir();
  await Deno.mkdir(join(dir.path, "motd.sh"));
  await assert.rejects(
    loadRuntimeScripts(dir.path, { label: "config/scripts" }),
    /Cannot use the override "motd.sh": it is not a regular file/,
  );
});
