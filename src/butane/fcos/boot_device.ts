/**
 * `boot_device` (fcos 1.3+): LUKS on the root filesystem (tpm2 and/or tang, optionally cex on
 * 1.6) and boot disk mirroring, expanded into the disks, RAID, LUKS and filesystems of the
 * chosen layout (butane's `processBootDevice`). The result is a fragment laid under the user's
 * config with Ignition's merge.
 */
import type { Doc } from "../decode.ts";
import type { Translation } from "../base/translation.ts";

type Obj = Record<string, unknown>;

const GUID = {
  bios: "21686148-6449-6E6F-744E-656564454649",
  prep: "9E1A2D38-C612-4316-AA26-8B49521E5A8B",
  reserved: "8DA63339-0007-60C0-C436-083AC8230908",
  esp: "C12A7328-F81F-11D2-BA4B-00A0C93EC93B",
};

/** The generated fragment, or undefined when `boot_device` asks for nothing. */
export function bootDeviceFragment(doc: Doc, t: Translation): Obj | undefined {
  const boot = doc.boot_device as Doc | undefined;
  if (!boot) return undefined;
  const luks = (boot.luks ?? {}) as Doc;
  const tang = (luks.tang ?? []) as Doc[];
  const cex = (luks.cex as Doc | undefined)?.enabled === true;
  const wantLuks = luks.tpm2 === true || tang.length > 0 || cex;
  const devices = ((boot.mirror as Doc | undefined)?.devices ?? []) as string[];
  const wantMirror = devices.length > 0;
  if (!wantLuks && !wantMirror) return undefined;
  const layout = (boot.layout as string | undefined) ?? "x86_64";
  const efi = layout === "x86_64" || layout === "aarch64";
  // s390x layouts (1.6) have neither BIOS, EFI nor PReP partitions: both slots are reserved.

  const disks: Obj[] = [];
  const filesystems: Obj[] = [];
  const raid: Obj[] = [];
  const storage: Obj = {};
  const at = (o: Obj, p: string) => (t.origin(o, p), o);
  // Disks, RAIDs and filesystems are generated whole: findings inside them point at `p`.
  const whole = (o: Obj, p: string) => (t.origin(o, p, true), o);

  if (wantMirror) {
    devices.forEach((device, idx) => {
      const i = idx + 1;
      const parts: Obj[] = [];
      if (layout === "x86_64") parts.push({ label: `bios-${i}`, sizeMiB: 1, typeGuid: GUID.bios });
      else if (layout === "ppc64le") {
        parts.push({ label: `prep-${i}`, sizeMiB: 4, typeGuid: GUID.prep });
      } else parts.push({ label: `reserved-${i}`, sizeMiB: 1, typeGuid: GUID.reserved });
      if (efi) parts.push({ label: `esp-${i}`, sizeMiB: 127, typeGuid: GUID.esp });
      else parts.push({ label: `reserved-${i}`, sizeMiB: 1, typeGuid: GUID.reserved });
      parts.push({ label: `boot-${i}`, sizeMiB: 384 }, { label: `root-${i}` });
      disks.push(
        whole(
          { device, partitions: parts, wipeTable: true },
          `$.boot_device.mirror.devices.${idx}`,
        ),
      );
      if (efi) {
        filesystems.push(whole({
          device: `/dev/disk/by-partlabel/esp-${i}`,
          format: "vfat",
          label: `esp-${i}`,
          wipeFilesystem: true,
        }, `$.boot_device.mirror.devices.${idx}`));
      }
    });
    const n = devices.map((_, i) => i + 1);
    raid.push(
      whole({
        devices: n.map((i) => `/dev/disk/by-partlabel/boot-${i}`),
        level: "raid1",
        name: "md-boot",
        options: ["--metadata=1.0"],
      }, "$.boot_device.mirror"),
      whole({
        devices: n.map((i) => `/dev/disk/by-partlabel/root-${i}`),
        level: "raid1",
        name: "md-root",
      }, "$.boot_device.mirror"),
    );
    filesystems.push(
      whole(
        { device: "/dev/md/md-boot", format: "ext4", label: "boot", wipeFilesystem: true },
        "$.boot_device.mirror",
      ),
    );
    storage.disks = disks;
    storage.raid = raid;
  }
  if (wantLuks) {
    const clevis: Obj = {};
    if (tang.length > 0) {
      clevis.tang = tang.map((tg, i) => {
        const o: Obj = {};
        if (tg.advertisement !== undefined) o.advertisement = tg.advertisement;
        if (tg.thumbprint !== undefined) o.thumbprint = tg.thumbprint;
        if (tg.url) o.url = tg.url;
        return at(o, `$.boot_device.luks.tang.${i}`);
      });
    }
    if (luks.threshold !== undefined) clevis.threshold = luks.threshold;
    if (luks.tpm2 !== undefined) clevis.tpm2 = luks.tpm2;
    const entry: Obj = {};
    if (cex) entry.cex = at({ enabled: true }, "$.boot_device.luks");
    else entry.clevis = at(clevis, "$.boot_device.luks");
    // butane translates these four from boot_device.luks itself, discard from its own key.
    for (const f of ["device", "label", "name", "wipeVolume"]) {
      t.fieldOrigin(entry, f, "$.boot_device.luks");
    }
    const luksDevice = (luks.device ?? "") as string;
    entry.device = layout === "s390x-eckd"
      ? luksDevice + "2"
      : layout === "s390x-zfcp"
      ? luksDevice + "4"
      : wantMirror
      ? "/dev/md/md-root"
      : "/dev/disk/by-partlabel/root";
    if (luks.discard !== undefined) entry.discard = luks.discard;
    entry.label = "luks-root";
    entry.name = "root";
    entry.wipeVolume = true;
    storage.luks = [at(entry, "$.boot_device.luks")];
  }
  filesystems.push(whole({
    device: wantLuks ? "/dev/mapper/root" : "/dev/md/md-root",
    format: "xfs",
    label: "root",
    wipeFilesystem: true,
  }, "$.boot_device"));
  storage.filesystems = filesystems;
  return { storage };
}

const RESERVED: Record<string, number> = {
  "BIOS-BOOT": 1,
  "PowerPC-PReP-boot": 1,
  "EFI-SYSTEM": 2,
  boot: 3,
  root: 4,
};

/** Warns about partitions that reuse a reserved label at another number on a kept table. */
export function checkReservedLabels(config: Obj, t: Translation): void {
  const disks = ((config.storage as Obj | undefined)?.disks ?? []) as Obj[];
  for (const disk of disks) {
    if (disk.wipeTable === true) continue;
    const parts = (disk.partitions ?? []) as Obj[];
    parts.forEach((p, j) => {
      const want = RESERVED[p.label as string];
      if (want === undefined || p.number === want) return;
      const base = t.originOf(p) ?? `${t.originOf(disk) ?? "$.storage.disks"}.partitions.${j}`;
      t.report.warn(
        `${base}.label`,
        "incorrect partition number; a new partition will be created using reserved label",
      );
    });
  }
}
