/**
 * Butane-level checks on the typed YAML document (butane's `validate.go` files), reported at
 * YAML paths in the order vcontext walks the Go structs (a struct's own checks, then its
 * fields in declaration order): conflicting resource sources, `with_mount_unit` needs,
 * decimal-looking modes, trees, `contents`/`contents_local`, and the fcos `boot_device` and
 * `grub` sections.
 */
import type { Doc } from "../decode.ts";
import type { Report } from "../report.ts";

const DECIMAL_MODE =
  "unreasonable mode would be reasonable if specified in octal; remember to add a leading zero";

const BOOT_DISK = "/dev/disk/by-id/coreos-boot-disk";
const REUSE_BY_LABEL =
  `partitions cannot be reused by label; number must be specified except on boot disk (${BOOT_DISK}) or when wipe_table is true`;

function validateDisks(doc: Doc, r: Report): void {
  const storage = (doc.storage ?? {}) as Doc;
  ((storage.disks ?? []) as Doc[]).forEach((disk, i) => {
    if (disk.device === BOOT_DISK || disk.wipe_table === true) return;
    ((disk.partitions ?? []) as Doc[]).forEach((part, p) => {
      if (!part.number && part.label !== undefined) {
        r.warn(`$.storage.disks.${i}.partitions.${p}.number`, REUSE_BY_LABEL);
      }
    });
  });
  ((storage.filesystems ?? []) as Doc[]).forEach((fs, i) => {
    const path = fs.path as string | undefined;
    if (path !== undefined && !/^\/(etc|var)(\/|$)/.test(path) && fs.with_mount_unit === true) {
      r.error(
        `$.storage.filesystems.${i}.path`,
        "path must be under /etc or /var if with_mount_unit is true",
      );
    }
  });
}

/** Runs every Butane-level check on `doc`. */
export function validateButane(
  doc: Doc,
  r: Report,
  spec: { layouts: readonly string[]; swapUnits: boolean; diskChecks: boolean },
): void {
  const layouts = spec.layouts;
  // fcos Config.Validate runs before vcontext walks the fields.
  if (spec.diskChecks) validateDisks(doc, r);
  const ign = doc.ignition as Doc | undefined;
  const config = ign?.config as Doc | undefined;
  ((config?.merge ?? []) as Doc[]).forEach((res, i) =>
    resource(res, `$.ignition.config.merge.${i}`, r)
  );
  if (config?.replace) resource(config.replace as Doc, "$.ignition.config.replace", r);
  const tls = (ign?.security as Doc | undefined)?.tls as Doc | undefined;
  ((tls?.certificate_authorities ?? []) as Doc[]).forEach((res, i) =>
    resource(res, `$.ignition.security.tls.certificate_authorities.${i}`, r)
  );

  const storage = (doc.storage ?? {}) as Doc;
  ((storage.directories ?? []) as Doc[]).forEach((d, i) => {
    if (typeof d.mode === "number" && looksDecimal(d.mode, true)) {
      r.warn(`$.storage.directories.${i}.mode`, DECIMAL_MODE);
    }
  });
  ((storage.files ?? []) as Doc[]).forEach((f, i) => {
    // vcontext runs a struct's own Validate (the mode check) before walking its fields.
    const p = `$.storage.files.${i}`;
    if (typeof f.mode === "number" && looksDecimal(f.mode, false)) {
      r.warn(`${p}.mode`, DECIMAL_MODE);
    }
    ((f.append ?? []) as Doc[]).forEach((a, j) => resource(a, `${p}.append.${j}`, r));
    if (f.contents) resource(f.contents as Doc, `${p}.contents`, r);
  });
  ((storage.filesystems ?? []) as Doc[]).forEach((fs, i) => {
    if (fs.with_mount_unit !== true) return;
    const p = `$.storage.filesystems.${i}`;
    if (!fs.format) r.error(`${p}.format`, "format is required if with_mount_unit is true");
    else if ((fs.format !== "swap" || !spec.swapUnits) && !fs.path) {
      r.error(`${p}.path`, "path is required if with_mount_unit is true and format is not swap");
    }
  });
  ((storage.luks ?? []) as Doc[]).forEach((l, i) => {
    if (l.key_file) resource(l.key_file as Doc, `$.storage.luks.${i}.key_file`, r);
  });
  ((storage.trees ?? []) as Doc[]).forEach((tree, i) => {
    if (!tree.local) r.error(`$.storage.trees.${i}`, "local is required");
  });

  const units = ((doc.systemd as Doc | undefined)?.units ?? []) as Doc[];
  units.forEach((u, i) => {
    const p = `$.systemd.units.${i}`;
    contents(u, p, r);
    ((u.dropins ?? []) as Doc[]).forEach((d, j) => contents(d, `${p}.dropins.${j}`, r));
  });

  const boot = doc.boot_device as Doc | undefined;
  if (boot) validateBootDevice(boot, layouts, r);
  const grubUsers = ((doc.grub as Doc | undefined)?.users ?? []) as Doc[];
  grubUsers.forEach((u, i) => {
    const p = `$.grub.users.${i}`;
    if (!u.name) r.error(`${p}.name`, 'field "name" is required');
    if (!u.password_hash) r.error(`${p}.password_hash`, 'field "password_hash" is required');
  });
}

