/**
 * The `Validate` methods of Ignition's config types (ignition v2.20 `config/v3_N/types`) and
 * `ValidateDups`, applied to a decoded config. Spec differences are gated on the minor version;
 * the checks that only Ignition 2.15+ added to spec 3.4 (path conflicts with units, hard-link
 * owner, template units, filesystem-over-disk warnings) apply from 3.4 on.
 */
import type { Path } from "./_decode.ts";
import type { Minor } from "./_schema.ts";
import { deserializeUnit, type UnitOption } from "./_unit.ts";
import { parseGoUrl, validateUrl } from "./_url.ts";

export interface Entry {
  severity: "error" | "warning";
  path: Path;
  message: string;
}

type Obj = Record<string, unknown>;

const obj = (o: Obj | undefined, k: string): Obj => (o?.[k] as Obj | undefined) ?? {};
const list = (o: Obj | undefined, k: string): Obj[] =>
  ((o?.[k] as (Obj | undefined)[] | undefined) ?? []).map((x) => x ?? {});
const strs = (o: Obj | undefined, k: string): string[] =>
  ((o?.[k] as (string | undefined)[] | undefined) ?? []).map((s) => s ?? "");
const str = (o: Obj | undefined, k: string): string | undefined => o?.[k] as string | undefined;
const int = (o: Obj | undefined, k: string): number | undefined => o?.[k] as number | undefined;
const bool = (o: Obj | undefined, k: string): boolean | undefined => o?.[k] as boolean | undefined;
const notEmpty = (s: string | undefined) => s !== undefined && s !== "";
const isTrue = (b: boolean | undefined) => b === true;
const isFalse = (b: boolean | undefined) => b === false;

/** Go's path.Clean. */
export function cleanPath(p: string): string {
  if (p === "") return ".";
  // Already clean: rooted, no empty, "." or ".." segment, no trailing slash.
  if (p[0] === "/" && !/\/\/|\/\.\.?(\/|$)|.\/$/.test(p)) return p;
  const rooted = p.startsWith("/");
  const out: string[] = [];
  for (const part of p.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (out.length && out[out.length - 1] !== "..") out.pop();
      else if (!rooted) out.push("..");
      continue;
    }
    out.push(part);
  }
  const joined = out.join("/");
  if (rooted) return "/" + joined;
  return joined === "" ? "." : joined;
}

function validatePath(p: string): string | undefined {
  if (p === "") return "path not specified";
  if (!p.startsWith("/")) return "path not absolute";
  if (cleanPath(p) !== p) return "path is not fully simplified";
  return undefined;
}

/** Go's path.Join of two elements. */
function goJoin(a: string, b: string): string {
  const parts = [a, b].filter((x) => x !== "");
  return parts.length ? cleanPath(parts.join("/")) : "";
}

/** Go's path.Ext. */
function ext(name: string): string {
  for (let i = name.length - 1; i >= 0 && name[i] !== "/"; i--) {
    if (name[i] === ".") return name.slice(i);
  }
  return "";
}

const utf8Length = (s: string) => new TextEncoder().encode(s).length;

const UNIT_EXTENSIONS = new Set([
  ".service",
  ".socket",
  ".device",
  ".mount",
  ".automount",
  ".swap",
  ".target",
  ".path",
  ".timer",
  ".snapshot",
  ".slice",
  ".scope",
]);

