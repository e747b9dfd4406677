/**
 * Rules of `systemd.units`: unit and drop-in names, contents parsed like go-systemd, and the
 * `[Install]` warnings.
 */
import type { Path } from "./_decode.ts";
import { bool, goQuote, isTrue, list, notEmpty, type Obj, RuleSet, str } from "./_fields.ts";
import { deserializeUnit, type UnitOption } from "./_unit.ts";

/** Go's path.Ext. */
function ext(name: string): string {
  for (let i = name.length - 1; i >= 0 && name[i] !== "/"; i--) {
    if (name[i] === ".") return name.slice(i);
  }
  return "";
}

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

export class SystemdRules extends RuleSet {
  systemd(s: Obj) {
    const units = list(s, "units");
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
