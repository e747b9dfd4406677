import assert from "node:assert/strict";
import { join } from "node:path";
import { holdLock, iago, tempDir } from "../helpers/cli.ts";
import {
  assertValidIgnition,
  defaultsToml,
  fileData,
  type IgnFile,
  KEY,
  keyServer,
  makeWorkspace,
  snapshot,
} from "./fixtures.ts";

const includes = (s: string, sub: string) =>
  assert.ok(s.includes(sub), `expected ${JSON.stringify(s)} to include ${JSON.stringify(sub)}`);
const mode = async (p: string) => (await Deno.stat(p)).mode! & 0o777;

Deno.test("ignite --all writes valid Ignition files (0600) once and leaves them alone when nothing changed", async () => {
  await using dir = await tempDir();
  await makeWorkspace(dir.path, {
    web: 'mac_address = "02:05:56:00:00:01"\nnetwork_interface = "ens18"',
    db: 'workloads = ["postgres"]',
  });
  const first = await iago(["ignite", "--all"], { cwd: dir.path });
  assert.equal(first.code, 0, first.stderr);
  assert.match(
    first.stdout,
    /^db: written output\/ignition\/db\.ign \(\d+ ms\)\nweb: written output\/ignition\/web\.ign \(\d+ ms\)$/,
  );
  assert.match(first.stderr, /2 machines in \d+ ms: 2 written, 0 unchanged, 0 failed/);

  for (const name of ["web", "db"]) {
    const file = join(dir.path, "output", "ignition", `${name}.ign`);
    assert.equal(await mode(file), 0o600);
    await assertValidIgnition(await Deno.readTextFile(file), name);
  }
  assert.equal(await mode(join(dir.path, "output", "ignition")), 0o700);
  const secretsDir = join(dir.path, ".iago", "secrets", "db");
  assert.equal(await mode(secretsDir), 0o700);
  assert.equal(await mode(join(secretsDir, "postgres-password")), 0o600);
  const password = (await Deno.readTextFile(join(secretsDir, "postgres-password"))).trim();
  const db = JSON.parse(await Deno.readTextFile(join(dir.path, "output", "ignition", "db.ign")));
  assert.equal(fileData(db, "/etc/iago/secrets/postgres-password"), password);
  assert.equal(
    db.storage.files.find((f: IgnFile) => f.path === "/etc/iago/secrets/postgres-password").mode,
    0o600,
  );
  for (const out of [first.stdout, first.stderr]) assert.ok(!out.includes(password));

  const web = JSON.parse(await Deno.readTextFile(join(dir.path, "output", "ignition", "web.ign")));
  const nm = fileData(web, "/etc/NetworkManager/system-connections/iago.nmconnection")!;
  includes(nm, "interface-name=ens18");
  includes(nm, "cloned-mac-address=02:05:56:00:00:01");
  assert.equal(fileData(web, "/etc/hostname"), "web\n");
  includes(
    fileData(web, "/etc/iago/containers/web.env")!,
    "CONTAINER_IMAGE=registry.example.org/fleet/web:latest",
  );

  const before = (await Deno.stat(join(dir.path, "output", "ignition", "db.ign"))).mtime;
  const second = await iago(["gen", "--all"], { cwd: dir.path });
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stdout, /^db: unchanged .*\nweb: unchanged /);
  assert.deepEqual((await Deno.stat(join(dir.path, "output", "ignition", "db.ign"))).mtime, before);
});

Deno.test("ignite --output writes one machine elsewhere; --rotate-secrets replaces its secrets", async () => {
  await using dir = await tempDir();
  await makeWorkspace(dir.path, { db: 'workloads = ["postgres"]' });
  const r = await iago(["ignite", "--output", "elsewhere/db.ign", "db"], { cwd: dir.path });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^db: written elsewhere\/db\.ign/);
  const secret = join(dir.path, ".iago", "secrets", "db", "postgres-password");
  const hash = join(dir.path, ".iago", "secrets", "db", "accounts", "core.hash");
  const [pw1, hash1] = [await Deno.readTextFile(secret), await Deno.readTextFile(hash)];

  assert.equal((await iago(["ignite", "db"], { cwd: dir.path })).code, 0);
  assert.equal(await Deno.readTextFile(secret), pw1, "reused");
  const rotated = await iago(["ignite", "--rotate-secrets", "db"], { cwd: dir.path });
  assert.equal(rotated.code, 0, rotated.stderr);
  assert.match(rotated.stdout, /^db: written/);
  assert.notEqual(await Deno.readTextFile(secret), pw1);
  assert.notEqual(await Deno.readTextFile(hash), hash1);

  const two = await iago(["ignite", "--output", "x.ign", "db", "web"], { cwd: dir.path });
  assert.equal(two.code, 2);
  includes(two.stderr, "--output takes exactly one machine");
});