const GUID = /^(|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$/;

class Report {
  entries: Entry[] = [];
  error(path: Path, message: string | undefined) {
    if (message !== undefined) this.entries.push({ severity: "error", path, message });
  }
  warn(path: Path, message: string | undefined) {
    if (message !== undefined) this.entries.push({ severity: "warning", path, message });
  }
}

/** Runs every validation of spec 3.`m` over the decoded config `c`, then the duplicate checks. */
export function validateRules(c: Obj, m: Minor): Entry[] {
  const r = new Report();
  new Rules(r, m).config(c);
  duplicates(r, c, m);
  return r.entries;
}

class Rules {
  constructor(readonly r: Report, readonly m: Minor) {}

  config(c: Obj) {
    if (this.m >= 4) this.pathConflicts(c);
    this.ignition(obj(c, "ignition"));
    const storage = obj(c, "storage");
    this.storage(storage);
    this.systemd(obj(c, "systemd"));
  }

  pathConflicts(c: Obj) {
    const unitPaths = new Set<string>();
    for (const u of list(obj(c, "systemd"), "units")) {
      const name = str(u, "name") ?? "";
      if (notEmpty(str(u, "contents"))) unitPaths.add(`/etc/systemd/system/${name}`);
      for (const d of list(u, "dropins")) {
        if (notEmpty(str(d, "contents"))) {
          unitPaths.add(`/etc/systemd/system/${name}.d/${str(d, "name") ?? ""}`);
        }
      }
    }
    const storage = obj(c, "storage");
    for (const kind of ["files", "directories", "links"]) {
      list(storage, kind).forEach((n, i) => {
        if (unitPaths.has(str(n, "path") ?? "")) {
          this.r.error(["storage", kind, i, "path"], "path conflicts with systemd unit or dropin");
        }
      });
    }
  }

  ignition(ig: Obj) {
    const p: Path = ["ignition"];
    const cfg = obj(ig, "config");
    list(cfg, "merge").forEach((res, i) => {
      const at = [...p, "config", "merge", i];
      if (this.m >= 1) this.r.error(at, this.requiredSource(res));
      this.resource(res, at, this.m === 0);
    });
    if (cfg.replace) {
      this.resource(obj(cfg, "replace"), [...p, "config", "replace"], this.m === 0);
    }
    if (this.m >= 1) this.proxy(obj(ig, "proxy"), [...p, "proxy"]);
    list(obj(obj(ig, "security"), "tls"), "certificateAuthorities").forEach((res, i) => {
      const at = [...p, "security", "tls", "certificateAuthorities", i];
      if (this.m >= 1) this.r.error(at, this.requiredSource(res));
      // In 3.0 a CA reference's source is a plain string, validated even when absent.
      if (this.m === 0 && !notEmpty(str(res, "source"))) {
        this.r.error([...at, "source"], validateUrl("", this.m));
      }
      this.resource(res, at, this.m === 0);
    });
  }

  requiredSource(res: Obj): string | undefined {
    const source = str(res, "source");
    if (!notEmpty(source)) return "source is required";
    return validateUrl(source!, this.m);
  }

  proxy(p: Obj, at: Path) {
    const check = (key: string, httpOk: boolean) => {
      const s = str(p, key);
      if (s === undefined) return;
      const u = parseGoUrl(s);
      if (!u) return this.r.error([...at, key], "unable to parse url");
      if (u.scheme !== "http" && u.scheme !== "https") {
        return this.r.error([...at, key], "proxies must be http(s)");
      }
      if (u.scheme === "http" && !httpOk) {
        this.r.warn([...at, key], "insecure plaintext HTTP proxy specified for HTTPS resources");
      }
    };
    check("httpProxy", true);
    check("httpsProxy", false);
  }

  /** `configRef`: spec 3.0's config and CA references, which lack the verification-needs-source rule. */
  resource(res: Obj, at: Path, configRef = false) {
    const compression = str(res, "compression");
    if (compression !== undefined && compression !== "" && compression !== "gzip") {
      this.r.error([...at, "compression"], "invalid compression method");
    }
    const source = str(res, "source");
    const hash = str(obj(res, "verification"), "hash");
    if (hash !== undefined && source === undefined && !configRef) {
      this.r.error(
        [...at, "verification", "hash"],
        "source must be specified if verification is specified",
      );
    }
    if (notEmpty(source)) this.r.error([...at, "source"], validateUrl(source!, this.m));
    const headers = list(res, "httpHeaders");
    if (headers.length > 0) {
      let err: string | undefined;
      const u = notEmpty(source) ? parseGoUrl(source!) : undefined;
      if (!u) err = "unable to parse url";
      else if (u.scheme !== "http" && u.scheme !== "https") {
        err = "cannot use HTTP headers with this source scheme";
      }
      this.r.error([...at, "httpHeaders"], err);
    }
    headers.forEach((h, i) => {
      if ((str(h, "name") ?? "") === "") {
        this.r.error([...at, "httpHeaders", i, "name"], "HTTP header name can't be empty");
      }
      if (str(h, "value") === "") {
        this.r.error([...at, "httpHeaders", i, "value"], "unable to parse HTTP header");
      }
    });
    if (hash !== undefined) this.r.error([...at, "verification", "hash"], this.hash(hash));
  }

  hash(h: string): string | undefined {
    const dash = h.indexOf("-");
    if (dash < 0) return "malformed hash specifier";
    const fn = h.slice(0, dash);
    const sum = h.slice(dash + 1);
    let size: number;
    if (fn === "sha512") size = 128;
    else if (fn === "sha256" && this.m >= 1) size = 64;
    else return "unrecognized hash function";
    return utf8Length(sum) === size ? undefined : "incorrect size for hash sum";
  }

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
      if (this.m >= 4) {
        for (const who of ["user", "group"]) {
          for (const k of ["id", "name"]) {
            if (obj(l1, who)[k] !== undefined) {
              this.r.warn([...at, "links", i, who, k], "user/group ignored for hard link");
            }
          }
        }
      }
    });
    if (this.m >= 4) {
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
    }

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
    links.forEach((l, i) => {
      const p: Path = [...at, "links", i];
      this.node(l, p, false);
      if (this.m >= 3 && !notEmpty(str(l, "target"))) {
        this.r.error([...p, "target"], "link target is required");
      }
    });
    if (this.m >= 2) list(s, "luks").forEach((l, i) => this.luks(l, [...at, "luks", i]));
    list(s, "raid").forEach((rd, i) => this.raid(rd, [...at, "raid", i]));
  }

  node(n: Obj, at: Path, hasMode: boolean) {
    this.r.error([...at, "path"], validatePath(str(n, "path") ?? ""));
    if (hasMode) {
      const mode = int(n, "mode");
      if (mode !== undefined) {
        if (mode < 0 || mode > 0o7777) this.r.error([...at, "mode"], "illegal file mode");
        if (this.m < 4 && (mode & 0o7000) !== 0) {
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
      const numbers = new Map<number, number[]>();
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
          JSON.parse(ad!);
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

  systemd(s: Obj) {
    const units = list(s, "units");
    if (this.m >= 4) {
      const byName = new Map<string, Obj>();
      for (const u of units) byName.set(str(u, "name") ?? "", u);
      units.forEach((u, i) => {
        const name = str(u, "name") ?? "";
        const match = /^(.+?)@(.+?)\.service$/.exec(name);
        if (!match || !isTrue(bool(u, "enabled"))) return;
        const template = `${match[1]}@.service`;
        const contents = str(byName.get(template), "contents");
        if (!notEmpty(contents)) return;
        const parsed = deserializeUnit(contents!);
        if (parsed.error) return;
        if (!parsed.options.some((o) => o.section === "Install")) {
          this.r.warn(
            ["systemd", "units", i, "contents"],
            `template unit ${goQuote(template)} for ${goQuote(name)} doesn't have Install section`,
          );
        }
      });
    }
    units.forEach((u, i) => {
      const at: Path = ["systemd", "units", i];
      const name = str(u, "name") ?? "";
      if (!UNIT_EXTENSIONS.has(ext(name))) {
        this.r.error([...at, "name"], "invalid systemd unit extension");
      }
      const contents = str(u, "contents");
      let options: UnitOption[] | undefined = [];
      if (contents !== undefined) {
        const parsed = deserializeUnit(contents);
        if (parsed.error) {
          this.r.error([...at, "contents"], `invalid unit content: ${parsed.error}`);
          options = undefined;
        } else options = parsed.options;
      }
      if (isTrue(bool(u, "enabled")) && notEmpty(contents) && options) {
        if (!options.some((o) => o.section === "Install")) {
          this.r.warn(
            [...at, "contents"],
            `unit ${goQuote(name)} is enabled, but has no install section so enable does nothing`,
          );
        }
      }
      list(u, "dropins").forEach((d, j) => {
        const p: Path = [...at, "dropins", j];
        if (ext(str(d, "name") ?? "") !== ".conf") {
          this.r.error([...p, "name"], "invalid systemd drop-in extension");
        }
        const dc = str(d, "contents");
        if (dc !== undefined) {
          const parsed = deserializeUnit(dc);
          if (parsed.error) {
            this.r.error([...p, "contents"], `invalid unit content: ${parsed.error}`);
          }
        }
      });
    });
  }
}

/** Go's %q for a string. */
function goQuote(s: string): string {
  return JSON.stringify(s).replace(
    /[\u007f-\u009f]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

function partitionsOverlap(parts: Obj[]): number | undefined {
  const dims = (p: Obj) => {
    const start = int(p, "startMiB");
    const size = int(p, "sizeMiB");
    if (start === undefined || size === undefined || start === 0) return undefined;
    return { start, end: size === 0 ? start : start + size - 1 };
  };
  for (let a = 0; a < parts.length; a++) {
    const p = dims(parts[a]);
    if (!p) continue;
    for (let b = 0; b < parts.length; b++) {
      const o = dims(parts[b]);
      if (!o || a === b) continue;
      if (p.start <= o.end && o.start <= p.end) return b;
    }
  }
  return undefined;
}

/** `ValidateDups`: repeated keys in every keyed list, at the later item. */
function duplicates(r: Report, c: Obj, m: Minor) {
  const check = (
    items: unknown[],
    key: (x: Obj & string) => string,
    at: Path,
    seen = new Set<string>(),
  ) => {
    items.forEach((item, i) => {
      const k = key(item as Obj & string);
      if (seen.has(k)) r.error([...at, i], "duplicate entry defined");
      seen.add(k);
    });
    return seen;
  };
  const byField = (f: string) => (x: Obj) => (str(x, f) ?? "");
  const self = (x: unknown) => (x as string | undefined) ?? "";
  const source = byField("source");

  const ig = obj(c, "ignition");
  check(list(obj(ig, "config"), "merge"), source, ["ignition", "config", "merge"]);
  list(obj(ig, "config"), "merge").forEach((res, i) =>
    check(list(res, "httpHeaders"), byField("name"), [
      "ignition",
      "config",
      "merge",
      i,
      "httpHeaders",
    ])
  );
  const replace = obj(obj(ig, "config"), "replace");
  check(list(replace, "httpHeaders"), byField("name"), [
    "ignition",
    "config",
    "replace",
    "httpHeaders",
  ]);
  if (m >= 1) check(strs(obj(ig, "proxy"), "noProxy"), self, ["ignition", "proxy", "noProxy"]);
  const cas = list(obj(obj(ig, "security"), "tls"), "certificateAuthorities");
  check(cas, source, ["ignition", "security", "tls", "certificateAuthorities"]);
  cas.forEach((res, i) =>
    check(list(res, "httpHeaders"), byField("name"), [
      "ignition",
      "security",
      "tls",
      "certificateAuthorities",
      i,
      "httpHeaders",
    ])
  );

  const kargs = obj(c, "kernelArguments");
  const seenKargs = check(strs(kargs, "shouldExist"), self, ["kernelArguments", "shouldExist"]);
  check(strs(kargs, "shouldNotExist"), self, ["kernelArguments", "shouldNotExist"], seenKargs);

  const passwd = obj(c, "passwd");
  check(list(passwd, "groups"), byField("name"), ["passwd", "groups"]);
  check(list(passwd, "users"), byField("name"), ["passwd", "users"]);
  list(passwd, "users").forEach((u, i) => {
    check(strs(u, "groups"), self, ["passwd", "users", i, "groups"]);
    check(strs(u, "sshAuthorizedKeys"), self, ["passwd", "users", i, "sshAuthorizedKeys"]);
  });

  const s = obj(c, "storage");
  const nodes = check(list(s, "directories"), byField("path"), ["storage", "directories"]);
  check(list(s, "disks"), byField("device"), ["storage", "disks"]);
  check(list(s, "files"), byField("path"), ["storage", "files"], nodes);
  check(list(s, "filesystems"), byField("device"), ["storage", "filesystems"]);
  check(list(s, "links"), byField("path"), ["storage", "links"], nodes);
  check(list(s, "luks"), byField("name"), ["storage", "luks"]);
  check(list(s, "raid"), byField("name"), ["storage", "raid"]);
  list(s, "disks").forEach((d, i) => {
    check(list(d, "partitions"), (p: Obj) => {
      const n = int(p, "number") ?? 0;
      if (n !== 0) return `number:${n}`;
      const label = str(p, "label");
      return label === undefined ? "" : `label:${label}`;
    }, ["storage", "disks", i, "partitions"]);
  });
  list(s, "files").forEach((f, i) => {
    const res: [Obj, Path][] = list(f, "append").map((a, j) => [a, ["append", j]]);
    res.push([obj(f, "contents"), ["contents"]]);
    for (const [a, sub] of res) {
      check(list(a, "httpHeaders"), byField("name"), [
        "storage",
        "files",
        i,
        ...sub,
        "httpHeaders",
      ]);
    }
  });
  list(s, "luks").forEach((l, i) => {
    check(list(obj(l, "clevis"), "tang"), byField("url"), ["storage", "luks", i, "clevis", "tang"]);
    check(list(obj(l, "keyFile"), "httpHeaders"), byField("name"), [
      "storage",
      "luks",
      i,
      "keyFile",
      "httpHeaders",
    ]);
    if (m >= 4) check(strs(l, "openOptions"), self, ["storage", "luks", i, "openOptions"]);
  });
  list(s, "raid").forEach((rd, i) =>
    check(strs(rd, "devices"), self, ["storage", "raid", i, "devices"])
  );

  const units = list(obj(c, "systemd"), "units");
  check(units, byField("name"), ["systemd", "units"]);
  units.forEach((u, i) =>
    check(list(u, "dropins"), byField("name"), ["systemd", "units", i, "dropins"])
  );
}
