/**
 * Translated configs applied by the real Ignition (Debian's 2.14, `file` platform) to a
 * scratch root: the files, modes, owners, links, users, keys and units it writes must be what
 * the Butane config asked for (through `tests/helpers/ignition.ts`).
 */
import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import { translateButaneText } from "../../src/butane/mod.ts";
import { applyIgnition } from "../helpers/ignition.ts";

const CORPUS = new URL("./corpus/", import.meta.url).pathname;

function uidOf(root: string, user: string): number {
  const line = Deno.readTextFileSync(`${root}/etc/passwd`).split("\n").find((l) =>
    l.startsWith(`${user}:`)
  );
  assert.ok(line, `user ${user} not in passwd`);
  return Number(line.split(":")[2]);
}

Deno.test("Ignition applies a translated config with local files, trees, keys and units", async () => {
  const text = await Deno.readTextFile(`${CORPUS}local-files.bu`);
  const r = await translateButaneText(text, { filesDir: `${CORPUS}local-files.d` });
  assert.ok(r.ok);
  const applied = await applyIgnition(r.json!);
  try {
    const root = applied.root;
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
    await applied.cleanup();
  }
});

Deno.test("Ignition applies gzip contents, appends, directories, links, groups and masks", async () => {
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
  const applied = await applyIgnition(r.json!);
  const root = applied.root;
  try {
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
    await applied.cleanup();
  }
});
