/**
 * Butane translation speed on a realistic machine config: 3 users, 30 files, 10 units (two with
 * drop-ins), a filesystem with a mount unit and a 12-file tree. In-process (target < 2 ms per
 * config) and, for comparison with the original tool's workflow, one `iago butane` process per
 * config. Run: deno bench -A bench/butane_bench.ts
 */
import { translateButaneTextSync } from "../src/butane/mod.ts";

function realisticConfig(): string {
  const users = ["core", "deploy", "backup"].map((name, i) =>
    `    - name: ${name}\n      uid: ${1000 + i}\n      groups: [wheel, docker]\n` +
    `      ssh_authorized_keys:\n        - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI${
      "x".repeat(43)
    } ${name}@laptop\n`
  ).join("");
  const files = Array.from(
    { length: 30 },
    (_, i) =>
      `    - path: /etc/iago/conf.d/${
        String(i).padStart(2, "0")
      }-setting.conf\n      mode: 0644\n` +
      `      user: {name: core}\n      contents:\n        inline: |\n` +
      `          # setting ${i}\n          key_${i}=value-${i}\n          enabled=true\n` +
      (i % 5 === 0 ? "          " + "long line of repeated text ".repeat(20) + "\n" : ""),
  ).join("");
  const units = Array.from(
    { length: 10 },
    (_, i) =>
      `    - name: app-${i}.service\n      enabled: true\n      contents: |\n` +
      `        [Unit]\n        Description=App ${i}\n        After=network-online.target\n\n` +
      `        [Service]\n        ExecStart=/usr/bin/podman run --rm --name app-${i} ghcr.io/example/app:${i}\n` +
      `        Restart=always\n\n        [Install]\n        WantedBy=multi-user.target\n` +
      (i < 2
        ? `      dropins:\n        - name: 10-env.conf\n          contents: "[Service]\\nEnvironment=N=${i}\\n"\n`
        : ""),
  ).join("");
  return `variant: fcos
version: 1.5.0
passwd:
  users:
${users}storage:
  filesystems:
    - device: /dev/disk/by-label/data
      path: /var/lib/data
      format: xfs
      with_mount_unit: true
  directories:
    - path: /etc/iago/conf.d
      mode: 0755
  files:
${files}  trees:
    - local: tree
      path: /etc/app
systemd:
  units:
${units}`;
}

const filesDir = Deno.makeTempDirSync({ prefix: "iago-bench-" });
Deno.mkdirSync(`${filesDir}/tree/sub`, { recursive: true });
for (let i = 0; i < 12; i++) {
  Deno.writeTextFileSync(`${filesDir}/tree/${i < 6 ? "" : "sub/"}file-${i}.txt`, `content ${i}\n`);
}
const text = realisticConfig();
Deno.writeTextFileSync(`${filesDir}/machine.bu`, text);

const check = translateButaneTextSync(text, { filesDir });
if (!check.ok) {
  throw new Error(`benchmark config does not translate: ${JSON.stringify(check.report)}`);
}

Deno.bench("butane: realistic config, in-process", { group: "butane", baseline: true }, () => {
  translateButaneTextSync(text, { filesDir });
});

Deno.bench(
  "butane: 100 realistic configs in a row, in-process (divide by 100)",
  { group: "butane-loop", n: 20, warmup: 5 },
  () => {
    for (let i = 0; i < 100; i++) translateButaneTextSync(text, { filesDir });
  },
);

const main = new URL("../main.ts", import.meta.url).pathname;
Deno.bench(
  "butane: realistic config, one `iago butane` process per config",
  { group: "butane", n: 5, warmup: 1 },
  async () => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", main, "butane", "-d", filesDir, `${filesDir}/machine.bu`],
      stdout: "null",
      stderr: "null",
    }).output();
    if (!out.success) throw new Error("iago butane failed");
  },
);

globalThis.addEventListener("unload", () => Deno.removeSync(filesDir, { recursive: true }));
