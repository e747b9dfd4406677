/**
 * Translated configs applied by the real Ignition (Debian's 2.14, `file` platform) to a
 * scratch root: the files, modes, owners, links, users, keys and units it writes must be what
 * the Butane config asked for. Recipe: shared/spec/oracles.md.
 */
import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import { translateButaneText } from "../../src/butane/mod.ts";

const IGNITION = "/usr/lib/dracut/modules.d/30ignition/ignition";
const CORPUS = new URL("./corpus/", import.meta.url).pathname;

/** Makes a root Ignition can provision: passwd files, skel, SELinux config, no-op setfiles. */
async function scratchRoot(): Promise<{ dir: string; root: string; path: string }> {
  try {
    await Deno.stat(IGNITION);
  } catch {
    throw new Error(`${IGNITION} is missing: install the Debian package "ignition"`);
  }
  const dir = await Deno.makeTempDir({ prefix: "iago-apply-" });
  // Ignition writes SSH keys as the user: every parent must be traversable.
  await Deno.chmod(dir, 0o755);
  const root = `${dir}/root`;
  await Deno.mkdir(`${root}/etc/skel`, { recursive: true });
  await Deno.mkdir(`${root}/etc/selinux`, { recursive: true });
  await Deno.mkdir(`${dir}/bin`);
  await Deno.mkdir(`${dir}/work`);
  await Deno.writeTextFile(`${root}/etc/selinux/config`, "SELINUXTYPE=targeted\n");
  await Deno.writeTextFile(`${root}/etc/passwd`, "root:x:0:0:root:/root:/bin/bash\n");
  await Deno.writeTextFile(`${root}/etc/group`, "root:x:0:\nwheel:x:10:\n");
  await Deno.writeTextFile(`${root}/etc/shadow`, "root:*::0:99999:7:::\n");
  await Deno.writeTextFile(`${root}/etc/gshadow`, "root:*::\nwheel:!::\n");
  await Deno.copyFile("/etc/login.defs", `${root}/etc/login.defs`);
  await Deno.writeTextFile(`${dir}/bin/setfiles`, "#!/bin/sh\ncat >/dev/null\nexit 0\n", {
    mode: 0o755,
  });
  return { dir, root, path: `${dir}/bin:${Deno.env.get("PATH") ?? "/usr/bin:/bin"}` };
}

/** Runs Ignition's fetch-offline and files stages for `config`; returns the files-stage log. */
async function apply(
  config: Record<string, unknown>,
  s: { dir: string; root: string; path: string },
) {
  const copy = structuredClone(config) as Record<string, Record<string, unknown>>;
  // 2.14 knows 3.4.0 as 3.4.0-experimental; no network, no disks.
  if (copy.ignition.version === "3.4.0") copy.ignition.version = "3.4.0-experimental";
  copy.ignition.timeouts = { httpTotal: 1 };
  await Deno.writeTextFile(`${s.dir}/config.ign`, JSON.stringify(copy));
  const common = [
    "-platform=file",
    "-log-to-stdout",
    `-config-cache=${s.dir}/work/ignition.json`,
    `-state-file=${s.dir}/work/state`,
    `-neednet=${s.dir}/work/neednet`,
    `-root=${s.root}`,
  ];
  const env = { PATH: s.path, IGNITION_CONFIG_FILE: `${s.dir}/config.ign` };
  let log = "";
  for (const stage of ["fetch-offline", "files"]) {
    const out = await new Deno.Command(IGNITION, { args: [`-stage=${stage}`, ...common], env })
      .output();
    log = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    assert.ok(
      out.success,
      `ignition ${stage} failed:\n${log.split("\n").filter((l) => /CRIT|ERR/.test(l)).join("\n")}`,
    );
  }
  return log;
}

function uidOf(root: string, user: string): number {
  const line = Deno.readTextFileSync(`${root}/etc/passwd`).split("\n").find((l) =>
    l.startsWith(`${user}:`)
  );
  assert.ok(line, `user ${user} not in passwd`);
  return Number(line.split(":")[2]);
}

