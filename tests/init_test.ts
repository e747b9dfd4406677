import assert from "node:assert/strict";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { loadMachine } from "../src/config/mod.ts";
import { checkTemplateSyntax } from "../src/config/validate.ts";
import { renderTemplate } from "../src/render/template.ts";
import { initMachine, MACHINE_TEMPLATE } from "../src/scaffold/mod.ts";
import { Workspace } from "../src/workspace.ts";
import { iago, tempDir } from "./helpers/cli.ts";

/** Every file and link under `root`, relative, sorted (directories left out). */
async function tree(root: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(dir: string, prefix: string) {
    for await (const e of Deno.readDir(dir)) {
      const rel = prefix + e.name;
      if (e.isDirectory) await walk(join(dir, e.name), rel + "/");
      else out.push(rel);
    }
  }
  await walk(root, "").catch((err) => {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  });
  return out.sort();
}

/** Runs a real program; fails the test clearly when it is not installed. */
async function run(cmd: string, args: string[], env: Record<string, string> = {}) {
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command(cmd, { args, env, stdout: "piped", stderr: "piped" }).output();
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new Error(`${cmd} is not installed: run scripts/setup.sh (apt-get install ${cmd})`);
    }
    throw err;
  }
  const dec = new TextDecoder();
  return {
    code: output.code,
    stdout: dec.decode(output.stdout),
    stderr: dec.decode(output.stderr),
  };
}

Deno.test("init creates the machine, its template, its container and the workspace's first files", async () => {
  await using dir = await tempDir();
  const r = await iago(["init", "--domain", "example.com", "web"], { cwd: dir.path });
  assert.equal(r.code, 0, r.stderr);
  // The Ignition file (and its secrets) init also writes are ignite's business (tests/ignite).
  const notIgnition = (line: string) => !/(^|\s)(output|\.iago)\//.test(line);
  assert.deepEqual(r.stdout.split("\n").filter(notIgnition), [
    "created config/defaults.toml",
    "created .gitignore",
    "created machines/web/machine.toml",
    "created machines/web/butane.yaml.tmpl",
    "created containers/web/",
  ]);
  assert.deepEqual((await tree(dir.path)).filter(notIgnition), [
    ".gitignore",
    "config/defaults.toml",
    "containers/web/Containerfile",
    "containers/web/README.md",
    "containers/web/config/app.env",
    "containers/web/scripts/health.sh",
    "containers/web/scripts/hello.sh",
    "containers/web/scripts/init.sh",
    "containers/web/systemd/multi-user.target.wants/web-app.service",
    "containers/web/systemd/web-app.service",
    "containers/web/sysusers.d/web-app.conf",
    "containers/web/tests/smoke.sh",
    "containers/web/tmpfiles.d/web-app.conf",
    "machines/web/butane.yaml.tmpl",
    "machines/web/machine.toml",
  ]);
  const gitignore = await Deno.readTextFile(join(dir.path, ".gitignore"));
  assert.match(gitignore, /^output\/$/m);
  assert.match(gitignore, /^\.iago\/$/m);
  const m = await loadMachine(new Workspace(dir.path), "web");
  assert.equal(m.fqdn, "web.example.com");
  assert.match(m.macAddress ?? "", /^02:05:56:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}$/);
  assert.equal(m.containerImage, "ghcr.io/your-github-username/web");
  assert.equal(m.containerTag, "latest");
  assert.deepEqual(m.workloads, []);
  assert.equal(
    await Deno.readTextFile(join(dir.path, "machines/web/butane.yaml.tmpl")),
    MACHINE_TEMPLATE,
  );
});

