import assert from "node:assert/strict";
import {
  checkDefaults,
  checkMachine,
  DEFAULT_DEFAULTS_TOML,
  type Defaults,
  generateMac,
  loadDefaults,
  loadMachine,
} from "../src/config/mod.ts";
import { keyPositions, pathKey } from "../src/config/toml.ts";
import { IagoError, ProblemsError } from "../src/errors.ts";
import { Workspace } from "../src/workspace.ts";
import { tempDir } from "./helpers/cli.ts";

function defaults(text = ""): Defaults {
  const d = checkDefaults(text, "config/defaults.toml");
  assert.ok(d.ok, d.ok ? "" : d.problems.map((p) => p.format()).join("\n"));
  return d.value;
}

/** The formatted problems of defaults text that must not be valid. */
function defaultsProblems(text: string): string[] {
  const d = checkDefaults(text, "config/defaults.toml");
  assert.ok(!d.ok, "expected problems");
  return d.problems.map((p) => p.format());
}

function machineProblems(text: string, dir = "web"): string[] {
  const m = checkMachine(text, `machines/${dir}/machine.toml`, dir, defaults());
  assert.ok(!m.ok, "expected problems");
  return m.problems.map((p) => p.format());
}

Deno.test("the embedded defaults.toml says exactly what an empty defaults file means", () => {
  const embedded = defaults(DEFAULT_DEFAULTS_TOML);
  const empty = defaults("");
  assert.deepEqual(embedded, empty);
  assert.equal(embedded.user.username, "core");
  assert.deepEqual(embedded.user.groups, ["sudo", "wheel"]);
  assert.equal(embedded.network.timezone, "UTC");
  assert.equal(embedded.updates.stream, "stable");
  assert.equal(embedded.bootc.updateTime, "02:00:00");
  assert.equal(embedded.bootc.healthCheckWait, 30);
  assert.equal(embedded.machine.macPrefix, "02:05:56");
  assert.equal(embedded.scaffold.baseImage, "quay.io/fedora/fedora-bootc:42");
  assert.equal(
    embedded.secrets.onepasswordReference,
    "op://github/personal-access-token/credential",
  );
  assert.deepEqual(embedded.containerRegistry.insecure, ["localhost:5000", "127.0.0.1:5000"]);
});