Deno.test("ignite --all goes on after a failing machine, reports each, and exits 1", async () => {
  await using dir = await tempDir();
  await makeWorkspace(dir.path, { a: "", b: 'workloads = ["nope"]', c: "" });
  const r = await iago(["ignite", "--all"], { cwd: dir.path });
  assert.equal(r.code, 1);
  assert.match(r.stdout, /^a: written .*\nb: failed \(\d+ ms\)\nc: written /);
  includes(r.stderr, `machines/b/machine.toml:12:14: Unknown workload "nope"`);
  includes(r.stderr, "3 machines in");
  includes(r.stderr, "2 written, 0 unchanged, 1 failed");
  includes(r.stderr, "1 of 3 machines failed");
});

const PLUGIN = `
// A third-party plugin: one self-contained module, types only from iago.
/** @type {import("../types.ts").Workload} */
export default {
  name: "redis",
  secrets: () => [{ name: "redis-password", length: 24 }],
  overlay: (ctx) => ({
    storage: {
      files: [{
        path: "/etc/redis/redis.conf",
        mode: 0o640,
        contents: { inline: "requirepass " + ctx.generatedSecrets.redisPassword + "\\nbind " + ctx.machine.fqdn + "\\n" },
      }],
    },
    systemd: { units: [{ name: "redis-check.timer", enabled: true, contents: "[Timer]\\nOnCalendar=daily\\n[Install]\\nWantedBy=timers.target\\n" }] },
  }),
};
`;

Deno.test("a third-party plugin from the workspace's workloads/ adds its files, units and secrets", async () => {
  await using dir = await tempDir();
  await makeWorkspace(dir.path, { cache: 'workloads = ["./workloads/redis.ts"]' });
  await Deno.mkdir(join(dir.path, "workloads"));
  await Deno.writeTextFile(join(dir.path, "workloads", "redis.ts"), PLUGIN);
  const r = await iago(["ignite", "cache"], { cwd: dir.path });
  assert.equal(r.code, 0, r.stderr);
  const json = await Deno.readTextFile(join(dir.path, "output", "ignition", "cache.ign"));
  await assertValidIgnition(json, "cache");
  const config = JSON.parse(json);
  const pw =
    (await Deno.readTextFile(join(dir.path, ".iago", "secrets", "cache", "redis-password"))).trim();
  assert.match(pw, /^[A-Za-z0-9]{24}$/);
  assert.equal(
    fileData(config, "/etc/redis/redis.conf"),
    `requirepass ${pw}\nbind cache.home.arpa\n`,
  );
  assert.equal(fileData(config, "/etc/iago/secrets/redis-password"), pw);
  assert.ok(
    config.systemd.units.some((u: { name: string; enabled?: boolean }) =>
      u.name === "redis-check.timer" && u.enabled
    ),
  );
});

Deno.test("SSH keys of [user] github_username come from the GitHub stand-in, then from the cache with a warning", async () => {
  await using dir = await tempDir();
  let down = 0;
  const gh = keyServer({ octo: `${KEY}\n` }, () => down);
  try {
    await makeWorkspace(dir.path, { web: "" }, defaultsToml({ github_username: "octo" }));
    const env = { IAGO_GITHUB_URL: gh.url };
    const r = await iago(["ignite", "web"], { cwd: dir.path, env });
    assert.equal(r.code, 0, r.stderr);
    const config = JSON.parse(
      await Deno.readTextFile(join(dir.path, "output", "ignition", "web.ign")),
    );
    const core = config.passwd.users.find((u: { name: string }) => u.name === "core");
    assert.deepEqual(core.sshAuthorizedKeys, [KEY]);
    assert.deepEqual(gh.requests, ["/octo.keys"]);

    down = 500;
    const offline = await iago(["ignite", "web"], { cwd: dir.path, env });
    assert.equal(offline.code, 0, offline.stderr);
    assert.match(offline.stdout, /^web: unchanged/);
    includes(offline.stderr, 'warning: Cannot fetch the SSH keys of GitHub user "octo"');
    includes(offline.stderr, "using the cached keys");
  } finally {
    await gh.server.shutdown();
  }
});

