/**
 * The `Validate` methods of Ignition's config types (ignition v2.20 `config/v3_N/types`) and
 * `ValidateDups`, applied to a decoded config. Spec differences are gated on the minor version.
 * The checks Ignition 2.15 added (path conflicts with units, hard-link owner, template units,
 * filesystem-over-disk warnings) went into every spec's types, so they apply from 3.0 on, as
 * butane v0.23 and Fedora CoreOS's Ignition apply them; Debian's ignition-validate 2.14 has none.
 */
import type { Path } from "./_decode.ts";
import { duplicates } from "./_duplicates.ts";
import { type Entry, list, notEmpty, type Obj, obj, Report, str } from "./_fields.ts";
import type { Minor } from "./_schema.ts";
import { StorageRules } from "./_storage.ts";
import { SystemdRules } from "./_systemd.ts";
import { validateUrl } from "./_url.ts";

export type { Entry } from "./_fields.ts";

/**
 * Runs every validation of spec 3.`m` over the decoded config `c` and the duplicate checks:
 * after the rest as `ignition-validate` does, or first as butane does with `duplicatesFirst`.
 */
export function validateRules(c: Obj, m: Minor, duplicatesFirst = false): Entry[] {
  const r = new Report();
  if (duplicatesFirst) duplicates(r, c, m);
  new Rules(r, m).config(c);
  if (!duplicatesFirst) duplicates(r, c, m);
  return r.entries;
}

class Rules extends StorageRules {
  config(c: Obj) {
    this.pathConflicts(c);
    this.ignition(obj(c, "ignition"));
    const storage = obj(c, "storage");
    this.storage(storage);
    new SystemdRules(this.r, this.m).systemd(obj(c, "systemd"));
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
}