Deno.test("the embedded defaults.toml explains every key with a comment", () => {
  const lines = DEFAULT_DEFAULTS_TOML.split("\n");
  lines.forEach((line, i) => {
    if (!/^[a-z_]+ = /.test(line)) return;
    assert.match(lines[i - 1], /^#/, `key on line ${i + 1} has no comment above it: ${line}`);
  });
});

Deno.test("defaults map every field of the original to camelCase", () => {
  const d = defaults(`
[user]
username = "maeick"
github_username = "andreweick"
groups = ["wheel"]
password_hash = "$6$salt$abcdefghijklmnopqrstuvwxyz012345678"
[admin]
username = "ops"
[network]
timezone = "America/New_York"
default_network_interface = "ens18"
[updates]
stream = "testing"
strategy = "periodic"
period = "weekends"
reboot_time = "04:30"
[bootc]
update_time = "01:15"
health_check_wait = 45
[container_registry]
url = "ghcr.io/andreweick/"
username = "andreweick"
insecure = []
[machine]
domain = "organmorgan.com"
mac_prefix = "0a:00"
`);
  assert.equal(d.user.githubUsername, "andreweick");
  assert.equal(d.user.passwordHash, "$6$salt$abcdefghijklmnopqrstuvwxyz012345678");
  assert.equal(d.admin.username, "ops");
  assert.deepEqual(d.admin.groups, ["sudo", "wheel"]);
  assert.equal(d.network.defaultNetworkInterface, "ens18");
  assert.equal(d.updates.period, "weekends");
  assert.equal(d.updates.rebootTime, "04:30");
  assert.equal(d.bootc.updateTime, "01:15:00", "HH:MM is normalized to HH:MM:SS");
  assert.equal(d.bootc.healthCheckWait, 45);
  assert.equal(d.containerRegistry.url, "ghcr.io/andreweick", "trailing slash dropped");
  assert.equal(d.containerRegistry.username, "andreweick");
  assert.deepEqual(d.containerRegistry.insecure, []);
  assert.equal(d.machine.domain, "organmorgan.com");
  assert.equal(d.machine.macPrefix, "0a:00");
});

Deno.test("a TOML syntax error is reported at file:line:col", () => {
  assert.deepEqual(defaultsProblems('[user]\nusername = "core\n'), [
    "config/defaults.toml:2:17: Invalid TOML: control characters are not allowed in strings\n" +
    '  hint: strings are quoted ("text"); close the quote on the same line',
  ]);
  const dup = defaultsProblems('[user]\nusername = "a"\nusername = "b"\n');
  assert.match(dup[0], /^config\/defaults\.toml:3:1: Invalid TOML: /);
  assert.match(dup[0], /may appear only once/);
});

Deno.test("an unknown key is reported at its position with a did-you-mean", () => {
  assert.deepEqual(defaultsProblems('[network]\n  time_zone = "UTC"\n'), [
    'config/defaults.toml:2:3: Unknown key "time_zone" in [network]\n  hint: did you mean "timezone"?',
  ]);
  assert.deepEqual(defaultsProblems('[usr]\nusername = "x"\n'), [
    "config/defaults.toml:1:1: Unknown section [usr]\n  hint: did you mean [user]?",
  ]);
  assert.deepEqual(machineProblems('name = "web"\nfqdn = "web.example.com"\nmac = "x"\n'), [
    'machines/web/machine.toml:3:1: Unknown key "mac"\n  hint: known keys and sections: ' +
    "name, fqdn, container_image, container_tag, mac_address, network_interface, mount_host_etc, " +
    "workloads",
  ]);
});

Deno.test("bad values name the file, line, field and value, with a fix", () => {
  const cases: { toml: string; want: RegExp }[] = [
    {
      toml: '[network]\ntimezone = "America/New_Yrok"',
      want:
        /^config\/defaults\.toml:2:1: Invalid network\.timezone "America\/New_Yrok": not an IANA time zone\n {2}hint: did you mean "America\/New_York"\?$/,
    },
    {
      toml: '[network]\ntimezone = "Mars/Olympus"',
      want: /:2:1: Invalid network\.timezone "Mars\/Olympus".*\n {2}hint: use a name like "UTC"/,
    },
    {
      toml: '[updates]\nstream = "stabel"',
      want:
        /:2:1: Invalid updates\.stream "stabel": expected one of "stable", "testing", "next"\n {2}hint: did you mean "stable"\?/,
    },
    {
      toml: '[updates]\nreboot_time = "3:00"',
      want: /:2:1: Invalid updates\.reboot_time "3:00": not a time of day in HH:MM/,
    },
    { toml: '[updates]\nreboot_time = "24:00"', want: /Invalid updates\.reboot_time "24:00"/ },
    {
      toml: '[bootc]\nupdate_time = "02:00:60"',
      want: /:2:1: Invalid bootc\.update_time "02:00:60": not a time of day in HH:MM:SS/,
    },
    {
      toml: "[bootc]\nhealth_check_wait = 1e400",
      want:
        /^config\/defaults\.toml:2:1: Invalid bootc\.health_check_wait: the number is infinite \(too large to hold\)\n {2}hint: write a whole number without quotes, like 30$/,
    },
    {
      toml: "[bootc]\nhealth_check_wait = nan",
      want: /:2:1: Invalid bootc\.health_check_wait: nan is not a number\n/,
    },
    {
      toml: "[bootc]\nhealth_check_wait = 0",
      want: /:2:1: Invalid bootc\.health_check_wait 0: must be a positive whole number/,
    },
    {
      toml: "[bootc]\nhealth_check_wait = 2.5",
      want: /Invalid bootc\.health_check_wait 2\.5: expected a whole number, got a number/,
    },
    {
      toml: '[bootc]\nhealth_check_wait = "30"',
      want:
        /Invalid bootc\.health_check_wait "30": expected a number, got a string\n {2}hint: write a whole number without quotes/,
    },
    {
      toml: '[user]\ngroups = "wheel"',
      want: /Invalid user\.groups "wheel": expected an array, got a string/,
    },
    {
      toml: '[user]\ngroups = ["wheel", "Bad Group"]',
      want: /:2:1: Invalid user\.groups\[1\] "Bad Group": not a Linux user or group name/,
    },
    {
      toml: '[user]\npassword_hash = "hunter2"',
      want:
        /Invalid user\.password_hash \(value not shown\): not a crypt\(3\) password hash\n {2}hint: make one with `openssl passwd -6`/,
    },
    {
      toml: '[machine]\nmac_prefix = "03:05:56"',
      want: /Invalid machine\.mac_prefix "03:05:56": not a locally administered unicast MAC prefix/,
    },
    { toml: '[machine]\nmac_prefix = "02:05:56:00:00:00"', want: /Invalid machine\.mac_prefix/ },
    {
      toml: '[container_registry]\nurl = "https://ghcr.io/me"',
      want: /Invalid container_registry\.url "https:\/\/ghcr\.io\/me": not a registry URL/,
    },
    {
      toml: '[container_registry]\ninsecure = ["http://localhost:5000"]',
      want: /Invalid container_registry\.insecure\[0\]/,
    },
    {
      toml: '[secrets]\nonepassword_reference = "github/pat"',
      want:
        /Invalid secrets\.onepassword_reference "github\/pat": not a 1Password secret reference/,
    },
    { toml: 'user = "core"', want: /:1:1: Invalid user "core": expected a table, got a string/ },
  ];
  for (const c of cases) {
    const problems = defaultsProblems(c.toml);
    assert.equal(problems.length, 1, `${c.toml}: ${problems.join("\n")}`);
    assert.match(problems[0], c.want);
  }
});

Deno.test("every problem of a file is reported at once, top to bottom", () => {
  const problems = defaultsProblems(
    '[user]\nusrname = "x"\n[network]\ntimezone = "Nowhere"\n[updates]\nstream = "lts"\n',
  );
  assert.equal(problems.length, 3);
  assert.match(problems[0], /:2:1: Unknown key "usrname"/);
  assert.match(problems[1], /:4:1: Invalid network\.timezone/);
  assert.match(problems[2], /:6:1: Invalid updates\.stream/);
});

Deno.test("a machine resolves its image from the registry url and defaults its tag", () => {
  const m = checkMachine(
    'name = "web"\nfqdn = "web.example.com"\nmac_address = "02:05:56:39:1b:21"\nworkloads = ["postgres", "./workloads/redis.ts"]\n',
    "machines/web/machine.toml",
    "web",
    defaults('[container_registry]\nurl = "ghcr.io/me"'),
  );
  assert.ok(m.ok);
  assert.deepEqual(m.value, {
    name: "web",
    fqdn: "web.example.com",
    containerImage: "ghcr.io/me/web",
    containerTag: "latest",
    macAddress: "02:05:56:39:1b:21",
    mountHostEtc: false,
    workloads: ["postgres", "./workloads/redis.ts"],
    file: "machines/web/machine.toml",
  });
  const pinned = checkMachine(
    'name = "web"\nfqdn = "web.example.com"\ncontainer_image = "localhost:5000/team/web"\ncontainer_tag = "v1.2.3"\nnetwork_interface = "ens18"\n',
    "machines/web/machine.toml",
    "web",
    defaults(),
  );
  assert.ok(pinned.ok);
  assert.equal(pinned.value.containerImage, "localhost:5000/team/web");
  assert.equal(pinned.value.containerTag, "v1.2.3");
  assert.equal(pinned.value.networkInterface, "ens18");
  assert.equal(pinned.value.macAddress, undefined);
  assert.deepEqual(pinned.value.workloads, []);
});

Deno.test("machine.toml values are checked: name, fqdn, MAC, image, tag, workloads", () => {
  const base = 'name = "web"\nfqdn = "web.example.com"\n';
  const cases: { toml: string; want: RegExp }[] = [
    {
      toml: 'name = "db"\nfqdn = "db.example.com"\n',
      want:
        /^machines\/web\/machine\.toml:1:1: Machine name "db" does not match its directory "web"\n {2}hint: set name = "web"/,
    },
    {
      toml: 'name = "Web_1"\nfqdn = "x.example.com"\n',
      want: /:1:1: Invalid name "Web_1": not a DNS label/,
    },
    {
      toml: 'name = "web"\nfqdn = "web"\n',
      want: /:2:1: Invalid fqdn "web": not a fully qualified domain name/,
    },
    {
      toml: 'name = "web"\nfqdn = "web..example.com"\n',
      want: /Invalid fqdn "web\.\.example\.com"/,
    },
    { toml: 'name = "web"\nfqdn = "-web.example.com"\n', want: /Invalid fqdn/ },
    // The Kelvin sign lowercases to "k", but a host name has ASCII letters only.
    { toml: 'name = "web"\nfqdn = "web.\u212A8s.example"\n', want: /Invalid fqdn/ },
    { toml: 'name = "web"\nfqdn = "web.example.com.."\n', want: /Invalid fqdn/ },
    { toml: `name = "web"\nfqdn = "web.${"a".repeat(64)}.com"\n`, want: /Invalid fqdn/ },
    {
      toml: base + 'mac_address = "02:05:56:AB:cd:ef"\n',
      want:
        /:3:1: Invalid mac_address "02:05:56:AB:cd:ef": not a MAC address\n {2}hint: write it in lowercase: "02:05:56:ab:cd:ef"/,
    },
    {
      toml: base + 'mac_address = "02-05-56-ab-cd-ef"\n',
      want: /Invalid mac_address "02-05-56-ab-cd-ef".*\n {2}hint: write six hex pairs/,
    },
    {
      toml: base + 'mac_address = "02:05:56:ab:cd"\n',
      want: /Invalid mac_address "02:05:56:ab:cd"/,
    },
    {
      toml: base + 'container_image = "ghcr.io/me/web:latest"\n',
      want:
        /Invalid container_image "ghcr\.io\/me\/web:latest": not an image repository\n {2}hint: .*container_tag/,
    },
    {
      toml: base + 'container_tag = "v1 2"\n',
      want: /Invalid container_tag "v1 2": not an image tag/,
    },
    { toml: base + 'network_interface = "eth0/1"\n', want: /Invalid network_interface "eth0\/1"/ },
    {
      toml: base + 'workloads = ["../evil.ts"]\n',
      want: /:3:1: Invalid workloads\[0\] "\.\.\/evil\.ts": not a workload name or plugin path/,
    },
    {
      toml: base + 'workloads = ["/abs/plugin.ts"]\n',
      want: /Invalid workloads\[0\] "\/abs\/plugin\.ts"/,
    },
    { toml: base + 'workloads = ["./workloads/../../x.ts"]\n', want: /Invalid workloads\[0\]/ },
    {
      toml: base + 'workloads = ["postgres", "postgres"]\n',
      want: /:3:1: Workload "postgres" is listed twice/,
    },
    {
      toml: 'fqdn = "web.example.com"\n',
      want: /^machines\/web\/machine\.toml: Missing required key "name"\n {2}hint: add name = /,
    },
  ];
  for (const c of cases) {
    const problems = machineProblems(c.toml);
    assert.equal(problems.length, 1, `${c.toml}: ${problems.join("\n")}`);
    assert.match(problems[0], c.want);
  }
  // Any case, an ending dot, labels of 63 characters.
  const long = `name = "web"\nfqdn = "WEB.${"a".repeat(63)}.Example."\n`;
  const accepted = checkMachine(long, "machines/web/machine.toml", "web", defaults());
  assert.ok(accepted.ok && accepted.value.fqdn === `WEB.${"a".repeat(63)}.Example.`);
});

Deno.test("keyPositions() finds tables, dotted, quoted and inline keys past multi-line values", () => {
  const text = [
    "# comment [not.a.table]",
    'title = """',
    "[fake]",
    'x = 1"""',
    "list = [",
    '  "a", # [fake2]',
    '  "b",',
    "]",
    "[server.http]",
    '  "quoted key" = 1',
    "  a.b = { c = 1, d = 'x' }",
    "[[items]]",
    "name = 'first'",
  ].join("\n");
  const pos = keyPositions(text);
  assert.deepEqual(pos.get(pathKey(["title"])), { line: 2, col: 1 });
  assert.equal(pos.get(pathKey(["fake"])), undefined);
  assert.equal(pos.get(pathKey(["fake2"])), undefined);
  assert.deepEqual(pos.get(pathKey(["list"])), { line: 5, col: 1 });
  assert.deepEqual(pos.get(pathKey(["server", "http"])), { line: 9, col: 1 });
  assert.deepEqual(pos.get(pathKey(["server", "http", "quoted key"])), { line: 10, col: 3 });
  assert.deepEqual(pos.get(pathKey(["server", "http", "a", "b"])), { line: 11, col: 3 });
  assert.deepEqual(pos.get(pathKey(["server", "http", "a", "b", "d"])), { line: 11, col: 18 });
  assert.deepEqual(pos.get(pathKey(["items", "name"])), { line: 13, col: 1 });
});

Deno.test("generateMac() uses the prefix and never returns a MAC that is taken", () => {
  const taken = new Set(["02:05:56:00:00:01", "02:05:56:00:00:02"]);
  const sequence = [[0, 0, 1], [0, 0, 2], [0xab, 0xcd, 0xef]];
  const random = (b: Uint8Array) => {
    b.set(sequence.shift()!);
    return b;
  };
  assert.equal(generateMac("02:05:56", taken, random), "02:05:56:ab:cd:ef");
  assert.match(generateMac("0a:11:22:33", new Set()), /^0a:11:22:33:[0-9a-f]{2}:[0-9a-f]{2}$/);
});

Deno.test("generateMac() fails clearly when the prefix has no free address left", () => {
  const all = new Set(
    Array.from({ length: 256 }, (_, i) => `02:05:56:00:00:${i.toString(16).padStart(2, "0")}`),
  );
  assert.throws(
    () => generateMac("02:05:56:00:00", all),
    (err) => err instanceof IagoError && /no free|free MAC/.test(err.message),
  );
});

Deno.test("loadDefaults() falls back to the embedded defaults and loadMachine() reads a machine", async () => {
  await using dir = await tempDir();
  const ws = new Workspace(dir.path);
  assert.equal((await loadDefaults(ws)).file, "(built-in defaults)");
  await Deno.mkdir(`${dir.path}/machines/db`, { recursive: true });
  await Deno.writeTextFile(
    `${dir.path}/machines/db/machine.toml`,
    'name = "db"\nfqdn = "db.lan.example"\n',
  );
  const m = await loadMachine(ws, "db");
  assert.equal(m.containerImage, "ghcr.io/your-github-username/db");
  assert.equal(m.file, "machines/db/machine.toml");
  await assert.rejects(() => loadMachine(ws, "dv"), /No machine "dv"/);
  await assert.rejects(() => loadMachine(ws, "../db"), /Invalid machine name/);
});

Deno.test("loadDefaults() throws every problem of a broken defaults file as one error", async () => {
  await using dir = await tempDir();
  await Deno.mkdir(`${dir.path}/config`);
  await Deno.writeTextFile(
    `${dir.path}/config/defaults.toml`,
    '[network]\ntimezone = "Nowhere"\n[bootc]\nhealth_check_wait = -1\n',
  );
  const err = await loadDefaults(new Workspace(dir.path)).catch((e) => e);
  assert.ok(err instanceof ProblemsError);
  assert.equal(err.problems.length, 2);
  assert.match(err.format(), /config\/defaults\.toml:2:1: Invalid network\.timezone/);
  assert.match(err.format(), /config\/defaults\.toml:4:1: Invalid bootc\.health_check_wait -1/);
});

Deno.test("a password typed into password_hash is not echoed in the error", () => {
  const problems = defaultsProblems(
    '[user]\npassword_hash = "hunter2"\n\n[admin]\npassword_hash = ["hunter2"]\n',
  );
  assert.deepEqual(problems.map((p) => p.split("\n")[0]), [
    "config/defaults.toml:2:1: Invalid user.password_hash (value not shown): not a crypt(3) password hash",
    "config/defaults.toml:5:1: Invalid admin.password_hash (value not shown): expected a string, got an array",
  ]);
  assert.ok(!problems.join("\n").includes("hunter2"));
});

Deno.test("a problem in a dotted key or table name is reported at the line that writes it", () => {
  assert.deepEqual(defaultsProblems('[user]\nusername = "a"\n\n[foo.bar]\nx = 1\n'), [
    "config/defaults.toml:4:1: Unknown section [foo]\n  hint: known keys and sections: " +
    "user, admin, network, updates, bootc, container_registry, machine, scaffold, secrets, signing, build",
  ]);
  assert.match(
    defaultsProblems('[user]\ngroups = []\n  username.first = "a"\n')[0],
    /^config\/defaults\.toml:3:3: Invalid user\.username \{"first":"a"\}: expected a string/,
  );
});

Deno.test("pull_auth without pull_username, or required signatures without a key, say what machines cannot do", () => {
  assert.deepEqual(
    defaultsProblems(
      '[container_registry]\nurl = "registry.lan:5000/fleet"\npull_auth = true\n\n[signing]\nrequired = true\n',
    ),
    [
      "config/defaults.toml:3:1: Machines will not be able to pull from registry.lan:5000: " +
      "[container_registry] pull_auth is true but pull_username is empty\n" +
      "  hint: set pull_username to a read-only account of registry.lan:5000 (not the push account) " +
      "and put its password or token in .iago/secrets/_fleet/registry-pull-password",
      "config/defaults.toml:6:1: Machines cannot check signatures: [signing] required is true but " +
      "public_key is empty\n" +
      "  hint: set public_key to the public half of the key you sign with " +
      '(iago build --sign --key cosign.key), like "cosign.pub"',
    ],
  );
  const d = defaults('[container_registry]\npull_auth = true\npull_username = "fleet-pull"\n');
  assert.equal(d.containerRegistry.pullAuth, true);
  assert.equal(d.containerRegistry.pullUsername, "fleet-pull");
  assert.deepEqual(defaults("").signing, { required: false, publicKey: "" });
});

Deno.test("[signing] public_key must stay inside the workspace", () => {
  for (const path of ["../cosign.pub", "/etc/cosign.pub", "keys/../../x.pub"]) {
    assert.match(
      defaultsProblems(`[signing]\npublic_key = ${JSON.stringify(path)}\n`)[0],
      /^config\/defaults\.toml:2:1: Invalid signing\.public_key ".*": not a path inside the workspace/,
    );
  }
  assert.equal(
    defaults('[signing]\npublic_key = "./keys/fleet.pub"\n').signing.publicKey,
    "./keys/fleet.pub",
  );
});

Deno.test("mount_host_etc is false unless a machine asks for the machine's whole /etc", () => {
  const base = 'name = "web"\nfqdn = "web.example.com"\n';
  const on = checkMachine(
    `${base}mount_host_etc = true\n`,
    "machines/web/machine.toml",
    "web",
    defaults(),
  );
  assert.ok(on.ok);
  assert.equal(on.value.mountHostEtc, true);
  assert.match(
    machineProblems(`${base}mount_host_etc = "yes"\n`)[0],
    /^machines\/web\/machine\.toml:3:1: Invalid mount_host_etc "yes": expected a boolean/,
  );
});