const CONFLICT = (text: string) =>
  `export default { name: "m${text.length}", overlay: () => ({ storage: { files: [{ path: "/etc/motd", contents: { inline: "${text}" } }] } }) };\n`;

interface BadCase {
  name: string;
  /** Changes a working workspace (already ignited once) into a broken one. */
  breakIt(root: string): Promise<void>;
  env?: Record<string, string>;
  error: RegExp;
}

const BAD: BadCase[] = [
  {
    name: "broken template",
    breakIt: (root) =>
      Deno.writeTextFile(
        join(root, "machines/web/butane.yaml.tmpl"),
        "variant: fcos\nversion: 1.5.0\n# x\nstorage: <%= it.machine.nmae.x %>\n",
      ),
    error:
      /^error: machines\/web\/butane\.yaml\.tmpl:4: Cannot render the template: it\.machine\.nmae is not a template variable: did you mean it\.machine\.name\?/m,
  },
  {
    name: "unknown workload",
    breakIt: (root) => appendMachine(root, 'workloads = ["postgress"]'),
    error:
      /^error: machines\/web\/machine\.toml:\d+:\d+: Unknown workload "postgress"\n.*hint: did you mean "postgres"\?/m,
  },
  {
    name: "plugin without overlay",
    breakIt: async (root) => {
      await Deno.writeTextFile(join(root, "workloads/bad.ts"), 'export default { name: "bad" };\n');
      await appendMachine(root, 'workloads = ["./workloads/bad.ts"]');
    },
    error: /^error: workloads\/bad\.ts: Not a workload plugin: overlay /m,
  },
  {
    name: "plugin that throws",
    breakIt: async (root) => {
      await Deno.writeTextFile(
        join(root, "workloads/boom.ts"),
        'export default {\n  name: "boom",\n  overlay() { throw new Error("no redis.conf"); },\n};\n',
      );
      await appendMachine(root, 'workloads = ["./workloads/boom.ts"]');
    },
    error: /^error: workloads\/boom\.ts:3:\d+: overlay\(\) failed: no redis\.conf/m,
  },
  {
    name: "conflicting overlays",
    breakIt: async (root) => {
      await Deno.writeTextFile(join(root, "workloads/one.ts"), CONFLICT("one"));
      await Deno.writeTextFile(join(root, "workloads/two.ts"), CONFLICT("second"));
      await appendMachine(root, 'workloads = ["./workloads/one.ts", "./workloads/two.ts"]');
    },
    error:
      /^error: workloads\/one\.ts and workloads\/two\.ts set storage\.files\[\/etc\/motd\]\.contents\.inline differently/m,
  },
  {
    name: "unknown timezone",
    breakIt: (root) =>
      Deno.writeTextFile(
        join(root, "config/defaults.toml"),
        defaultsToml({}, '\n[network]\ntimezone = "Mars/Olympus_Mons"\n'),
      ),
    error:
      /^error: config\/defaults\.toml:\d+:\d+: Invalid network\.timezone "Mars\/Olympus_Mons": not an IANA time zone/m,
  },
  {
    name: "missing keys",
    breakIt: (root) =>
      Deno.writeTextFile(
        join(root, "config/defaults.toml"),
        defaultsToml({ github_username: "ghost" }),
      ),
    error:
      /^error: config\/defaults\.toml: Nobody could log in as "core": GitHub user "ghost" has no SSH keys/m,
  },
];

async function appendMachine(root: string, line: string): Promise<void> {
  const file = join(root, "machines/web/machine.toml");
  const text = (await Deno.readTextFile(file)).replace(/^workloads = \[\]\n/m, "");
  await Deno.writeTextFile(file, `${text}${line}\n`);
}