Deno.test("a second init keeps the defaults and .gitignore and uses [machine] domain", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(join(dir.path, ".gitignore"), "node_modules/");
  assert.equal((await iago(["init", "web"], { cwd: dir.path })).code, 0);
  const defaultsPath = join(dir.path, "config/defaults.toml");
  const custom = (await Deno.readTextFile(defaultsPath)).replace(
    'domain = "home.arpa"',
    'domain = "lan.example.org"',
  );
  await Deno.writeTextFile(defaultsPath, custom);
  const r = await iago(["init", "db"], { cwd: dir.path });
  assert.equal(r.code, 0, r.stderr);
  assert.ok(!r.stdout.includes("defaults.toml"));
  assert.equal(await Deno.readTextFile(defaultsPath), custom);
  assert.equal(
    await Deno.readTextFile(join(dir.path, ".gitignore")),
    "node_modules/\noutput/\n.iago/\n",
  );
  const ws = new Workspace(dir.path);
  assert.equal((await loadMachine(ws, "web")).fqdn, "web.home.arpa");
  assert.equal((await loadMachine(ws, "db")).fqdn, "db.lan.example.org");
});

Deno.test("--generate-mac=false and --no-generate-mac leave the MAC out", async () => {
  await using dir = await tempDir();
  for (const [name, flag] of [["a", "--generate-mac=false"], ["b", "--no-generate-mac"]]) {
    const r = await iago(["init", flag, name], { cwd: dir.path });
    assert.equal(r.code, 0, r.stderr);
    const m = await loadMachine(new Workspace(dir.path), name);
    assert.equal(m.macAddress, undefined, flag);
  }
  const r = await iago(["init", "--generate-mac=true", "c"], { cwd: dir.path });
  assert.equal(r.code, 0, r.stderr);
  assert.ok((await loadMachine(new Workspace(dir.path), "c")).macAddress);
});

Deno.test("--machine-only and --container-only create one half each, and not both at once", async () => {
  await using dir = await tempDir();
  assert.equal((await iago(["init", "--machine-only", "db"], { cwd: dir.path })).code, 0);
  const app = await iago(["init", "--container-only", "app"], { cwd: dir.path });
  assert.equal(app.code, 0);
  assert.match(app.stderr, /^Container "app" initialized$/m);
  const files = await tree(dir.path);
  assert.ok(files.includes("machines/db/machine.toml"));
  assert.ok(!files.some((f) => f.startsWith("containers/db")));
  assert.ok(files.includes("containers/app/Containerfile"));
  assert.ok(!files.some((f) => f.startsWith("machines/app")));
  // The container of a machine-only machine can be added later, and the other way round.
  assert.equal((await iago(["init", "--container-only", "db"], { cwd: dir.path })).code, 0);
  assert.equal((await iago(["init", "--machine-only", "app"], { cwd: dir.path })).code, 0);

  const before = await tree(dir.path);
  const both = await iago(["init", "--machine-only", "--container-only", "x"], { cwd: dir.path });
  assert.equal(both.code, 2);
  assert.match(both.stderr, /--machine-only and --container-only exclude each other/);
  assert.deepEqual(await tree(dir.path), before);
});