const LAYOUT = "$.boot_device.layout";

/** fcos `boot_device` checks; the s390x ones apply where the version knows s390x layouts (1.6). */
function validateBootDevice(boot: Doc, layouts: readonly string[], r: Report): void {
  const layout = boot.layout as string | undefined;
  const luks = (boot.luks ?? {}) as Doc;
  const luksDevice = (luks.device ?? "") as string;
  const devices = ((boot.mirror as Doc | undefined)?.devices ?? []) as string[];
  if (layout !== undefined) {
    if (!layouts.includes(layout)) {
      r.error(
        LAYOUT,
        "layout must be one of: aarch64, ppc64le, s390x-eckd, s390x-virt, s390x-zfcp, x86_64",
      );
    } else if (layout === "s390x-eckd" || layout === "s390x-zfcp") {
      const name = layout === "s390x-eckd" ? /\/dev\/dasd[a-z]$/ : /\/dev\/sd[a-z]$/;
      if (luksDevice === "") {
        r.error(LAYOUT, "device is required for layouts: s390x-eckd, s390x-zfcp");
      } else if (!name.test(luksDevice)) {
        r.error(
          LAYOUT,
          "device name must start with /dev/dasd on s390x-eckd layout or /dev/sd on s390x-zfcp layout",
        );
      }
    }
    if (layout.startsWith("s390x") && layouts.includes(layout) && devices.length > 0) {
      r.error(LAYOUT, "mirroring not supported on layouts: s390x-eckd, s390x-zfcp, s390x-virt");
    }
  }
  if ((luks.cex as Doc | undefined)?.enabled === true) {
    const mismatch = "when using cex the targeted architecture must match s390x";
    if (layout === undefined) r.error("$.boot_device.luks.cex", mismatch);
    else if (!layout.startsWith("s390x")) r.error(LAYOUT, mismatch);
    if (((luks.tang ?? []) as Doc[]).length > 0 || luks.tpm2 === true) {
      r.error("$.boot_device.luks", "cannot use cex with clevis");
    }
  }
  if (devices.length === 1) {
    // butane reports this twice (the fcos and base validators both check it).
    r.error("$.boot_device.mirror.devices", "mirroring requires at least two devices");
    r.error("$.boot_device.mirror.devices", "mirroring requires at least two devices");
  }
}

function resource(res: Doc, path: string, r: Report): void {
  const set = (["local", "inline", "source"] as const).filter((k) => res[k] !== undefined);
  if (set.length > 1) {
    r.error(
      `${path}.${set[set.length - 1]}`,
      "only one of the following can be set: inline, local, source",
    );
  }
}

function contents(u: Doc, path: string, r: Report): void {
  if (u.contents !== undefined && u.contents_local !== undefined) {
    r.error(
      `${path}.contents_local`,
      "only one of the following can be set: contents, contents_local",
    );
  }
}

/** butane's CheckForDecimalMode: a mode that is odd in octal but typical read as octal digits. */
export function looksDecimal(mode: number, directory: boolean): boolean {
  if (mode < 0 || mode > 7777) return false;
  let octal = 0;
  for (let divisor = 1000; divisor > 0; divisor = Math.floor(divisor / 10)) {
    const digit = Math.floor(mode / divisor) % 10;
    if (digit > 7) return false;
    octal = (octal << 3) | digit;
  }
  return !isTypicalMode(mode, directory) && isTypicalMode(octal, directory);
}

function isTypicalMode(mode: number, directory: boolean): boolean {
  if (mode === 0) return true;
  const perms = [mode & 0o7, (mode & 0o70) >> 3, (mode & 0o700) >> 6];
  let hadR = false, hadW = false, hadX = false;
  for (const perm of perms) {
    const rr = (perm & 4) !== 0, w = (perm & 2) !== 0, x = (perm & 1) !== 0;
    if ((!rr && hadR) || (!w && hadW) || (!x && hadX)) return false;
    if (x && hadR && !hadX) return false;
    if ((w || x) && !rr) return false;
    hadR ||= rr;
    hadW ||= w;
    hadX ||= x;
  }
  if (!hadR) return false;
  if (directory) {
    if (!hadX) return false;
    if (mode & 0o4000) return false;
    if ((mode & 0o3000) && !hadW) return false;
  } else {
    if (mode & 0o6000) {
      if (!hadX) return false;
      if (mode & 2) return false;
    }
    if (mode & 0o1000) return false;
  }
  return true;
}