Deno.test("bad inputs each fail with a clear error and leave the output and secrets as they were", async () => {
  const gh = keyServer({});
  try {
    for (const c of BAD) {
      await using dir = await tempDir();
      await makeWorkspace(dir.path, { web: "" });
      await Deno.mkdir(join(dir.path, "workloads"));
      const env = { IAGO_GITHUB_URL: gh.url };
      assert.equal((await iago(["ignite", "web"], { cwd: dir.path, env })).code, 0, c.name);
      const before = {
        out: await snapshot(join(dir.path, "output")),
        state: await snapshot(join(dir.path, ".iago")),
      };
      await c.breakIt(dir.path);
      const r = await iago(["ignite", "web"], { cwd: dir.path, env });
      assert.equal(r.code, 1, `${c.name}: ${r.stdout}\n${r.stderr}`);
      assert.match(r.stderr, c.error, `${c.name}: ${r.stderr}`);
      assert.ok(
        r.stderr.trim().split("\n").length <= 2,
        `${c.name}: ${r.stderr}`,
      );
      assert.deepEqual(
        await snapshot(join(dir.path, "output")),
        before.out,
        `${c.name}: output changed`,
      );
      assert.deepEqual(
        await snapshot(join(dir.path, ".iago")),
        before.state,
        `${c.name}: state changed`,
      );
    }
  } finally {
    await gh.server.shutdown();
  }
});

Deno.test("--strict (the default) refuses Butane warnings; --strict=false writes and prints them", async () => {
  await using dir = await tempDir();
  await makeWorkspace(dir.path, { web: "" });
  const tmpl = join(dir.path, "machines/web/butane.yaml.tmpl");
  const text = await Deno.readTextFile(tmpl);
  const line = text.split("\n").length;
  await Deno.writeTextFile(tmpl, text + "frobnicate: 1\n");
  const strict = await iago(["ignite", "web"], { cwd: dir.path });
  assert.equal(strict.code, 1);
  assert.match(
    strict.stderr,
    new RegExp(
      `^error: machines/web/butane\\.yaml\\.tmpl:${line}:1: warning at \\$\\.frobnicate: Unused key frobnicate\n.*--strict=false`,
      "m",
    ),
  );
  await assert.rejects(Deno.stat(join(dir.path, "output/ignition/web.ign")));
  const lax = await iago(["ignite", "--strict=false", "web"], { cwd: dir.path });
  assert.equal(lax.code, 0, lax.stderr);
  includes(lax.stderr, `warning: machines/web/butane.yaml.tmpl:${line}:1: warning at $.frobnicate`);
});

Deno.test("a mistake inside a list entry of the template is reported at its line, though workloads' entries come first", async () => {
  await using dir = await tempDir();
  await makeWorkspace(dir.path, { web: "" });
  await Deno.writeTextFile(
    join(dir.path, "machines/web/butane.yaml.tmpl"),
    [
      "variant: fcos",
      "version: 1.5.0",
      "storage:",
      "  files:",
      "    - path: /etc/mine",
      "      contnets:",
      "        inline: x",
      "systemd:",
      "  units:",
      "    - name: bootc@.service",
      "      enabled: maybe",
      "",
    ].join("\n"),
  );
  const r = await iago(["ignite", "web"], { cwd: dir.path });
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /^error: machines\/web\/butane\.yaml\.tmpl:11:7: error at \$\.systemd\.units\.0\.enabled: cannot unmarshal !!str `maybe` into bool/m,
  );
  const fixed = await Deno.readTextFile(join(dir.path, "machines/web/butane.yaml.tmpl"));
  await Deno.writeTextFile(
    join(dir.path, "machines/web/butane.yaml.tmpl"),
    fixed.replace("maybe", "true"),
  );
  const typo = await iago(["ignite", "web"], { cwd: dir.path });
  assert.equal(typo.code, 1);
  assert.match(
    typo.stderr,
    /^error: machines\/web\/butane\.yaml\.tmpl:6:7: warning at \$\.storage\.files\.\d+\.contnets: Unused key contnets/m,
  );
});