Deno.test("Ignition applies a translated config with local files, trees, keys and units", async () => {
  const s = await scratchRoot();
  try {
    const text = await Deno.readTextFile(`${CORPUS}local-files.bu`);
    const r = await translateButaneText(text, { filesDir: `${CORPUS}local-files.d` });
    assert.ok(r.ok);
    await apply(r.ignition!, s);
    const root = s.root;
    const core = uidOf(root, "core");
    assert.equal(await Deno.readTextFile(`${root}/etc/motd`), "Welcome\nWelcome\n");
    assert.equal((await Deno.stat(`${root}/etc/motd`)).mode! & 0o7777, 0o644);
    const override = await Deno.stat(`${root}/etc/app/override.conf`);
    assert.equal(override.mode! & 0o7777, 0o600);
    assert.equal(override.uid, core);
    assert.equal((await Deno.stat(`${root}/usr/local/bin/run.sh`)).mode! & 0o7777, 0o755);
    assert.equal((await Deno.stat(`${root}/opt/tool/run.sh`)).mode! & 0o7777, 0o700);
    assert.equal(await Deno.readTextFile(`${root}/opt/app-copy/config.toml`), "a = 1\n");
    assert.equal(await Deno.readLink(`${root}/etc/app/current`), "config.toml");
    assert.equal(await Deno.readLink(`${root}/usr/local/app-link`), "../../etc/app");
    const keys = `${root}/home/core/.ssh/authorized_keys.d/ignition`;
    assert.equal(
      await Deno.readTextFile(keys),
      "ssh-ed25519 INLINE zero\nssh-ed25519 AAAA one\nssh-ed25519 BBBB two\nssh-rsa CCCC three\n",
    );
    assert.equal((await Deno.stat(keys)).mode! & 0o777, 0o600);
    assert.equal(
      await Deno.readTextFile(`${root}/etc/systemd/system/app.service.d/restart.conf`),
      "[Service]\nRestart=always\n",
    );
    assert.match(
      await Deno.readTextFile(`${root}/etc/systemd/system-preset/20-ignition.preset`),
      /^enable app\.service$/m,
    );
  } finally {
    await Deno.remove(s.dir, { recursive: true });
  }
});

Deno.test("Ignition applies gzip contents, appends, directories, links, groups and masks", async () => {
  const s = await scratchRoot();
  try {
    const big = "repeat me\n".repeat(40);
    const text = `variant: fcos
version: 1.5.0
passwd:
  groups:
    - name: app
      gid: 1500
  users:
    - name: svc
      uid: 1501
      primary_group: app
      groups: [wheel]
      no_create_home: true
      home_dir: /var/lib/svc
storage:
  directories:
    - path: /var/lib/app
      mode: 0750
      user: {name: svc}
      group: {name: app}
  files:
    - path: /var/lib/app/big.txt
      contents:
        inline: |
${big.split("\n").filter((l) => l).map((l) => "          " + l).join("\n")}
    - path: /etc/profile.d/app.sh
      mode: 0755
      contents:
        inline: "export A=1\\n"
      append:
        - inline: "export B=2\\n"
  links:
    - path: /etc/app.sh
      target: /etc/profile.d/app.sh
      hard: true
    - path: /etc/localtime
      target: ../usr/share/zoneinfo/UTC
systemd:
  units:
    - name: docker.socket
      mask: true
    - name: hello.service
      enabled: true
      contents: |
        [Service]
        ExecStart=/usr/bin/echo hello

        [Install]
        WantedBy=multi-user.target
`;
    const r = await translateButaneText(text);
    assert.ok(r.ok, JSON.stringify(r.report));
    const config = r.ignition as {
      storage: { files: { contents: { compression: string; source: string } }[] };
    };
    assert.equal(config.storage.files[0].contents.compression, "gzip");
    const gz = Uint8Array.from(
      atob(config.storage.files[0].contents.source.split(",")[1]),
      (c) => c.charCodeAt(0),
    );
    assert.equal(new TextDecoder().decode(gunzipSync(gz)), big);
    await apply(r.ignition!, s);
    const root = s.root;
    assert.match(await Deno.readTextFile(`${root}/etc/group`), /^app:x:1500:$/m);
    assert.match(await Deno.readTextFile(`${root}/etc/group`), /^wheel:x:10:svc$/m);
    assert.match(
      await Deno.readTextFile(`${root}/etc/passwd`),
      /^svc:x:1501:1500::\/var\/lib\/svc:/m,
    );
    const dir = await Deno.stat(`${root}/var/lib/app`);
    assert.equal(dir.mode! & 0o7777, 0o750);
    assert.equal(dir.uid, 1501);
    assert.equal(dir.gid, 1500);
    assert.equal(await Deno.readTextFile(`${root}/var/lib/app/big.txt`), big);
    assert.equal(
      await Deno.readTextFile(`${root}/etc/profile.d/app.sh`),
      "export A=1\nexport B=2\n",
    );
    assert.equal((await Deno.stat(`${root}/etc/profile.d/app.sh`)).mode! & 0o7777, 0o755);
    assert.equal(
      (await Deno.stat(`${root}/etc/app.sh`)).ino,
      (await Deno.stat(`${root}/etc/profile.d/app.sh`)).ino,
    );
    assert.equal(await Deno.readLink(`${root}/etc/localtime`), "../usr/share/zoneinfo/UTC");
    assert.equal(await Deno.readLink(`${root}/etc/systemd/system/docker.socket`), "/dev/null");
    assert.match(
      await Deno.readTextFile(`${root}/etc/systemd/system/hello.service`),
      /ExecStart=\/usr\/bin\/echo hello/,
    );
  } finally {
    await Deno.remove(s.dir, { recursive: true });
  }
});
