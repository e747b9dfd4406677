/**
 * `iago plan` over the repository's example fleet, one kind of change at a time, and over a
 * workspace whose image is in a real registry (Distribution): what it reports, its exit code,
 * that it never shows a secret, and that it writes, generates and pushes nothing.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { iago, tempDir } from "../helpers/cli.ts";
import { startRegistry } from "../helpers/registry.ts";
import { snapshot } from "../ignite/fixtures.ts";
import { writeTree } from "../oci/fixtures.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const ENV = { IAGO_GITHUB_URL: "http://127.0.0.1:9" };

async function exampleFleet(dir: string): Promise<void> {
  for (const part of ["config", "machines", "containers"]) {
    const out = await new Deno.Command("cp", { args: ["-a", join(ROOT, part), dir] }).output();
    assert.equal(out.code, 0);
  }
  const r = await iago(["ignite", "--all"], { cwd: dir, env: ENV });
  assert.equal(r.code, 0, r.stderr);
}

async function edit(file: string, from: string | RegExp, to: string): Promise<void> {
  const text = await Deno.readTextFile(file);
  const next = text.replace(from, to);
  assert.notEqual(next, text, `${file} has no ${from}`);
  await Deno.writeTextFile(file, next);
}

/** Every file of the workspace with its content and mtime: plan must leave all as they were. */
async function state(dir: string): Promise<string> {
  const files = await snapshot(dir);
  const times = await Promise.all(
    Object.keys(files).sort().map(async (f) =>
      `${f} ${(await Deno.stat(join(dir, f))).mtime?.getTime()}`
    ),
  );
  return JSON.stringify(files) + times.join("\n");
}

async function plan(dir: string, ...args: string[]) {
  const before = await state(dir);
  const r = await iago(["plan", "--no-images", ...args], { cwd: dir, env: ENV });
  assert.equal(await state(dir), before, "plan changed the workspace");
  return r;
}

Deno.test("plan of an example fleet that was just ignited: no changes, exit 0", async () => {
  await using dir = await tempDir();
  await exampleFleet(dir.path);
  const r = await plan(dir.path);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "postgres: no changes\nweb: no changes\nPlan: 0 of 2 machines to change");
});

Deno.test("plan shows a template's text file change as a diff and says it needs reprovisioning, exit 2", async () => {
  await using dir = await tempDir();
  await exampleFleet(dir.path);
  await edit(
    join(dir.path, "machines/web/machine.toml"),
    `fqdn = "web.example.com"`,
    `fqdn = "www.example.com"`,
  );
  const r = await plan(dir.path);
  assert.equal(r.code, 2, r.stderr);
  assert.match(
    r.stdout,
    /^web: Ignition output\/ignition\/web.ign changes \(needs reprovisioning: Ignition runs only at first boot\)\n {2}~ file \/etc\/iago\/machine.txt\n {6}@@ -1 \+1 @@\n {6}-web.example.com runs .*\n {6}\+www.example.com runs .*$/m,
  );
  assert.match(r.stdout, /^postgres: no changes$/m);
  assert.match(r.stdout, /^Plan: 1 of 2 machines to change: web \(reprovision\)$/m);
});