Deno.test("an overlapping run waits for the workspace lock and then says which run holds it", async () => {
  await using dir = await tempDir();
  await makeWorkspace(dir.path, { web: "" });
  // A lock held by another run (this test).
  const held = await holdLock(join(dir.path, ".iago", "ignite.lock"));
  const t0 = performance.now();
  const r = await iago(["ignite", "web"], { cwd: dir.path, env: { IAGO_LOCK_TIMEOUT: "0.3" } });
  assert.ok(performance.now() - t0 >= 300);
  assert.equal(r.code, 1);
  includes(r.stderr, `Cannot start ignite: another iago run holds`);
  includes(r.stderr, `(pid ${Deno.pid})`);
  await assert.rejects(Deno.stat(join(dir.path, "output/ignition/web.ign")));

  // Two runs at once: the second waits for the first, both succeed.
  held[Symbol.dispose]();
  const [a, b] = await Promise.all([
    iago(["ignite", "web"], { cwd: dir.path }),
    iago(["ignite", "web"], { cwd: dir.path }),
  ]);
  assert.deepEqual([a.code, b.code], [0, 0], a.stderr + b.stderr);
  assert.deepEqual([a.stdout, b.stdout].map((s) => s.split(":")[1].trim().split(" ")[0]).sort(), [
    "unchanged",
    "written",
  ]);
  await Deno.remove(join(dir.path, "output"), { recursive: true });

  // A lock file left by a process that is gone holds nothing.
  await Deno.writeTextFile(join(dir.path, ".iago", "ignite.lock"), "999999999\n");
  const ok = await iago(["ignite", "web"], { cwd: dir.path, env: { IAGO_LOCK_TIMEOUT: "0.3" } });
  assert.equal(ok.code, 0, ok.stderr);
  using again = await holdLock(join(dir.path, ".iago", "ignite.lock"), { waitMs: 10_000 });
  assert.ok(again, "released");
});

Deno.test("init writes the new machine's Ignition file; validate renders and translates every machine", async () => {
  await using dir = await tempDir();
  const r = await iago(["init", "--machine-only", "web"], { cwd: dir.path });
  assert.equal(r.code, 0, r.stderr);
  includes(r.stdout, "created output/ignition/web.ign");
  const json = await Deno.readTextFile(join(dir.path, "output/ignition/web.ign"));
  await assertValidIgnition(json, "web");
  assert.equal(await mode(join(dir.path, "output/ignition/web.ign")), 0o600);

  assert.equal((await iago(["validate"], { cwd: dir.path })).code, 0);
  const tmpl = join(dir.path, "machines/web/butane.yaml.tmpl");
  await Deno.writeTextFile(tmpl, (await Deno.readTextFile(tmpl)) + "storage:\n  files: []\n");
  const bad = await iago(["validate"], { cwd: dir.path });
  assert.equal(bad.code, 1);
  assert.match(
    bad.stderr,
    /machines\/web\/butane\.yaml\.tmpl:\d+:\d+: .*mapping key "storage" already defined/,
  );
  assert.equal(await Deno.readTextFile(join(dir.path, "output/ignition/web.ign")), json);
});

Deno.test("ignite without machines or with names and --all is a usage error; --json reports for scripts", async () => {
  await using dir = await tempDir();
  await makeWorkspace(dir.path, { web: "", db: 'workloads = ["nope"]' });
  const none = await iago(["ignite"], { cwd: dir.path });
  assert.equal(none.code, 2);
  includes(none.stderr, "Name the machines to ignite, or use --all");
  const both = await iago(["ignite", "--all", "web"], { cwd: dir.path });
  assert.equal(both.code, 2);
  includes(both.stderr, "Give machine names or --all, not both");
  const unknown = await iago(["ignite", "wbe"], { cwd: dir.path });
  assert.equal(unknown.code, 2);
  includes(unknown.stderr, 'did you mean "web"?');

  const json = await iago(["ignite", "--all", "--json"], { cwd: dir.path });
  assert.equal(json.code, 1);
  const report = JSON.parse(json.stdout);
  assert.deepEqual(
    report.machines.map((m: { name: string; status: string }) => [m.name, m.status]),
    [["db", "failed"], ["web", "written"]],
  );
  assert.match(report.machines[0].error, /Unknown workload "nope"/);
  assert.equal(report.failed, 1);
});

