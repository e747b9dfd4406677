/**
 * Rules of `storage`: nodes (files, directories, links), disks and partitions, filesystems,
 * RAID and LUKS with clevis and Tang.
 */
import type { Path } from "./_decode.ts";
import {
  bool,
  cleanPath,
  goJoin,
  hasBits,
  int,
  isFalse,
  isTrue,
  lastOf,
  list,
  notEmpty,
  type Obj,
  obj,
  str,
  strs,
  utf8Length,
  validatePath,
} from "./_fields.ts";
import { ResourceRules } from "./_resource.ts";
import { parseGoUrl, validateUrl } from "./_url.ts";

const GUID = /^(|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$/;

export class StorageRules extends ResourceRules {
  storage(s: Obj) {
    const at: Path = ["storage"];
    const links = list(s, "links");
    const dirs = list(s, "directories");
    const linkPath = (l: Obj) => str(l, "path") ?? "";
    dirs.forEach((d, i) => {
      for (const l of links) {
        if ((str(d, "path") ?? "").startsWith(linkPath(l) + "/")) {
          this.r.error([...at, "directories", i], "directory path includes link in config");
        }
      }
    });
    list(s, "files").forEach((f, i) => {
      for (const l of links) {
        if ((str(f, "path") ?? "").startsWith(linkPath(l) + "/")) {
          this.r.error([...at, "files", i], "file path includes link in config");
        }
      }
    });
    links.forEach((l1, i) => {
      for (const l2 of links) {
        if (linkPath(l1).startsWith(linkPath(l2) + "/")) {
          this.r.error([...at, "links", i], "link path includes link in config");
        }
      }
      // 3.3+ (Ignition 2.20): checked here, per link, and a link without one has no more checks.
      if (this.m >= 3 && !notEmpty(str(l1, "target"))) {
        this.r.error([...at, "links", i, "target"], "link target is required");
        return;
      }
      if (!isTrue(bool(l1, "hard"))) return;
      // Specs before 3.3 read a missing target as ""; later ones skip links without one.
      const target = this.m <= 2 ? str(l1, "target") ?? "" : str(l1, "target");
      if (this.m <= 2 || notEmpty(target)) {
        let t = cleanPath(target!);
        if (!t.startsWith("/")) t = goJoin(linkPath(l1), target!);
        for (const d of dirs) {
          if (t === (str(d, "path") ?? "")) {
            this.r.error([...at, "links", i], "hard link target is a directory");
          }
        }
      }
      for (const who of ["user", "group"]) {
        for (const k of ["id", "name"]) {
          if (obj(l1, who)[k] !== undefined) {
            this.r.warn([...at, "links", i, who, k], "user/group ignored for hard link");
          }
        }
      }
    });
    const disks = new Map<string, Obj>();
    for (const d of list(s, "disks")) disks.set(str(d, "device") ?? "", d);
    list(s, "filesystems").forEach((f, i) => {
      const disk = disks.get(str(f, "device") ?? "");
      if (!disk) return;
      if (list(disk, "partitions").length > 0) {
        this.r.warn(
          [...at, "filesystems", i, "device"],
          "filesystem overwrites partitioned device",
        );
      } else if (!isTrue(bool(f, "wipeFilesystem")) && isTrue(bool(disk, "wipeTable"))) {
        this.r.warn(
          [...at, "filesystems", i, "device"],
          "device matches disk with wipeTable enabled; filesystem will be wiped",
        );
      }
    });

    dirs.forEach((d, i) => this.node(d, [...at, "directories", i], true));
    list(s, "disks").forEach((d, i) => this.disk(d, [...at, "disks", i]));
    list(s, "files").forEach((f, i) => {
      const p: Path = [...at, "files", i];
      this.node(f, p, true);
      if (isTrue(bool(f, "overwrite")) && str(obj(f, "contents"), "source") === undefined) {
        this.r.error([...p, "overwrite"], "overwrite must be false if source is unspecified");
      }
      list(f, "append").forEach((res, j) => this.resource(res, [...p, "append", j]));
      if (f.contents) this.resource(obj(f, "contents"), [...p, "contents"]);
    });
    list(s, "filesystems").forEach((f, i) => this.filesystem(f, [...at, "filesystems", i]));
    links.forEach((l, i) => this.node(l, [...at, "links", i], false));
    if (this.m >= 2) list(s, "luks").forEach((l, i) => this.luks(l, [...at, "luks", i]));
    list(s, "raid").forEach((rd, i) => this.raid(rd, [...at, "raid", i]));
  }

  node(n: Obj, at: Path, hasMode: boolean) {
    this.r.error([...at, "path"], validatePath(str(n, "path") ?? ""));
    if (hasMode) {
      const mode = int(n, "mode");
      if (mode !== undefined) {
        if (mode < 0 || mode > 0o7777) this.r.error([...at, "mode"], "illegal file mode");
        if (this.m < 4 && hasBits(mode, 0o7000)) {
          this.r.warn(
            [...at, "mode"],
            "setuid/setgid/sticky bits are not supported in spec versions older than 3.4.0",
          );
        }
      }
    }
    for (const who of ["group", "user"]) {
      const o = obj(n, who);
      if (int(o, "id") !== undefined && notEmpty(str(o, "name"))) {
        this.r.error([...at, who], "cannot set both id and name");
      }
    }
  }

  disk(d: Obj, at: Path) {
    const device = str(d, "device") ?? "";
    const parts = list(d, "partitions");
    if (device === "") {
      this.r.error([...at, "device"], "disk device is required");
    } else {
      this.r.error([...at, "device"], validatePath(device));
      const numbers = new Map<number | bigint, number[]>();
      parts.forEach((p, i) => {
        const n = int(p, "number") ?? 0;
        if (n !== 0) numbers.set(n, [...(numbers.get(n) ?? []), i]);
      });
      for (const idx of numbers.values()) {
        if (idx.length > 1) {
          this.r.error([...at, "partitions", idx[1]], "partition numbers collide");
          break;
        }
      }
      const overlap = partitionsOverlap(parts);
      if (overlap !== undefined) this.r.error([...at, "partitions", overlap], "partitions overlap");
      const hasZero = parts.some((p) => (int(p, "number") ?? 0) === 0);
      const hasNotExist = parts.some((p) => isFalse(bool(p, "shouldExist")));
      if (hasZero && hasNotExist) {
        this.r.error(
          [...at, "partitions"],
          "shouldExist is false for a partition and other partition(s) has start or size 0",
        );
      }
      const labels = new Set<string>();
      for (let i = 0; i < parts.length; i++) {
        const label = str(parts[i], "label");
        if (label === undefined) continue;
        if (labels.has(label)) {
          this.r.error([...at, "partitions", i], "cannot use the same partition label twice");
          break;
        }
        labels.add(label);
      }
    }
    parts.forEach((p, i) => this.partition(p, [...at, "partitions", i]));
  }

  partition(p: Obj, at: Path) {
    const label = str(p, "label");
    if (
      isFalse(bool(p, "shouldExist")) &&
      (label !== undefined || notEmpty(str(p, "typeGuid")) || notEmpty(str(p, "guid")) ||
        int(p, "startMiB") !== undefined || int(p, "sizeMiB") !== undefined)
    ) {
      this.r.error(at, "shouldExist specified false with other options also specified");
    }
    if ((int(p, "number") ?? 0) === 0 && label === undefined) {
      this.r.error(at, "a partition number >= 1 or a label must be specified");
    }
    if (label !== undefined) {
      if (utf8Length(label) > 36) {
        this.r.error([...at, "label"], "partition labels may not exceed 36 characters");
      } else if (label.includes(":")) {
        this.r.error(
          [...at, "label"],
          "partition label will be truncated to text before the colon",
        );
      }
    }
    for (const k of ["guid", "typeGuid"]) {
      const g = str(p, k);
      if (g !== undefined && !GUID.test(g)) {
        this.r.error([...at, k], `doesn't match the form "01234567-89AB-CDEF-EDCB-A98765432101"`);
      }
    }
  }

  filesystem(f: Obj, at: Path) {
    const path = str(f, "path");
    if (notEmpty(path)) this.r.error([...at, "path"], validatePath(path!));
    this.r.error([...at, "device"], validatePath(str(f, "device") ?? ""));
    const format = str(f, "format");
    const label = str(f, "label");
    if (!notEmpty(format)) {
      if (
        notEmpty(path) || notEmpty(label) || notEmpty(str(f, "uuid")) ||
        isTrue(bool(f, "wipeFilesystem")) || strs(f, "mountOptions").length > 0 ||
        strs(f, "options").length > 0
      ) {
        this.r.error(
          [...at, "format"],
          "format cannot be empty when path, label, uuid, wipeFilesystem, options, or mountOptions is specified",
        );
      }
    } else if (
      !["ext4", "btrfs", "xfs", "swap", "vfat", ...(this.m >= 3 ? ["none"] : [])].includes(format!)
    ) {
      this.r.error([...at, "format"], "invalid filesystem format");
    }
    if (notEmpty(label)) {
      if (!notEmpty(format)) {
        this.r.error([...at, "label"], "filesystem must specify format if label is specified");
      } else {
        const max: Record<string, number> = { ext4: 16, btrfs: 256, xfs: 12, swap: 15, vfat: 11 };
        const limit = max[format!];
        if (limit !== undefined && utf8Length(label!) > limit) {
          this.r.error(
            [...at, "label"],
            `filesystem labels cannot be longer than ${limit} characters when using ${format}`,
          );
        }
      }
    }
  }

  luks(l: Obj, at: Path) {
    if ((str(l, "name") ?? "").includes("/")) {
      this.r.error([...at, "name"], "device names cannot contain slashes");
    }
    const label = str(l, "label");
    if (label !== undefined && utf8Length(label) > 47) {
      this.r.error([...at, "label"], "luks device labels cannot be longer than 47 characters");
    }
    const device = str(l, "device");
    if (!notEmpty(device)) this.r.error([...at, "device"], "disk device is required");
    else this.r.error([...at, "device"], validatePath(device!));
    const keySource = str(obj(l, "keyFile"), "source");
    if (notEmpty(keySource) && validateUrl(keySource!, this.m) !== undefined) {
      this.r.error([...at, "keys"], "invalid key-file source");
    }
    const clevis = obj(l, "clevis");
    const custom = obj(clevis, "custom");
    const tang = list(clevis, "tang");
    const pin = str(custom, "pin");
    const config = str(custom, "config");
    // Spec 3.2 has `custom` as an optional struct: present as soon as the key is there.
    const customPresent = this.m === 2 ? clevis.custom !== undefined : notEmpty(pin);
    if (customPresent) {
      const threshold = int(clevis, "threshold");
      if (tang.length > 0 || isTrue(bool(clevis, "tpm2")) || (threshold ?? 0) !== 0) {
        this.r.error(
          [...at, "clevis"],
          "cannot use custom clevis config with tpm2, tang, or threshold",
        );
      }
    }
    if (this.m >= 5 && isTrue(bool(obj(l, "cex"), "enabled"))) {
      const threshold = int(clevis, "threshold");
      const clevisPresent = notEmpty(pin) || tang.length > 0 || isTrue(bool(clevis, "tpm2")) ||
        (threshold ?? 0) !== 0;
      if (clevisPresent) this.r.error([...at, "cex"], "cannot use cex with clevis");
      if (notEmpty(keySource)) this.r.error([...at, "cex"], "cannot use key file with cex");
    }
    const customAt = [...at, "clevis", "custom"];
    const pinOk = (p: string) => ["tpm2", "tang", "sss"].includes(p);
    if (this.m === 2) {
      if (notEmpty(pin) || notEmpty(config)) {
        if (!pinOk(pin ?? "")) this.r.error([...customAt, "pin"], "unsupported clevis pin");
        if (!notEmpty(config)) {
          this.r.error([...customAt, "config"], "missing required custom clevis config");
        }
      }
    } else if (notEmpty(pin) || notEmpty(config) || isTrue(bool(custom, "needsNetwork"))) {
      if (!notEmpty(pin)) {
        this.r.error([...customAt, "pin"], "missing required custom clevis pin");
      } else if (!pinOk(pin!)) this.r.error([...customAt, "pin"], "unsupported clevis pin");
      if (!notEmpty(config)) {
        this.r.error([...customAt, "config"], "missing required custom clevis config");
      }
    }
    tang.forEach((t, i) => {
      const p: Path = [...at, "clevis", "tang", i];
      const u = parseGoUrl(str(t, "url") ?? "");
      if (!u) this.r.error([...p, "url"], "unable to parse url");
      else if (u.scheme !== "http" && u.scheme !== "https") {
        this.r.error([...p, "url"], "invalid url scheme");
      }
      if (!notEmpty(str(t, "thumbprint"))) {
        this.r.error([...p, "thumbprint"], "thumbprint is required");
      }
      const ad = str(t, "advertisement");
      if (this.m >= 4 && notEmpty(ad)) {
        try {
          // Go's json.Unmarshal fails on a number past float64 (1e400), where JSON.parse gives
          // Infinity.
          JSON.parse(ad!, (_, v) => {
            if (typeof v === "number" && !Number.isFinite(v)) throw new RangeError();
            return v;
          });
        } catch {
          this.r.error([...p, "advertisement"], "advertisement is not valid JSON");
        }
      }
    });
    if (l.keyFile) this.resource(obj(l, "keyFile"), [...at, "keyFile"]);
  }

  raid(rd: Obj, at: Path) {
    const level = str(rd, "level");
    let err: string | undefined;
    if (!notEmpty(level) && this.m >= 3) err = "raid level is required";
    else {
      switch (level) {
        case "linear":
        case "raid0":
        case "0":
        case "stripe":
          if ((int(rd, "spares") ?? 0) !== 0) {
            err = "spares unsupported for linear and raid0 arrays";
          }
          break;
        case "raid1":
        case "1":
        case "mirror":
        case "raid4":
        case "4":
        case "raid5":
        case "5":
        case "raid6":
        case "6":
        case "raid10":
        case "10":
          break;
        default:
          err = "unrecognized raid level";
      }
    }
    this.r.error([...at, "level"], err);
    const devices = strs(rd, "devices");
    if (devices.length === 0) this.r.error([...at, "devices"], "raid devices required");
    devices.forEach((d, i) => this.r.error([...at, "devices", i], validatePath(d)));
  }
}

function partitionsOverlap(parts: Obj[]): number | undefined {
  // Ignition's own three tests, ends as Go computes them: a negative size or an end past 2^63
  // (which wraps) makes them disagree with a plain interval test.
  const dims = (p: Obj) => {
    const start = int(p, "startMiB");
    const size = int(p, "sizeMiB");
    if (start === undefined || size === undefined || start === 0) return undefined;
    return { start, end: size === 0 ? start : lastOf(start, size) };
  };
  for (let a = 0; a < parts.length; a++) {
    const p = dims(parts[a]);
    if (!p) continue;
    for (let b = 0; b < parts.length; b++) {
      const o = dims(parts[b]);
      if (!o || a === b) continue;
      if (p.start >= o.start && p.start <= o.end) return b;
      if (p.end >= o.start && p.end <= o.end) return b;
      if (p.start < o.start && p.end > o.end) return b;
    }
  }
  return undefined;
}
