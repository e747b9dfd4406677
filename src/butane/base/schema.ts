/**
 * The Butane `fcos` schema as data: every field of every spec version, written once, each with
 * the minor version of `fcos 1.N.0` that introduced it. A spec version's schema is this tree
 * filtered by `since`, so "adding spec 1.7" is adding a folder that names its minor version.
 *
 * Fields are listed in the JSON key order of Ignition's Go structs (config/v3_N/types/schema.go),
 * which is the order butane's JSON output uses; Butane-only fields (`inline`, `local`, `trees`,
 * `with_mount_unit`, `*_local`, `boot_device`, `grub`) carry no `json` key and are expanded by the
 * translation rules instead of being copied.
 *
 * Version gating (from butane's docs/upgrading-fcos.md and the base/v0_N schemas):
 * 1.1 (Ignition 3.1): `local`, `trees`, inline/compression/http_headers on every resource,
 *     `with_mount_unit`, `mount_options`, `ignition.proxy`.
 * 1.2 (3.2): partition `resize`, `storage.luks`, users/groups `should_exist`.
 * 1.3 (3.2): `boot_device` (luks tpm2/tang, mirror, layouts).
 * 1.4 (3.3): `kernel_arguments`.
 * 1.5 (3.4): luks `discard`/`open_options`, tang `advertisement`, `boot_device.luks.discard`, `grub`,
 *     `contents_local`, `ssh_authorized_keys_local` (base v0_5; fcos 1.4 and r4e 1.0 ignore them).
 * 1.6 (3.5): luks `cex`, `boot_device.luks.cex` and `.device`, s390x boot_device layouts.
 * Value-level differences (hash functions, URL schemes, formats) belong to Ignition validation.
 */

/**
 * `bytes` is a Go string used as bytes (`inline`): a `!!binary` value keeps every byte, where
 * other strings are text.
 */
export type FieldType = "string" | "bytes" | "int" | "bool" | ObjType | ListType | MapType;

export interface ListType {
  readonly list: FieldType;
}

/** A Go `map[string]T` (openshift's `metadata.labels`): any keys, each value of one type. */
export interface MapType {
  readonly map: FieldType;
}

export interface ObjType {
  /** The Ignition type name (serialization and merge keys look it up). */
  readonly name: string;
  readonly fields: readonly Field[];
  /** The Go package that defines the struct, where it is not butane's base (`v4_18`). */
  readonly goPackage?: string;
}

export interface Field {
  /** The key as written in Butane YAML. */
  readonly yaml: string;
  /** The Ignition JSON key; absent for Butane-only fields. */
  readonly json?: string;
  readonly type: FieldType;
  /** The `fcos 1.N.0` minor version that introduced the field. */
  readonly since: number;
  /** A non-pointer Go string: emitted as "" when the object exists without it. */
  readonly required?: boolean;
  /** A non-pointer Go field with `omitempty`: omitted when zero. */
  readonly omitZero?: boolean;
}

export function isList(t: FieldType): t is ListType {
  return typeof t === "object" && "list" in t;
}

export function isMap(t: FieldType): t is MapType {
  return typeof t === "object" && "map" in t;
}

export function isObj(t: FieldType): t is ObjType {
  return typeof t === "object" && "fields" in t;
}

/**
 * camelCase of a snake_case key, with butane's `_mib` → `MiB`: each `_` before a lowercase
 * letter or digit goes and that character is upper-cased. (Without regular expressions: the
 * schema below calls this for each field of each type a translation meets.)
 */
export function camelKey(yaml: string): string {
  const mib = yaml.endsWith("_mib");
  const base = mib ? yaml.slice(0, -4) : yaml;
  let out = "";
  let from = 0;
  for (let i = base.indexOf("_"); i >= 0 && i + 1 < base.length; i = base.indexOf("_", i + 1)) {
    const next = base[i + 1];
    if (next >= "a" && next <= "z" || next >= "0" && next <= "9") {
      out += base.slice(from, i) + next.toUpperCase();
      from = i + 2;
      i++;
    }
  }
  return out + base.slice(from) + (mib ? "MiB" : "");
}

/** snake_case of an Ignition key: the fallback when a JSON path has no recorded YAML origin. */
export function snakeKey(json: string): string {
  return json.replace(/MiB$/, "_mib").replace(/[A-Z]/g, (c) => "_" + c.toLowerCase());
}

interface FieldOptions {
  since?: number;
  butane?: boolean;
  required?: boolean;
  omitZero?: boolean;
}