Deno.test("plan shows users, units, links and directories added, removed and changed", async () => {
  await using dir = await tempDir();
  await exampleFleet(dir.path);
  await edit(
    join(dir.path, "config/defaults.toml"),
    /^timezone = .*$/m,
    `timezone = "Europe/Paris"`,
  );
  await edit(
    join(dir.path, "config/defaults.toml"),
    /^(\[admin\]\n(#.*\n)*)username = "admin"/m,
    `$1username = "ops"`,
  );
  await Deno.writeTextFile(
    join(dir.path, "machines/web/butane.yaml.tmpl"),
    `
systemd:
  units:
    - name: hello.service
      enabled: true
      contents: |
        [Service]
        ExecStart=/usr/bin/true
        [Install]
        WantedBy=multi-user.target
`,
    { append: true },
  );
  await edit(
    join(dir.path, "machines/web/butane.yaml.tmpl"),
    "storage:\n  files:",
    "storage:\n  directories:\n    - path: /var/lib/hello\n      mode: 0750\n  files:",
  );
  const r = await plan(dir.path, "web");
  assert.equal(r.code, 2, r.stderr);
  const lines = r.stdout.split("\n");
  assert.ok(lines.includes("  - user admin"), r.stdout);
  assert.ok(lines.includes("  + user ops"), r.stdout);
  assert.ok(lines.includes("      password hash: of a new password ignite generates"), r.stdout);
  assert.ok(
    lines.includes(
      `  ~ link /etc/localtime: target "../usr/share/zoneinfo/America/New_York" -> "../usr/share/zoneinfo/Europe/Paris"`,
    ),
    r.stdout,
  );
  assert.ok(lines.includes("  + unit hello.service: enabled true"), r.stdout);
  assert.ok(lines.includes("  + directory /var/lib/hello: mode 0750"), r.stdout);
  assert.ok(
    lines.includes("  ignite generates new secrets: accounts/ops (plan made none)"),
    r.stdout,
  );
  assert.equal(
    await Deno.stat(join(dir.path, ".iago/secrets/web/accounts/ops")).catch(() => "absent"),
    "absent",
  );
});

Deno.test("plan shows a secret only by digest, and a secret ignite would generate without generating it", async () => {
  await using dir = await tempDir();
  await exampleFleet(dir.path);
  const secretFile = join(dir.path, ".iago/secrets/postgres/postgres-password");
  const old = (await Deno.readTextFile(secretFile)).trim();
  // Someone replaced the stored password: the next ignite writes it, plan shows digests.
  const replaced = "Zq9vXw7uTt5sRr3pQq1oNn0mMl8kJj6h";
  await Deno.writeTextFile(secretFile, `${replaced}\n`);
  const r = await plan(dir.path, "postgres");
  assert.equal(r.code, 2, r.stderr);
  assert.match(
    r.stdout,
    /^ {2}~ file \/etc\/iago\/secrets\/postgres-password: contents \(secret\): sha256:[0-9a-f]{12} \(32 bytes\) -> sha256:[0-9a-f]{12} \(32 bytes\)$/m,
  );
  const json = await iago(["plan", "--no-images", "--json", "postgres"], {
    cwd: dir.path,
    env: ENV,
  });
  for (const out of [r.stdout, r.stderr, json.stdout]) {
    assert.ok(!out.includes(old) && !out.includes(replaced), "a secret value was printed");
  }
  // No stored secret: ignite would generate one; plan says so and generates none.
  await Deno.remove(secretFile);
  const fresh = await plan(dir.path, "postgres");
  assert.equal(fresh.code, 2);
  assert.match(
    fresh.stdout,
    /^ {2}~ file \/etc\/iago\/secrets\/postgres-password: contents: with a secret ignite generates \(none is made by plan\)$/m,
  );
  assert.match(
    fresh.stdout,
    /^ {2}ignite generates new secrets: postgres-password \(plan made none\)$/m,
  );
  assert.equal(await Deno.stat(secretFile).catch(() => "absent"), "absent");
});

Deno.test("plan --json lists each change with what it needs", async () => {
  await using dir = await tempDir();
  await exampleFleet(dir.path);
  await Deno.remove(join(dir.path, "output/ignition/postgres.ign"));
  await edit(
    join(dir.path, "machines/web/machine.toml"),
    `mac_address = "02:05:56:ab:d7:01"`,
    `mac_address = "02:05:56:ab:d7:02"`,
  );
  const r = await iago(["plan", "--no-images", "--json"], { cwd: dir.path, env: ENV });
  assert.equal(r.code, 2, r.stderr);
  const plan = JSON.parse(r.stdout);
  assert.equal(plan.changed, 2);
  const [postgres, web] = plan.machines;
  assert.deepEqual([postgres.name, postgres.needs, postgres.ignition.status], [
    "postgres",
    "reprovision",
    "missing",
  ]);
  assert.equal(web.needs, "reprovision");
  const nm = web.ignition.changes.find((c: { name: string }) => c.name.endsWith(".nmconnection"));
  // The connection file is 0600: shown by digest, not as text.
  assert.equal(nm.change, "changed");
  assert.match(nm.details[0], /^contents \(secret\): sha256:/);
  assert.equal(nm.diff, undefined);
});

Deno.test("plan of an unknown machine is a usage error naming the closest one", async () => {
  await using dir = await tempDir();
  await exampleFleet(dir.path);
  const r = await iago(["plan", "wbe"], { cwd: dir.path, env: ENV });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /No machine "wbe".*\n {2}hint: did you mean "web"\?/);
});

Deno.test("plan exits 1 and names the file when a machine cannot be rendered", async () => {
  await using dir = await tempDir();
  await exampleFleet(dir.path);
  await Deno.writeTextFile(
    join(dir.path, "machines/web/butane.yaml.tmpl"),
    "<%= it.machine.fqdnn %>\n",
    { append: true },
  );
  const r = await plan(dir.path);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /^web: cannot plan \(the error follows on stderr\)$/m);
  assert.match(r.stderr, /machines\/web\/butane.yaml.tmpl:\d+: .*fqdnn/);
  assert.match(r.stderr, /1 of 2 machines could not be planned/);
});

