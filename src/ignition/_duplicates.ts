/** Ignition's `ValidateDups`. */
import type { Path } from "./_decode.ts";
import { int, list, type Obj, obj, type Report, str, strs } from "./_fields.ts";
import type { Minor } from "./_schema.ts";

/** `ValidateDups`: repeated keys in every keyed list, at the later item. */
export function duplicates(r: Report, c: Obj, m: Minor) {
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