function f(yaml: string, type: FieldType, o: FieldOptions = {}): Field {
  return {
    yaml,
    json: o.butane ? undefined : camelKey(yaml),
    type,
    since: o.since ?? 0,
    required: o.required,
    omitZero: o.omitZero,
  };
}

/**
 * An object type whose fields are made when first asked for: a translation meets a few of the
 * schema's ~40 types, and making all of them at import, each field once, was a tenth of what
 * `iago butane` spent on a small config above Deno's start.
 */
function obj(name: string, fields: () => Field[]): ObjType {
  let made: readonly Field[] | undefined;
  return {
    name,
    get fields() {
      return made ??= fields();
    },
  };
}

function list(t: FieldType): ListType {
  return { list: t };
}

const str = "string";
const int = "int";
const bool = "bool";

const verification = obj("Verification", () => [f("hash", str)]);
const httpHeader = obj("HTTPHeader", () => [f("name", str, { required: true }), f("value", str)]);

/** A resource; `config` resources (merge, replace, CAs) gained inline and compression in 1.1. */
function resource(config: boolean): ObjType {
  const extra = config ? 1 : 0;
  return obj("Resource", () => [
    f("compression", str, { since: extra }),
    f("http_headers", list(httpHeader), { since: 1 }),
    f("source", str),
    f("inline", "bytes", { butane: true, since: extra }),
    f("local", str, { butane: true, since: 1 }),
    f("verification", verification),
  ]);
}

const fileResource = resource(false);
const configResource = resource(true);

const nodeUser = obj("NodeUser", () => [f("id", int), f("name", str)]);
const nodeGroup = obj("NodeGroup", () => [f("id", int), f("name", str)]);

function nodeFields(): Field[] {
  return [
    f("group", nodeGroup),
    f("overwrite", bool),
    f("path", str, { required: true }),
    f("user", nodeUser),
  ];
}

const file = obj("File", () => [
  ...nodeFields(),
  f("append", list(fileResource)),
  f("contents", fileResource),
  f("mode", int),
]);
const directory = obj("Directory", () => [...nodeFields(), f("mode", int)]);
const link = obj("Link", () => [...nodeFields(), f("hard", bool), f("target", str)]);

const partition = obj("Partition", () => [
  f("guid", str),
  f("label", str),
  f("number", int, { omitZero: true }),
  f("resize", bool, { since: 2 }),
  f("should_exist", bool),
  f("size_mib", int),
  f("start_mib", int),
  f("type_guid", str),
  f("wipe_partition_entry", bool),
]);
const disk = obj("Disk", () => [
  f("device", str, { required: true }),
  f("partitions", list(partition)),
  f("wipe_table", bool),
]);
const filesystem = obj("Filesystem", () => [
  f("device", str, { required: true }),
  f("format", str),
  f("label", str),
  f("mount_options", list(str), { since: 1 }),
  f("options", list(str)),
  f("path", str),
  f("uuid", str),
  f("wipe_filesystem", bool),
  f("with_mount_unit", bool, { butane: true, since: 1 }),
]);
const tang = obj("Tang", () => [
  f("advertisement", str, { since: 5 }),
  f("thumbprint", str),
  f("url", str, { omitZero: true }),
]);
const cex = obj("Cex", () => [f("enabled", bool)]);
const luks = obj("Luks", () => [
  f("cex", cex, { since: 6 }),
  f(
    "clevis",
    obj("Clevis", () => [
      f(
        "custom",
        obj("ClevisCustom", () => [f("config", str), f("needs_network", bool), f("pin", str)]),
      ),
      f("tang", list(tang)),
      f("threshold", int),
      f("tpm2", bool),
    ]),
  ),
  f("device", str),
  f("discard", bool, { since: 5 }),
  f("key_file", configResource),
  f("label", str),
  f("name", str, { required: true }),
  f("open_options", list(str), { since: 5 }),
  f("options", list(str)),
  f("uuid", str),
  f("wipe_volume", bool),
]);

const raid = obj("Raid", () => [
  f("devices", list(str)),
  f("level", str),
  f("name", str, { required: true }),
  f("options", list(str)),
  f("spares", int),
]);
const tree = obj("Tree", () => [f("local", str), f("path", str)]);