Deno.test("a Butane finding in what a plugin wrote names the plugin, not the machine's template", async () => {
  await using dir = await tempDir();
  await makeWorkspace(dir.path, { cache: 'workloads = ["./workloads/timer.ts"]' });
  await Deno.mkdir(join(dir.path, "workloads"));
  const plugin = (unit: string) =>
    `export default { name: "timer", overlay: () => ({ systemd: { units: [${unit}] } }) };\n`;
  // Enabled without an [Install] section: a warning.
  await Deno.writeTextFile(
    join(dir.path, "workloads/timer.ts"),
    plugin('{ name: "tick.timer", enabled: true, contents: "[Timer]\\nOnCalendar=daily\\n" }'),
  );
  const warned = await iago(["ignite", "--strict=false", "cache"], { cwd: dir.path });
  assert.equal(warned.code, 0, warned.stderr);
  assert.match(
    warned.stderr,
    /^warning: workloads\/timer\.ts: warning at \$\.systemd\.units\.\d+\.contents: unit "tick\.timer" is enabled, but has no install section/m,
  );
  // A unit name Ignition refuses: an error. (Another file: this process has imported timer.ts.)
  const toml = join(dir.path, "machines/cache/machine.toml");
  await Deno.writeTextFile(
    toml,
    (await Deno.readTextFile(toml)).replace("./workloads/timer.ts", "./workloads/timer2.ts"),
  );
  await Deno.writeTextFile(
    join(dir.path, "workloads/timer2.ts"),
    plugin('{ name: "tick.timr", contents: "[Timer]\\nOnCalendar=daily\\n" }'),
  );
  const failed = await iago(["ignite", "cache"], { cwd: dir.path });
  assert.equal(failed.code, 1);
  assert.match(
    failed.stderr,
    /^error: workloads\/timer2\.ts: error at \$\.systemd\.units\.\d+\.name: invalid systemd unit extension/m,
  );
});

Deno.test("a Butane problem after a template loop is reported at the template's own line", async () => {
  await using dir = await tempDir();
  await makeWorkspace(dir.path, { web: "" });
  const template = [
    "variant: fcos", // 1
    "version: 1.5.0", // 2
    "storage:", // 3
    "  files:", // 4
    "<% for (const n of [1, 2, 3, 4, 5]) { %>", // 5: renders 5 lines from 3
    "    - path: /etc/n<%~ n %>", // 6
    "<% } %>", // 7
    "    - path: /etc/x", // 8
    "      mdoe: 0644", // 9: the typo
    "",
  ].join("\n");
  await Deno.writeTextFile(join(dir.path, "machines/web/butane.yaml.tmpl"), template);
  const r = await iago(["ignite", "web"], { cwd: dir.path });
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /^error: machines\/web\/butane\.yaml\.tmpl:9:7: warning at \$\.storage\.files\.\d+\.mdoe.*: Unused key mdoe/m,
  );
});

Deno.test("ignite refuses a machine whose MAC address another machine has, as validate does", async () => {
  await using dir = await tempDir();
  const mac = 'mac_address = "02:05:56:00:00:07"';
  await makeWorkspace(dir.path, {
    a: mac,
    b: mac.toUpperCase().replace("MAC_ADDRESS", "mac_address"),
    c: "",
  });
  const all = await iago(["ignite", "--all"], { cwd: dir.path });
  assert.equal(all.code, 1);
  assert.match(all.stdout, /^a: written .*\nb: failed .*\nc: written /);
  includes(
    all.stderr,
    'machines/b/machine.toml: MAC address 02:05:56:00:00:07 is also used by machine "a"\n' +
      "  hint: give each machine its own mac_address (iago init generates unique ones)",
  );
  await assert.rejects(Deno.stat(join(dir.path, "output", "ignition", "b.ign")));
  const one = await iago(["ignite", "b"], { cwd: dir.path });
  assert.equal(one.code, 1);
  includes(one.stderr, 'is also used by machine "a"');
  const validate = await iago(["validate"], { cwd: dir.path });
  includes(
    validate.stderr,
    'machines/b/machine.toml: MAC address 02:05:56:00:00:07 is also used by machine "a"',
  );
});
