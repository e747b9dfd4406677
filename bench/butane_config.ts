/**
 * A realistic machine's Butane config (3 users, 30 files, 10 units, two with drop-ins, a
 * filesystem with a mount unit and a 12-file tree), for the translator's benchmarks and as the
 * config butane itself translates beside iago.
 */

/** The config's text; its tree is `tree/` under the files directory (see `writeTree`). */
export function realisticConfig(): string {
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

/** Writes the 12 files of the config's `tree` under `filesDir`. */
export function writeTree(filesDir: string): void {
  Deno.mkdirSync(`${filesDir}/tree/sub`, { recursive: true });
  for (let i = 0; i < 12; i++) {
    Deno.writeTextFileSync(
      `${filesDir}/tree/${i < 6 ? "" : "sub/"}file-${i}.txt`,
      `content ${i}\n`,
    );
  }
}