// The image side: a real registry, a container built FROM scratch.

async function imageWorkspace(dir: string, host: string): Promise<void> {
  await writeTree(dir, {
    "config/defaults.toml":
      `[user]\nusername = "core"\npassword_hash = "$6$x$y"\n\n[container_registry]\nurl = "${host}/fleet"\n`,
    "machines/app/machine.toml": `name = "app"\nfqdn = "app.example.com"\n`,
    "machines/app/butane.yaml.tmpl": "variant: fcos\nversion: 1.5.0\n",
    "containers/app/Containerfile":
      'FROM scratch\nENV MODE=prod\nCOPY app.sh /usr/local/bin/app.sh\nCOPY app.conf /etc/app.conf\nCMD ["/usr/local/bin/app.sh"]\n',
    "containers/app/app.sh": "#!/bin/sh\necho hello\n",
    "containers/app/app.conf": "port=8080\n",
  });
}

Deno.test("plan compares the image its tag points at in a real registry with what build would push", async () => {
  const registry = await startRegistry();
  await using dir = await tempDir();
  try {
    await imageWorkspace(dir.path, registry.host);
    const ws = dir.path;
    const ign = await iago(["ignite", "app"], { cwd: ws, env: ENV });
    assert.equal(ign.code, 0, ign.stderr);

    // Not pushed yet: the image is new.
    let r = await iago(["plan", "app"], { cwd: ws, env: ENV });
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stdout,
      new RegExp(
        `^app: image ${registry.host}/fleet/app:latest is not in the registry yet \\(iago build app pushes it\\)$`,
        "m",
      ),
    );
    assert.match(r.stdout, /^Plan: 1 of 1 machine to change: app \(next update\)$/m);

    const built = await iago(["build", "app"], { cwd: ws, env: ENV });
    assert.equal(built.code, 0, built.stderr);
    r = await iago(["plan", "app"], { cwd: ws, env: ENV });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.stdout, "app: no changes\nPlan: 0 of 1 machine to change");

    // One file and the config change: one layer replaced, the ENV line, nothing pushed.
    await Deno.writeTextFile(join(ws, "containers/app/app.conf"), "port=9090\n");
    await edit(join(ws, "containers/app/Containerfile"), "ENV MODE=prod", "ENV MODE=staging");
    const tagBefore = await (await fetch(`http://${registry.host}/v2/fleet/app/manifests/latest`, {
      method: "HEAD",
      headers: { accept: "application/vnd.oci.image.manifest.v1+json" },
    })).headers.get("docker-content-digest");
    r = await iago(["plan", "app"], { cwd: ws, env: ENV });
    assert.equal(r.code, 2, r.stderr);
    const lines = r.stdout.split("\n");
    assert.ok(
      lines.includes(
        `app: image ${registry.host}/fleet/app:latest changes (arrives with the next update (bootc-update.timer) once built and pushed)`,
      ),
      r.stdout,
    );
    assert.equal(lines.filter((l) => l.startsWith("  + layer ")).length, 1, r.stdout);
    assert.equal(lines.filter((l) => l.startsWith("  - layer ")).length, 1, r.stdout);
    assert.match(
      r.stdout,
      /^ {2}\+ layer sha256:[0-9a-f]{12} \d+ B {2}COPY app.conf \/etc\/app.conf.*$/m,
    );
    assert.ok(lines.includes("  ~ config Env removed: MODE=prod"), r.stdout);
    assert.ok(lines.includes("  ~ config Env added: MODE=staging"), r.stdout);
    const tagAfter = await (await fetch(`http://${registry.host}/v2/fleet/app/manifests/latest`, {
      method: "HEAD",
      headers: { accept: "application/vnd.oci.image.manifest.v1+json" },
    })).headers.get("docker-content-digest");
    assert.equal(tagAfter, tagBefore, "plan moved the tag");

    // Both sides at once: the machine needs both.
    await Deno.writeTextFile(
      join(ws, "machines/app/butane.yaml.tmpl"),
      "storage:\n  files:\n    - path: /etc/app.motd\n      contents:\n        inline: hi\n",
      { append: true },
    );
    const json = await iago(["plan", "--json", "app"], { cwd: ws, env: ENV });
    assert.equal(json.code, 2, json.stderr);
    const m = JSON.parse(json.stdout).machines[0];
    assert.equal(m.needs, "reprovision and next update");
    assert.equal(m.image.status, "changed");
    assert.equal(m.image.current, tagBefore);
    assert.notEqual(m.image.built, tagBefore);
  } finally {
    await registry.stop();
  }
});
