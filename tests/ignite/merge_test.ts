import assert from "node:assert/strict";
import { IagoError } from "../../src/errors.ts";
import type { ButaneConfig } from "../../src/types.ts";
import { mergeLayers } from "../../src/workload/merge.ts";

const file = (path: string, inline: string, mode = 0o644) => ({ path, mode, contents: { inline } });

Deno.test("mergeLayers() merges files, units, dropins and users by their Ignition keys", () => {
  const a: ButaneConfig = {
    passwd: {
      users: [{ name: "core", groups: ["wheel"], ssh_authorized_keys: ["ssh-ed25519 A"] }],
    },
    storage: { files: [file("/etc/a", "a")], directories: [{ path: "/etc/iago", mode: 0o755 }] },
    systemd: {
      units: [{
        name: "x.service",
        contents: "[Unit]\n",
        dropins: [{ name: "a.conf", contents: "1" }],
      }],
    },
  };
  const b: ButaneConfig = {
    passwd: { users: [{ name: "core", groups: ["wheel", "sudo"], password_hash: "$6$x$y" }] },
    storage: { files: [file("/etc/b", "b"), { path: "/etc/a", overwrite: true }] },
    systemd: {
      units: [{ name: "x.service", enabled: true, dropins: [{ name: "b.conf", contents: "2" }] }],
    },
  };
  const merged = mergeLayers([{ source: "A", config: a }, { source: "B", config: b }]);
  assert.deepEqual(merged, {
    passwd: {
      users: [{
        name: "core",
        groups: ["wheel", "sudo"],
        ssh_authorized_keys: ["ssh-ed25519 A"],
        password_hash: "$6$x$y",
      }],
    },
    storage: {
      files: [{ ...file("/etc/a", "a"), overwrite: true }, file("/etc/b", "b")],
      directories: [{ path: "/etc/iago", mode: 0o755 }],
    },
    systemd: {
      units: [{
        name: "x.service",
        contents: "[Unit]\n",
        enabled: true,
        dropins: [{ name: "a.conf", contents: "1" }, { name: "b.conf", contents: "2" }],
      }],
    },
  });
});

Deno.test("mergeLayers() reports two workloads that set one key differently, naming both", () => {
  const cases: { a: ButaneConfig; b: ButaneConfig; key: string }[] = [
    {
      a: { storage: { files: [file("/etc/motd", "one")] } },
      b: { storage: { files: [file("/etc/motd", "two")] } },
      key: "storage.files[/etc/motd].contents.inline",
    },
    {
      a: { systemd: { units: [{ name: "x.service", enabled: true }] } },
      b: { systemd: { units: [{ name: "x.service", enabled: false }] } },
      key: "systemd.units[x.service].enabled",
    },
    {
      a: { storage: { directories: [{ path: "/srv" }] } },
      b: { storage: { files: [file("/srv", "x")] } },
      key: "storage.files[/srv]",
    },
  ];
  for (const c of cases) {
    assert.throws(
      () =>
        mergeLayers([{ source: 'workload "a"', config: c.a }, {
          source: "workloads/b.ts",
          config: c.b,
        }]),
      (err: unknown) => {
        assert.ok(err instanceof IagoError);
        assert.equal(err.message, `workload "a" and workloads/b.ts set ${c.key} differently`);
        return true;
      },
    );
  }
});

Deno.test("mergeLayers() lets equal values through and the machine's document win over workloads", () => {
  const a: ButaneConfig = {
    storage: { files: [file("/etc/motd", "one"), file("/etc/same", "s")] },
  };
  const b: ButaneConfig = {
    storage: { files: [file("/etc/motd", "two"), file("/etc/same", "s")] },
  };
  const machine: ButaneConfig = {
    storage: {
      files: [{ path: "/etc/motd", contents: { inline: "mine" } }],
      directories: [{ path: "/etc/same" }],
    },
  };
  const merged = mergeLayers(
    [{ source: "A", config: a }, { source: "B", config: b }],
    { source: "machines/m/butane.yaml.tmpl", config: machine },
  );
  assert.deepEqual(merged.storage?.files, [file("/etc/motd", "mine")]);
  assert.deepEqual(merged.storage?.directories, [{ path: "/etc/same" }]);
});

Deno.test("mergeLayers() lets the machine's document take a file's or unit's contents from elsewhere", () => {
  const workload: ButaneConfig = {
    storage: {
      files: [
        file("/etc/hostname", "web\n"),
        {
          path: "/etc/app.conf",
          contents: { source: "https://example.com/a", verification: { hash: "sha512-aa" } },
        },
      ],
    },
    systemd: { units: [{ name: "x.service", enabled: true, contents: "[Unit]\n" }] },
  };
  const machine: ButaneConfig = {
    storage: {
      files: [
        { path: "/etc/hostname", contents: { local: "hostname" } },
        { path: "/etc/app.conf", contents: { source: "https://example.com/b" } },
      ],
    },
    systemd: { units: [{ name: "x.service", contents_local: "x.service" }] },
  };
  const merged = mergeLayers([{ source: 'workload "default"', config: workload }], {
    source: "machines/m/butane.yaml.tmpl",
    config: machine,
  });
  assert.deepEqual(merged.storage?.files, [
    { path: "/etc/hostname", mode: 0o644, contents: { local: "hostname" } },
    { path: "/etc/app.conf", contents: { source: "https://example.com/b" } },
  ]);
  assert.deepEqual(merged.systemd?.units, [
    { name: "x.service", enabled: true, contents_local: "x.service" },
  ]);

  // Between workloads, contents from two places is a conflict named as such.
  assert.throws(
    () =>
      mergeLayers([{ source: "A", config: workload }, {
        source: "B",
        config: { storage: { files: [{ path: "/etc/hostname", contents: { local: "h" } }] } },
      }]),
    { message: "A and B set storage.files[/etc/hostname].contents differently" },
  );
});