Deno.test("init refuses names that are not DNS labels before writing anything", async () => {
  await using dir = await tempDir();
  for (
    const name of ["../x", "a/b", "Web", "-web", "web-", "web_1", "a".repeat(64), "_shared", "."]
  ) {
    const r = await iago(["init", "--", name], { cwd: dir.path });
    assert.equal(r.code, 2, `${name}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`Invalid machine name "${name.replace(/[.]/g, "\\.")}"`));
    assert.match(r.stderr, /hint: a machine name is a DNS label/);
  }
  assert.deepEqual(await tree(dir.path), []);
  const bad = await iago(["init", "--domain", "exa mple.com", "web"], { cwd: dir.path });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /Invalid domain "exa mple\.com"/);
  assert.deepEqual(await tree(dir.path), []);
});

Deno.test("init never overwrites an existing machine or container", async () => {
  await using dir = await tempDir();
  assert.equal((await iago(["init", "web"], { cwd: dir.path })).code, 0);
  const tomlPath = join(dir.path, "machines/web/machine.toml");
  await Deno.writeTextFile(tomlPath, (await Deno.readTextFile(tomlPath)) + "# mine\n");
  const before = await tree(dir.path);
  const text = await Deno.readTextFile(tomlPath);

  const again = await iago(["init", "web"], { cwd: dir.path });
  assert.equal(again.code, 1);
  assert.match(again.stderr, /Cannot create machine "web": machines\/web exists/);
  assert.match(again.stderr, /iago rm web/);
  assert.equal(await Deno.readTextFile(tomlPath), text);

  // Only the container exists: a full init must not create the machine half either.
  await Deno.remove(join(dir.path, "machines/web"), { recursive: true });
  const half = await iago(["init", "web"], { cwd: dir.path });
  assert.equal(half.code, 1);
  assert.match(half.stderr, /Cannot create container "web": containers\/web exists/);
  assert.match(half.stderr, /--machine-only/);
  assert.deepEqual(
    await tree(dir.path),
    before.filter((f) => !f.startsWith("machines/web/")),
  );
});

Deno.test("init with an invalid defaults.toml fails at its line and writes nothing", async () => {
  await using dir = await tempDir();
  await Deno.mkdir(join(dir.path, "config"));
  await Deno.writeTextFile(
    join(dir.path, "config/defaults.toml"),
    '[machine]\nmac_prefx = "02:00"\n',
  );
  const r = await iago(["init", "web"], { cwd: dir.path });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /config\/defaults\.toml:2:1: Unknown key "mac_prefx" in \[machine\]/);
  assert.match(r.stderr, /did you mean "mac_prefix"\?/);
  assert.deepEqual(await tree(dir.path), ["config/defaults.toml"]);
});

Deno.test("a failing init leaves the workspace as it was, first files included", async () => {
  await using dir = await tempDir();
  await Deno.mkdir(join(dir.path, "containers/_shared/scripts"), { recursive: true });
  await Deno.writeTextFile(
    join(dir.path, "containers/_shared/scripts/health.sh"),
    "#!/bin/sh\n<%= it.name\n",
  );
  const r = await iago(["init", "web"], { cwd: dir.path });
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /containers\/_shared\/scripts\/health\.sh:2:1: Cannot render scaffold template/,
  );
  assert.deepEqual(await tree(dir.path), ["containers/_shared/scripts/health.sh"]);
  const hidden = [...Deno.readDirSync(join(dir.path, "containers"))].map((e) => e.name);
  assert.deepEqual(hidden, ["_shared"], "no staging directory is left behind");
});

Deno.test("templates in containers/_shared replace the embedded ones", async () => {
  await using dir = await tempDir();
  await Deno.mkdir(join(dir.path, "containers/_shared/systemd"), { recursive: true });
  await Deno.writeTextFile(
    join(dir.path, "containers/_shared/systemd/app.service"),
    "[Service]\nUser=<%= it.appUser %>\nExecStart=/usr/libexec/<%= it.name %>/hello.sh\n",
  );
  assert.equal((await iago(["init", "web"], { cwd: dir.path })).code, 0);
  assert.equal(
    await Deno.readTextFile(join(dir.path, "containers/web/systemd/web-app.service")),
    "[Service]\nUser=web-app\nExecStart=/usr/libexec/web/hello.sh\n",
  );
  // The others still come from the embedded scaffold.
  assert.match(
    await Deno.readTextFile(join(dir.path, "containers/web/scripts/hello.sh")),
    /hello from web/,
  );
});

Deno.test("generated MACs never collide with another machine's", async () => {
  await using dir = await tempDir();
  await Deno.mkdir(join(dir.path, "config"));
  // A five-octet prefix leaves 256 addresses; 250 are taken by existing machines.
  await Deno.writeTextFile(
    join(dir.path, "config/defaults.toml"),
    '[machine]\nmac_prefix = "02:05:56:00:00"\n',
  );
  const taken = new Set<string>();
  for (let i = 0; i < 250; i++) {
    const mac = `02:05:56:00:00:${i.toString(16).padStart(2, "0")}`;
    taken.add(mac);
    await Deno.mkdir(join(dir.path, `machines/m${i}`), { recursive: true });
    await Deno.writeTextFile(
      join(dir.path, `machines/m${i}/machine.toml`),
      `name = "m${i}"\nfqdn = "m${i}.example.com"\nmac_address = "${mac}"\n`,
    );
  }
  const ws = new Workspace(dir.path);
  for (const name of ["new-a", "new-b", "new-c"]) {
    const result = await initMachine(ws, name, { machineOnly: true });
    assert.ok(result.macAddress && !taken.has(result.macAddress), result.macAddress);
    assert.match(result.macAddress, /^02:05:56:00:00:f[a-f]$/);
    taken.add(result.macAddress);
  }
});

Deno.test("the container scaffold builds without RUN: COPY --chmod, sysusers, tmpfiles, wants link", async () => {
  await using dir = await tempDir();
  assert.equal((await iago(["init", "web"], { cwd: dir.path })).code, 0);
  const c = join(dir.path, "containers/web");
  const containerfile = await Deno.readTextFile(join(c, "Containerfile"));
  assert.doesNotMatch(containerfile, /^\s*RUN\b/m);
  assert.match(containerfile, /^FROM quay\.io\/fedora\/fedora-bootc:42$/m);
  assert.match(containerfile, /^COPY --chmod=0755 scripts\/ \/usr\/libexec\/web\/$/m);
  assert.match(
    containerfile,
    /^COPY sysusers\.d\/web-app\.conf \/usr\/lib\/sysusers\.d\/web-app\.conf$/m,
  );
  assert.match(
    containerfile,
    /^COPY tmpfiles\.d\/web-app\.conf \/usr\/lib\/tmpfiles\.d\/web-app\.conf$/m,
  );
  assert.match(containerfile, /^COPY systemd\/ \/usr\/lib\/systemd\/system\/$/m);
  assert.match(containerfile, /^HEALTHCHECK .*\\\n\s+CMD \["\/usr\/libexec\/web\/health\.sh"\]$/m);
  assert.equal(
    await Deno.readLink(join(c, "systemd/multi-user.target.wants/web-app.service")),
    "../web-app.service",
  );
  assert.match(
    await Deno.readTextFile(join(c, "systemd/web-app.service")),
    /^WantedBy=multi-user\.target$/m,
  );
  assert.match(await Deno.readTextFile(join(c, "sysusers.d/web-app.conf")), /^u web-app - /m);
  assert.match(
    await Deno.readTextFile(join(c, "tmpfiles.d/web-app.conf")),
    /^d \/var\/lib\/web 0750 web-app web-app -$/m,
  );
  for (const s of ["health.sh", "hello.sh", "init.sh"]) {
    assert.equal((await Deno.stat(join(c, "scripts", s))).mode! & 0o777, 0o755, s);
  }
  const readme = await Deno.readTextFile(join(c, "README.md"));
  assert.match(readme, /RUN dnf install/);
  assert.match(readme, /podman.*buildah|buildah.*podman/);
});

Deno.test("the base image of the scaffold comes from [scaffold] base_image", async () => {
  await using dir = await tempDir();
  await Deno.mkdir(join(dir.path, "config"));
  await Deno.writeTextFile(
    join(dir.path, "config/defaults.toml"),
    '[scaffold]\nbase_image = "localhost:5000/base:1"\n',
  );
  assert.equal((await iago(["init", "--container-only", "web"], { cwd: dir.path })).code, 0);
  const containerfile = await Deno.readTextFile(join(dir.path, "containers/web/Containerfile"));
  assert.match(containerfile, /^FROM localhost:5000\/base:1$/m);
});

Deno.test("the scaffold's scripts pass shellcheck and log, beat and check health", async () => {
  await using dir = await tempDir();
  assert.equal((await iago(["init", "--container-only", "web"], { cwd: dir.path })).code, 0);
  const c = join(dir.path, "containers/web");
  const scripts = ["scripts/health.sh", "scripts/hello.sh", "scripts/init.sh", "tests/smoke.sh"]
    .map((s) => join(c, s));
  const lint = await run("shellcheck", ["--severity=style", ...scripts]);
  assert.equal(lint.code, 0, lint.stdout + lint.stderr);

  const env = { STATE_DIR: join(dir.path, "state"), PATH: Deno.env.get("PATH") ?? "" };
  const unhealthy = await run("bash", [join(c, "scripts/health.sh")], env);
  assert.equal(unhealthy.code, 1);
  assert.match(unhealthy.stderr, /no heartbeat yet/);
  const hello = await run("bash", [join(c, "scripts/hello.sh"), "--once"], env);
  assert.equal(hello.code, 0, hello.stderr);
  assert.match(hello.stdout, /^hello from web on \S+ at \d{4}-\d\d-\d\dT/m);
  const healthy = await run("bash", [join(c, "scripts/health.sh")], env);
  assert.equal(healthy.code, 0, healthy.stderr);
  assert.match(healthy.stdout, /^healthy: last heartbeat \d+s ago/);
});

Deno.test("the machine template compiles and renders to an fcos 1.5.0 Butane document", () => {
  assert.equal(checkTemplateSyntax(MACHINE_TEMPLATE, "butane.yaml.tmpl"), undefined);
  const yaml = renderTemplate(MACHINE_TEMPLATE, {
    machine: {
      name: "web",
      fqdn: "web.example.com",
      containerImage: "ghcr.io/me/web",
      containerTag: "latest",
      macAddress: "",
    },
    user: { username: "core" },
    admin: { username: "admin" },
    network: { timezone: "Europe/Berlin" },
  }, "machines/web/butane.yaml.tmpl");
  const doc = parseYaml(yaml);
  assert.equal(doc.variant, "fcos");
  assert.equal(doc.version, "1.5.0");
  assert.equal(
    doc.storage.files[0].contents.inline,
    "web.example.com runs ghcr.io/me/web:latest, user core, admin admin, timezone Europe/Berlin\n",
  );
});

Deno.test("the container scaffold builds with iago's own builder, link and modes intact", async () => {
  await using dir = await tempDir();
  await Deno.mkdir(join(dir.path, "config"));
  // `scratch` needs no registry; the scaffold's COPY lines are what is under test.
  await Deno.writeTextFile(
    join(dir.path, "config/defaults.toml"),
    '[scaffold]\nbase_image = "scratch"\n[container_registry]\nurl = "localhost:5000/t"\n',
  );
  assert.equal((await iago(["init", "--container-only", "web"], { cwd: dir.path })).code, 0);
  const built = await iago(["build", "web", "--no-push"], { cwd: dir.path });
  assert.equal(built.code, 0, built.stderr);

  const oci = join(dir.path, "oci");
  await Deno.mkdir(oci);
  const untar = await run("tar", ["-xf", join(dir.path, "output/images/web.tar"), "-C", oci]);
  assert.equal(untar.code, 0, untar.stderr);
  const blob = (digest: string) => join(oci, "blobs", ...digest.split(":"));
  const index = JSON.parse(await Deno.readTextFile(join(oci, "index.json")));
  const manifest = JSON.parse(await Deno.readTextFile(blob(index.manifests[0].digest)));
  const entries: string[] = [];
  for (const layer of manifest.layers) {
    const list = await run("tar", ["-tvzf", blob(layer.digest)]);
    assert.equal(list.code, 0, list.stderr);
    entries.push(...list.stdout.trim().split("\n"));
  }
  const find = (path: string) => entries.find((e) => e.includes(` ${path}`)) ?? "";
  assert.match(find("usr/libexec/web/hello.sh"), /^-rwxr-xr-x /);
  assert.match(find("usr/libexec/web/health.sh"), /^-rwxr-xr-x /);
  assert.match(
    find("usr/lib/systemd/system/multi-user.target.wants/web-app.service"),
    /^lrwxrwxrwx .* -> \.\.\/web-app\.service$/,
  );
  assert.match(find("usr/lib/systemd/system/web-app.service"), /^-rw-r--r-- /);
  assert.match(find("usr/lib/sysusers.d/web-app.conf"), /^-rw-r--r-- /);
  assert.match(find("usr/lib/tmpfiles.d/web-app.conf"), /^-rw-r--r-- /);
  assert.match(find("usr/share/web/app.env"), /^-rw-r--r-- /);
  const config = JSON.parse(await Deno.readTextFile(blob(manifest.config.digest)));
  assert.deepEqual(config.config.Healthcheck.Test, ["CMD", "/usr/libexec/web/health.sh"]);
  assert.deepEqual(config.config.Cmd, ["/usr/libexec/web/hello.sh"]);
});

Deno.test("the scaffold's service unit passes systemd-analyze verify without a warning", async () => {
  await using dir = await tempDir();
  assert.equal((await iago(["init", "--container-only", "web"], { cwd: dir.path })).code, 0);
  // A root like the image's: the host's units (for the targets it names), the scripts, the unit.
  const root = join(dir.path, "root");
  const unitDir = join(root, "usr/lib/systemd/system");
  await Deno.mkdir(join(root, "usr/libexec/web"), { recursive: true });
  await Deno.mkdir(join(root, "usr/lib/systemd"), { recursive: true });
  const copy = await run("cp", ["-a", "/usr/lib/systemd/system", join(root, "usr/lib/systemd/")]);
  assert.equal(copy.code, 0, `the systemd package is needed: ${copy.stderr}`);
  for (const s of ["hello.sh", "health.sh", "init.sh"]) {
    await Deno.copyFile(
      join(dir.path, "containers/web/scripts", s),
      join(root, "usr/libexec/web", s),
    );
    await Deno.chmod(join(root, "usr/libexec/web", s), 0o755);
  }
  await Deno.copyFile(
    join(dir.path, "containers/web/systemd/web-app.service"),
    join(unitDir, "web-app.service"),
  );
  const verify = await run("systemd-analyze", [
    "verify",
    `--root=${root}`,
    join(unitDir, "web-app.service"),
  ]);
  assert.equal(verify.code, 0, verify.stderr);
  assert.equal(verify.stderr.trim(), "");
});

Deno.test("when init cannot write the Ignition file, its error keeps the why and the fix", async () => {
  await using dir = await tempDir();
  assert.equal((await iago(["init", "--machine-only", "a"], { cwd: dir.path })).code, 0);
  const defaults = join(dir.path, "config/defaults.toml");
  const text = await Deno.readTextFile(defaults);
  await Deno.writeTextFile(
    defaults,
    text.replace(/^github_username = ""$/m, 'github_username = "nobody-here"'),
  );
  // Nothing listens on port 9 (discard): the lookup fails and no keys are cached.
  const env = { IAGO_GITHUB_URL: "http://127.0.0.1:9" };
  const r = await iago(["init", "--machine-only", "b"], { cwd: dir.path, env });
  assert.equal(r.code, 1);
  const [error, hint] = r.stderr.trim().split("\n");
  assert.match(error, /Nobody could log in as "core": GitHub user "nobody-here" has no SSH keys/);
  assert.match(error, /http:\/\/127\.0\.0\.1:9\/nobody-here\.keys: cannot connect/);
  assert.match(hint, /set password_hash .*, then run: iago ignite b \(machine "b" was created\)$/);
});

Deno.test("a shared scaffold template naming an unknown variable fails instead of writing 'undefined'", async () => {
  await using dir = await tempDir();
  await Deno.mkdir(join(dir.path, "containers/_shared/scripts"), { recursive: true });
  await Deno.writeTextFile(
    join(dir.path, "containers/_shared/scripts/hello.sh"),
    "#!/bin/sh\necho <%= `hello from ${it.nmae}` %>\n",
  );
  const r = await iago(["init", "--container-only", "web"], { cwd: dir.path });
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /containers\/_shared\/scripts\/hello\.sh.*it\.nmae is not a template variable: did you mean it\.name\?/,
  );
  assert.deepEqual(await tree(dir.path), ["containers/_shared/scripts/hello.sh"]);
});