const dropin = obj("Dropin", () => [
  f("contents", str),
  f("contents_local", str, { butane: true, since: 5 }),
  f("name", str, { required: true }),
]);
const unit = obj("Unit", () => [
  f("contents", str),
  f("contents_local", str, { butane: true, since: 5 }),
  f("dropins", list(dropin)),
  f("enabled", bool),
  f("mask", bool),
  f("name", str, { required: true }),
]);

const user = obj("PasswdUser", () => [
  f("gecos", str),
  f("groups", list(str)),
  f("home_dir", str),
  f("name", str, { required: true }),
  f("no_create_home", bool),
  f("no_log_init", bool),
  f("no_user_group", bool),
  f("password_hash", str),
  f("primary_group", str),
  f("ssh_authorized_keys", list(str)),
  f("ssh_authorized_keys_local", list(str), { butane: true, since: 5 }),
  f("shell", str),
  f("should_exist", bool, { since: 2 }),
  f("system", bool),
  f("uid", int),
]);
const group = obj("PasswdGroup", () => [
  f("gid", int),
  f("name", str, { required: true }),
  f("password_hash", str),
  f("should_exist", bool, { since: 2 }),
  f("system", bool),
]);

const bootDevice = obj("BootDevice", () => [
  f("layout", str),
  f(
    "luks",
    obj("BootDeviceLuks", () => [
      f("cex", cex, { since: 6 }),
      f("device", str, { since: 6 }),
      f("discard", bool, { since: 5 }),
      f("tang", list(tang)),
      f("threshold", int),
      f("tpm2", bool),
    ]),
  ),
  f("mirror", obj("BootDeviceMirror", () => [f("devices", list(str))])),
]);
const grub = obj("Grub", () => [
  f("users", list(obj("GrubUser", () => [f("name", str), f("password_hash", str)]))),
]);

/** Every field of every fcos version, in Ignition key order. */
export const FULL_SCHEMA: ObjType = obj("Config", () => [
  f("version", str, { butane: true }),
  f("variant", str, { butane: true }),
  f(
    "ignition",
    obj("Ignition", () => [
      f(
        "config",
        obj("IgnitionConfig", () => [
          f("merge", list(configResource)),
          f("replace", configResource),
        ]),
      ),
      f(
        "proxy",
        obj("Proxy", () => [f("http_proxy", str), f("https_proxy", str), f("no_proxy", list(str))]),
        {
          since: 1,
        },
      ),
      f(
        "security",
        obj("Security", () => [
          f("tls", obj("TLS", () => [f("certificate_authorities", list(configResource))])),
        ]),
      ),
      f("timeouts", obj("Timeouts", () => [f("http_response_headers", int), f("http_total", int)])),
    ]),
  ),
  f(
    "kernel_arguments",
    obj("KernelArguments", () => [
      f("should_exist", list(str)),
      f("should_not_exist", list(str)),
    ]),
    { since: 4 },
  ),
  f("passwd", obj("Passwd", () => [f("groups", list(group)), f("users", list(user))])),
  f(
    "storage",
    obj("Storage", () => [
      f("directories", list(directory)),
      f("disks", list(disk)),
      f("files", list(file)),
      f("filesystems", list(filesystem)),
      f("links", list(link)),
      f("luks", list(luks), { since: 2 }),
      f("raid", list(raid)),
      f("trees", list(tree), { butane: true, since: 1 }),
    ]),
  ),
  f("systemd", obj("Systemd", () => [f("units", list(unit))])),
  f("boot_device", bootDevice, { butane: true, since: 3 }),
  f("grub", grub, { butane: true, since: 5 }),
]);

const cache = new Map<number, ObjType>();

/** The schema of `fcos 1.<minor>.0`: the full tree without the fields added later. */
export function schemaFor(minor: number): ObjType {
  let s = cache.get(minor);
  if (!s) {
    s = filterObj(FULL_SCHEMA, minor, new Map());
    cache.set(minor, s);
  }
  return s;
}

function filterType(t: FieldType, minor: number, seen: Map<ObjType, ObjType>): FieldType {
  if (isList(t)) return { list: filterType(t.list, minor, seen) };
  if (isObj(t)) return filterObj(t, minor, seen);
  return t;
}

function filterObj(t: ObjType, minor: number, seen: Map<ObjType, ObjType>): ObjType {
  const done = seen.get(t);
  if (done) return done;
  const out = obj(t.name, () =>
    t.fields.filter((fl) => fl.since <= minor).map((fl) => ({
      ...fl,
      type: filterType(fl.type, minor, seen),
    })));
  seen.set(t, out);
  return out;
}
