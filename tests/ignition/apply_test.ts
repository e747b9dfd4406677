import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { applyIgnition } from "../helpers/ignition.ts";

const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));

const config = {
  ignition: { version: "3.4.0" },
  passwd: {
    users: [{
      name: "core",
      sshAuthorizedKeys: ["ssh-ed25519 AAAAC3Nza test@example"],
      groups: ["wheel"],
    }],
  },
  storage: {
    directories: [{ path: "/etc/iago/secrets", mode: 0o700 }],
    files: [
      { path: "/etc/hostname", mode: 0o644, contents: { source: "data:,web-1%0A" } },
      {
        path: "/etc/iago/secrets/token",
        mode: 0o600,
        contents: {
          compression: "gzip",
          source: `data:;base64,${b64(gzipSync(new TextEncoder().encode("s3cret\n")))}`,
        },
      },
      {
        path: "/etc/motd",
        contents: { source: "data:,hello%0A" },
        append: [{ source: "data:;base64,d29ybGQK" }],
      },
      {
        path: "/usr/local/bin/run.sh",
        mode: 0o755,
        contents: { source: "data:,%23!%2Fbin%2Fsh%0A" },
      },
    ],
    links: [
      { path: "/etc/localtime", target: "../usr/share/zoneinfo/UTC" },
      { path: "/etc/hostname-hard", target: "/etc/hostname", hard: true },
    ],
  },
  systemd: {
    units: [
      {
        name: "app.service",
        enabled: true,
        contents: "[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\n",
        dropins: [{ name: "10-env.conf", contents: "[Service]\nEnvironment=A=1\n" }],
      },
      { name: "zincati.service", mask: true },
      { name: "old.service", enabled: false },
    ],
  },
};

Deno.test("applyIgnition writes users, files, links and units with the real Ignition", async () => {
  const applied = await applyIgnition(JSON.stringify(config));
  try {
    const r = applied.root;
    const text = (p: string) => Deno.readTextFileSync(`${r}${p}`);
    const mode = (p: string) => Deno.lstatSync(`${r}${p}`).mode! & 0o7777;

    assert.match(text("/etc/passwd"), /^core:x:\d+:\d+:/m);
    assert.match(text("/etc/group"), /^wheel:x:10:core$/m);
    const keys = "/home/core/.ssh/authorized_keys.d/ignition";
    assert.equal(text(keys), "ssh-ed25519 AAAAC3Nza test@example\n");
    assert.equal(mode(keys), 0o600);

    assert.equal(text("/etc/hostname"), "web-1\n");
    assert.equal(mode("/etc/hostname"), 0o644);
    assert.equal(text("/etc/iago/secrets/token"), "s3cret\n");
    assert.equal(mode("/etc/iago/secrets/token"), 0o600);
    assert.equal(mode("/etc/iago/secrets"), 0o700);
    assert.equal(text("/etc/motd"), "hello\nworld\n");
    assert.equal(mode("/usr/local/bin/run.sh"), 0o755);

    assert.equal(Deno.readLinkSync(`${r}/etc/localtime`), "../usr/share/zoneinfo/UTC");
    const hard = Deno.lstatSync(`${r}/etc/hostname-hard`);
    assert.equal(hard.ino, Deno.lstatSync(`${r}/etc/hostname`).ino);

    assert.match(text("/etc/systemd/system/app.service"), /ExecStart=\/bin\/true/);
    assert.equal(
      text("/etc/systemd/system/app.service.d/10-env.conf"),
      "[Service]\nEnvironment=A=1\n",
    );
    assert.equal(Deno.readLinkSync(`${r}/etc/systemd/system/zincati.service`), "/dev/null");
    const preset = text("/etc/systemd/system-preset/20-ignition.preset");
    assert.match(preset, /^enable app\.service$/m);
    assert.match(preset, /^disable old\.service$/m);
  } finally {
    await applied.cleanup();
  }
});

Deno.test("applyIgnition fails with Ignition's log when the config is invalid", async () => {
  await assert.rejects(
    applyIgnition(
      JSON.stringify({ ignition: { version: "3.3.0" }, storage: { files: [{ path: "rel" }] } }),
    ),
    /Ignition stage fetch-offline failed[\s\S]*path not absolute/,
  );
});

Deno.test("applyIgnition can hide the host's systemd from Ignition in a mount namespace", async () => {
  const applied = await applyIgnition(JSON.stringify(config), { isolateSystemd: true });
  try {
    const r = applied.root;
    assert.equal(Deno.readLinkSync(`${r}/etc/systemd/system/zincati.service`), "/dev/null");
    assert.match(
      Deno.readTextFileSync(`${r}/etc/systemd/system-preset/20-ignition.preset`),
      /^disable old\.service$/m,
    );
  } finally {
    await applied.cleanup();
  }
});
