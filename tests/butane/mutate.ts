/**
 * Mutations of real-world Butane configs for the differential check against butane
 * (tests/butane/differential.ts): each kind breaks a config the way people do (a deleted or
 * doubled line, a wrong type, a stray tab, an unknown or repeated key, ...), at positions drawn
 * from a seeded generator so a run can be repeated exactly.
 */
import { isCollection, isMap, parseDocument, visit } from "yaml";

export interface Mutant {
  kind: string;
  /** The corpus config it was made from. */
  source: string;
  bytes: Uint8Array;
  /**
   * The `-d` butane gets, relative to the corpus: absent for the source's own files directory
   * (when it has one), null for none.
   */
  filesDir?: string | null;
}

/** mulberry32: small, fast and good enough to pick positions. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = () => number;
const pick = <T>(rand: Rand, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
const encoder = new TextEncoder();
const latin1 = new TextDecoder("latin1");

/** A line `  - key: value` split into its indent, dash, key and value. */
interface KeyLine {
  index: number;
  /** Column where the key starts (its siblings start there too). */
  col: number;
  key: string;
  value: string;
}

const KEY_LINE = /^(\s*(?:- +)*)([A-Za-z_][\w-]*):(?: +(.*))?$/;

function keyLines(lines: string[]): KeyLine[] {
  const out: KeyLine[] = [];
  lines.forEach((l, index) => {
    const m = KEY_LINE.exec(l);
    if (m) out.push({ index, col: m[1].length, key: m[2], value: m[3] ?? "" });
  });
  return out;
}

const indentOf = (l: string) => l.length - l.trimStart().length;

/** The index after the block that line `i` (indent `col`) opens: its deeper lines. */
function blockEnd(lines: string[], i: number, col: number): number {
  let j = i + 1;
  while (j < lines.length && (lines[j].trim() === "" || indentOf(lines[j]) > col)) j++;
  return j;
}

/** The index after key line `k`'s value: its block (nested lines, block scalar) or the line. */
function valueEnd(lines: string[], k: KeyLine): number {
  const hasBlock = k.value === "" || /^[|>]/.test(k.value);
  return hasBlock ? blockEnd(lines, k.index, k.col) : k.index + 1;
}

function replaceValue(lines: string[], k: KeyLine, value: string): string[] {
  const out = [...lines];
  const prefix = lines[k.index].slice(0, k.col) + k.key + ":";
  const end = valueEnd(lines, k);
  out.splice(k.index, end - k.index, value === "" ? prefix : `${prefix} ${value}`);
  return out;
}

const WRONG_TYPES = [
  "[a, b]",
  "{a: 1}",
  '"text"',
  "42",
  "true",
  "-1",
  "1.5",
  "~",
  "0x1F",
  "yes",
  "!!binary AAAA",
  '""',
  "2e3",
  "- item",
  "text with: colon",
  "!!int 7",
  "!!str 7",
  "!!bool yes",
  "!!map {}",
  "!!float 1",
];
const BAD_URLS = [
  "http//x",
  "ftp://example.com/x",
  "data:,x",
  "data:;base64,@@",
  "s3://bucket/key",
  "gs://bucket/obj",
  "arn:aws:s3:::bucket/key",
  "tftp://host/x",
  "https://",
  "http://[::1",
  "%zz",
  "/local/path",
  "https://example.com/a b",
];
const BAD_MODES = [
  "0888",
  "99999",
  "-1",
  "07777",
  "0o644",
  "420",
  "0x1a4",
  "'0644'",
  "1e3",
  "644.0",
];
const BAD_PATHS = ["relative/path", "/a/../b", "/", "//double", "/trailing/", "''", "/a/./b"];
const HUGE = [
  "9223372036854775807",
  "9223372036854775808",
  "99999999999999999999999",
  "1e400",
  "-9223372036854775809",
  "0x7fffffffffffffff",
  "4294967296",
  "2147483648",
  "1_000_000",
  ".inf",
  "-.inf",
  ".nan",
  "9007199254740993",
  "0o777777777777777777777",
  "-0x8000000000000000",
  "18446744073709551615",
  "9.3e18",
  "!!float 9223372036854775807",
  "!!float 9223372036854775808",
  "!!float 9007199254740993",
];
const VERSIONS = [
  "1.0.0",
  "1.1.0",
  "1.2.0",
  "1.3.0",
  "1.4.0",
  "1.5.0",
  "1.6.0",
  "1.7.0-experimental",
  "1.7.0",
  "2.0.0",
  "1.5",
  "v1.5.0",
  "1.5.0-experimental",
  '""',
  "01.5.0",
  "1.5.0+build",
  "[1.5.0]",
];
const VARIANTS = [
  ["flatcar", "1.0.0"],
  ["flatcar", "1.1.0"],
  ["r4e", "1.0.0"],
  ["r4e", "1.1.0"],
  ["fiot", "1.0.0"],
  ["FCOS", undefined],
  ["rhcos", undefined],
  ['""', undefined],
  ["coreos", undefined],
  ["{a: b}", undefined],
] as const;
const BAD_BYTES = [
  [0xff],
  [0xc3],
  [0x80],
  [0xfe],
  [0xed, 0xa0, 0x80],
  [0xc0, 0xaf],
  [0x00],
  [0x07],
  [0x7f],
  [0xef, 0xbb, 0xbf],
  [0xc2, 0x85],
  [0xe2, 0x80, 0xa8],
];
const DOCUMENTS = (text: string) => [
  "",
  "\n",
  "# only a comment\n",
  "42\n",
  "- a\n- b\n",
  "just text\n",
  "---\n",
  "---\n" + text,
  text + "\n---\nvariant: fcos\n",
  text + "\n...\n",
  "%YAML 1.2\n---\n" + text,
  "%YAML 1.1\n---\n" + text,
  "%TAG ! tag:x,2000:\n---\n" + text,
  "null\n",
  "~\n",
  "{}\n",
  "[]\n",
  '"quoted"\n',
  text + "\n--- x\n",
  "--- |\n  text\n",
  "\ufeff" + text,
  text.replaceAll("\n", "\r\n"),
  text.replaceAll("\n", "\r"),
  "variant: fcos\nversion: 1.5.0\n" + text,
];
const SPECIALS = [
  ":",
  "-",
  "#",
  "'",
  '"',
  "[",
  "{",
  "]",
  "}",
  "&",
  "*",
  "!",
  "|",
  ">",
  "%",
  "@",
  "`",
  "?",
  ",",
  "\\",
];
const QUOTED = [
  (v: string) => `"${v.slice(0, v.length >> 1)}\n  ${v.slice(v.length >> 1)}"`,
  (v: string) => `'${v.slice(0, v.length >> 1)}\n  ${v.slice(v.length >> 1)}'`,
  (v: string) => `"${v.slice(0, v.length >> 1)}\n${v.slice(v.length >> 1)}"`,
  (v: string) => `"${v}`,
  (v: string) => `'${v}`,
  (v: string) => `"${v}\\q"`,
  (v: string) => `"${v}\\x4"`,
  (v: string) => `"\\x41\\u00e9\\U0001F600\\t\\/${v}"`,
  (v: string) => `"${v}" trailing`,
  (v: string) => `'it''s ${v}'`,
  (v: string) => `"${v}\n\n  x"`,
  (v: string) => `"a\\\n  b${v}"`,
];
const KEY_FORMS = [
  (ind: string) => `${ind}: x`,
  (ind: string) => `${ind}? x`,
  (ind: string) => `${ind}? [a]\n${ind}: b`,
  (ind: string) => `${ind}"quoted_key": v`,
  (ind: string) => `${ind}'single': v`,
  (ind: string) => `${ind}key : value`,
  (ind: string) => `${ind}[a, b]: c`,
  (ind: string) => `${ind}{a: b}: c`,
  (ind: string) => `${ind}:`,
  (ind: string) => `${ind}? `,
  (ind: string) => `${ind}1: one`,
  (ind: string) => `${ind}null: x`,
  (ind: string) => `${ind}~: x`,
];

/** boot_device sections (fcos 1.3+), and user entries that its generated ones merge with. */
const BOOT_DEVICES = [
  "boot_device:\n  mirror:\n    devices: [/dev/sda, /dev/sdb]\n",
  "boot_device:\n  luks:\n    tpm2: true\n",
  "boot_device:\n  layout: ppc64le\n  luks:\n    tang:\n      - url: http://t\n        thumbprint: x\n  mirror:\n    devices: [/dev/sda, /dev/sdb]\n",
  "boot_device:\n  layout: s390x-eckd\n  luks:\n    device: /dev/dasda\n    cex:\n      enabled: true\n",
  "boot_device:\n  layout: aarch64\n  mirror:\n    devices: [/dev/sda]\n",
  "boot_device:\n  luks:\n    threshold: 2\n    tpm2: true\n    discard: true\n",
  "boot_device:\n  layout: nope\n",
];
const BOOT_OVERLAPS = [
  "storage:\n  disks:\n    - device: /dev/sda\n      partitions:\n        - label: root-1\n          size_mib: 100\n          type_guid: nope\n",
  "storage:\n  filesystems:\n    - device: /dev/md/md-root\n      format: ext4\n      label: root\n      path: relative\n",
  "storage:\n  luks:\n    - name: root\n      device: /dev/disk/by-partlabel/root\n      label: " +
  "x".repeat(50) + "\n",
  "storage:\n  raid:\n    - name: md-root\n      level: raid7\n      devices: [/dev/sdc]\n",
  "storage:\n  disks:\n    - device: /dev/sdb\n      partitions:\n        - label: esp-2\n          number: 0\n          start_mib: -1\n",
];

/** Every variant and version butane v0.23 translates but fcos (the corpus's own variant). */
const OTHER_VARIANTS: [string, string][] = [
  ["flatcar", "1.0.0"],
  ["flatcar", "1.1.0"],
  ["flatcar", "1.2.0-experimental"],
  ["r4e", "1.0.0"],
  ["r4e", "1.1.0"],
  ["r4e", "1.2.0-experimental"],
  ["fiot", "1.0.0"],
  ["fiot", "1.1.0-experimental"],
  ...[8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18].map((m): [string, string] => [
    "openshift",
    `4.${m}.0`,
  ]),
  ["openshift", "4.19.0-experimental"],
];
/** openshift's `metadata`: mostly valid, sometimes without its name or role. */
const METADATA = [
  "metadata:\n  name: 99-worker-custom\n  labels:\n    machineconfiguration.openshift.io/role: worker\n",
  "metadata:\n  name: 99-worker-custom\n  labels:\n    machineconfiguration.openshift.io/role: worker\n",
  "metadata:\n  name: master-x\n  labels:\n    machineconfiguration.openshift.io/role: master\n",
  "metadata:\n  name: only-name\n",
  "metadata:\n  labels:\n    machineconfiguration.openshift.io/role: worker\n",
  'metadata:\n  name: x\n  labels:\n    machineconfiguration.openshift.io/role: ""\n',
  "",
];
const OPENSHIFT_SECTIONS = [
  "",
  "",
  "openshift:\n  fips: true\n",
  "openshift:\n  kernel_type: realtime\n",
  "openshift:\n  kernel_type: rt\n",
  "openshift:\n  kernel_type: default\n  fips: false\n",
  "openshift:\n  kernel_arguments: [nosmt, a=b]\n  extensions: [usbguard]\n",
  "openshift:\n  kernel_arguments: []\n  unknown: 1\n",
];
/** The kinds `other-variant` applies on top of the variant it sets. */
const COMBINED = [
  "wrong-type",
  "unknown-key",
  "bad-value",
  "delete-line",
  "duplicate-key",
  "boot-device",
  "huge-number",
  "version",
];
/** Local file names, beside the files of the source's own directory. */
const LOCAL_NAMES = [
  "missing",
  "../outside",
  "/etc/hostname",
  "",
  ".",
  "sub/../missing",
  "./missing",
  "dir/",
  "a b",
];

type Make = (
  lines: string[],
  rand: Rand,
  text: string,
  /** The files and directories of the source's files directory, relative to it. */
  local: string[],
) => string | Uint8Array | { text: string; filesDir: string | null } | undefined;

/**
 * The mutation kinds, by name. Each returns one mutant or undefined where it does not apply.
 * New kinds go at the end, so the earlier kinds of a seed keep making the same mutants.
 */
export const MUTATIONS: Record<string, Make> = {
  "delete-line": (lines, rand) => {
    const i = Math.floor(rand() * lines.length);
    return [...lines.slice(0, i), ...lines.slice(i + 1)].join("\n");
  },
  "duplicate-line": (lines, rand) => {
    const i = Math.floor(rand() * lines.length);
    return [...lines.slice(0, i + 1), ...lines.slice(i)].join("\n");
  },
  "indent": (lines, rand) => {
    const i = Math.floor(rand() * lines.length);
    const out = [...lines];
    const d = pick(rand, [-2, -1, 1, 2, 4]);
    out[i] = d > 0 ? " ".repeat(d) + out[i] : out[i].slice(Math.min(-d, indentOf(out[i])));
    return out.join("\n");
  },
  "tab": (lines, rand) => {
    const i = Math.floor(rand() * lines.length);
    const out = [...lines];
    const l = out[i];
    const how = pick(rand, ["indent", "after-colon", "inside", "end", "mixed"]);
    if (how === "indent") out[i] = "\t" + l.trimStart();
    else if (how === "after-colon") out[i] = l.replace(/: /, ":\t");
    else if (how === "inside") {
      const c = Math.floor(rand() * (l.length + 1));
      out[i] = l.slice(0, c) + "\t" + l.slice(c);
    } else if (how === "end") out[i] = l + "\t";
    else out[i] = l.slice(0, indentOf(l) >> 1) + "\t" + l.trimStart();
    return out.join("\n");
  },
  "wrong-type": (lines, rand) => {
    const ks = keyLines(lines).filter((k) => k.key !== "variant" && k.key !== "version");
    if (ks.length === 0) return undefined;
    return replaceValue(lines, pick(rand, ks), pick(rand, WRONG_TYPES)).join("\n");
  },
  "wrong-type-item": (lines, rand) => {
    const items = lines.map((l, i) => [l, i] as const).filter(([l]) => /^\s*- [^\s:]+$/.test(l));
    if (items.length === 0) return undefined;
    const [l, i] = pick(rand, items);
    const out = [...lines];
    out[i] = l.replace(/- .*$/, "- " + pick(rand, ["{a: 1}", "[x]", "42", "~", "true", "-"]));
    return out.join("\n");
  },
  "unknown-key": (lines, rand) => {
    const ks = keyLines(lines);
    if (ks.length === 0) return undefined;
    const k = pick(rand, ks);
    const out = [...lines];
    const end = valueEnd(lines, k);
    const name = pick(rand, ["unknown_field", "Path", "contents", "mode", "sha512", "x"]);
    out.splice(
      end,
      0,
      " ".repeat(k.col) + `${name}: ${pick(rand, ["1", "text", "{a: 1}", "[a]"])}`,
    );
    return out.join("\n");
  },
  "duplicate-key": (lines, rand) => {
    const ks = keyLines(lines);
    if (ks.length === 0) return undefined;
    const k = pick(rand, ks);
    const end = valueEnd(lines, k);
    const block = lines.slice(k.index, end);
    // The copy starts with the key at its column, not with the item's dash.
    block[0] = " ".repeat(k.col) + block[0].slice(k.col);
    return [...lines.slice(0, end), ...block, ...lines.slice(end)].join("\n");
  },
  "version": (lines, rand) => {
    const k = keyLines(lines).find((k) => k.key === "version" && k.col === 0);
    return k && replaceValue(lines, k, pick(rand, VERSIONS)).join("\n");
  },
  "variant": (lines, rand) => {
    const ks = keyLines(lines);
    const variant = ks.find((k) => k.key === "variant" && k.col === 0);
    if (!variant) return undefined;
    const [name, version] = pick(rand, VARIANTS);
    let out = replaceValue(lines, variant, name);
    const v = keyLines(out).find((k) => k.key === "version" && k.col === 0);
    if (version && v) out = replaceValue(out, v, version);
    return out.join("\n");
  },
  "bad-value": (lines, rand) => {
    const ks = keyLines(lines).filter((k) => k.value !== "" && !/^[|>]/.test(k.value));
    const choices: [KeyLine, readonly string[]][] = [];
    for (const k of ks) {
      if (k.key === "source" || k.key === "url") choices.push([k, BAD_URLS]);
      else if (k.key === "mode") choices.push([k, BAD_MODES]);
      else if (k.key === "path" || k.key === "target") choices.push([k, BAD_PATHS]);
      else if (k.key === "name") {
        choices.push([k, ["bad", "foo.bar", '""', "a/b.service", "x@.service"]]);
      } else if (k.key === "format") choices.push([k, ["ext5", "btrfs", "none", "swap", "vfat"]]);
      else if (k.key === "device") choices.push([k, ["sda", "/dev/sda", '""']]);
      else if (/_mib$|^number$|^uid$|^gid$/.test(k.key)) {
        choices.push([k, ["-1", "0", "99999999999"]]);
      } else if (k.key === "label") choices.push([k, ["x".repeat(80), "a b", '""']]);
      else if (/guid/.test(k.key)) {
        choices.push([k, ["nope", "00000000-0000-0000-0000-000000000000"]]);
      } else if (k.key === "compression") choices.push([k, ["gzip", "zstd", '""']]);
      else if (k.key === "enabled" || k.key === "mask" || k.key === "overwrite") {
        choices.push([k, ["maybe", "0", "1", "Yes", "'true'"]]);
      }
    }
    if (choices.length === 0) return undefined;
    const [k, values] = pick(rand, choices);
    return replaceValue(lines, k, pick(rand, values)).join("\n");
  },
  "huge-number": (lines, rand) => {
    const ks = keyLines(lines).filter((k) => /^[-+0-9.]/.test(k.value) && k.key !== "version");
    const all = ks.length > 0 ? ks : keyLines(lines).filter((k) => k.key !== "version");
    if (all.length === 0) return undefined;
    return replaceValue(lines, pick(rand, all), pick(rand, HUGE)).join("\n");
  },
  "anchor-alias": (lines, rand) => {
    const ks = keyLines(lines).filter((k) => k.col > 0 || !["variant", "version"].includes(k.key));
    if (ks.length < 2) return undefined;
    const a = pick(rand, ks);
    const b = pick(rand, ks.filter((k) => k.index > a.index).concat(a));
    const out = [...lines];
    const how = pick(rand, ["alias", "alias", "undefined", "scalar-anchor", "anchor-only"]);
    const ai = out[a.index].indexOf(":", a.col) + 1;
    if (how === "scalar-anchor" || how === "anchor-only") {
      out[a.index] = out[a.index].slice(0, ai) + " &x" + out[a.index].slice(ai);
      if (how === "anchor-only") return out.join("\n");
    } else if (how === "alias") {
      out[a.index] = out[a.index].slice(0, ai) + " &x" + out[a.index].slice(ai);
    }
    if (b === a) return out.join("\n");
    return replaceValue(out, b, how === "undefined" ? "*nope" : "*x").join("\n");
  },
  "merge": (lines, rand) => {
    const blocks = keyLines(lines).filter((k) =>
      k.value === "" && k.index + 1 < lines.length && KEY_LINE.test(lines[k.index + 1]) &&
      !/^\s*- /.test(lines[k.index + 1])
    );
    const items = lines.map((l, i) => [l, i] as const).filter(([l]) => /^\s*- [A-Za-z_]/.test(l));
    const out = [...lines];
    if (items.length >= 2 && rand() < 0.5) {
      // Anchor one list item's mapping and merge it into another item, after its first key.
      const [first, i] = pick(rand, items);
      const [, j] = pick(rand, items.filter(([, j]) => j !== i));
      const dash = first.indexOf("- ");
      out[i] = first.slice(0, dash) + "- &m\n" + " ".repeat(dash + 2) + first.slice(dash + 2);
      const target = lines[j];
      const col = target.indexOf("- ") + 2;
      out[j] = target + "\n" + " ".repeat(col) + pick(rand, ["<<: *m", "<<: [*m]", "<<: {x: 1}"]);
      return out.join("\n");
    }
    if (blocks.length === 0) return undefined;
    const a = pick(rand, blocks);
    const ai = out[a.index].indexOf(":", a.col) + 1;
    out[a.index] = out[a.index].slice(0, ai) + " &m" + out[a.index].slice(ai);
    const col = indentOf(lines[a.index + 1]);
    const end = blockEnd(lines, a.index, a.col);
    out.splice(end, 0, " ".repeat(a.col) + "copy:", " ".repeat(col) + "<<: *m");
    return out.join("\n");
  },
  "non-utf8": (_lines, rand, text) => {
    const bytes = encoder.encode(text);
    const at = pick(rand, [0, Math.floor(rand() * bytes.length), bytes.length]);
    const bad = pick(rand, BAD_BYTES);
    return new Uint8Array([...bytes.slice(0, at), ...bad, ...bytes.slice(at)]);
  },
  "document": (_lines, rand, text) => pick(rand, DOCUMENTS(text)),
  "flow": (_lines, rand, text) => {
    const doc = parseDocument(text);
    if (doc.errors.length > 0) return undefined;
    const collections: { flow?: boolean }[] = [];
    visit(doc, {
      Map: (_, n) => void collections.push(n),
      Seq: (_, n) => void collections.push(n),
    });
    if (collections.length === 0 || !isCollection(doc.contents)) return undefined;
    const n = pick(rand, collections);
    n.flow = true;
    return doc.toString({ lineWidth: pick(rand, [0, 40, 80]) });
  },
  "quote": (lines, rand) => {
    const ks = keyLines(lines).filter((k) => k.value !== "" && !/^[|>"'&*!\[{]/.test(k.value));
    if (ks.length === 0) return undefined;
    const k = pick(rand, ks);
    return replaceValue(lines, k, pick(rand, QUOTED)(k.value)).join("\n");
  },
  "char-insert": (lines, rand) => {
    const i = Math.floor(rand() * lines.length);
    const out = [...lines];
    const c = Math.floor(rand() * (out[i].length + 1));
    const ch = pick(rand, SPECIALS) + pick(rand, ["", " "]);
    out[i] = out[i].slice(0, c) + ch + out[i].slice(c);
    return out.join("\n");
  },
  "boot-device": (_lines, rand, text) => {
    if (/^boot_device:/m.test(text)) return undefined;
    let out = text.replace(/\n*$/, "\n") + pick(rand, BOOT_DEVICES);
    if (!/^storage:/m.test(text) && rand() < 0.7) out += pick(rand, BOOT_OVERLAPS);
    if (rand() < 0.5) out = out.replace(/^version: .*$/m, "version: 1.6.0");
    return out;
  },
  "char-delete": (lines, rand) => {
    const i = Math.floor(rand() * lines.length);
    const out = [...lines];
    const c = Math.floor(rand() * out[i].length);
    out[i] = out[i].slice(0, c) + out[i].slice(c + 1);
    return out.join("\n");
  },
  "long-scalar": (lines, rand) => {
    // Simple keys may span at most 1024 characters in yaml.v3; plain scalars fold lines.
    const ks = keyLines(lines).filter((k) => k.key !== "variant" && k.key !== "version");
    if (ks.length === 0) return undefined;
    const k = pick(rand, ks);
    const n = pick(rand, [1020, 1024, 1030, 5000]);
    const how = pick(rand, ["key", "value", "flow"]);
    const out = [...lines];
    const pad = " ".repeat(k.col);
    if (how === "key") out.splice(k.index, 0, pad + "k".repeat(n) + ": v");
    else if (how === "value") return replaceValue(lines, k, "v".repeat(n)).join("\n");
    else out.splice(k.index, 0, pad + "{" + "a".repeat(n) + ": b}: c");
    return out.join("\n");
  },
  "key-form": (lines, rand) => {
    const ks = keyLines(lines);
    if (ks.length === 0) return undefined;
    const k = pick(rand, ks);
    const end = valueEnd(lines, k);
    const out = [...lines];
    out.splice(end, 0, pick(rand, KEY_FORMS)(" ".repeat(k.col)));
    return out.join("\n");
  },
  "other-variant": (lines, rand, text) => {
    // The corpus is all fcos: its configs under every other variant and version, with
    // openshift's metadata and its own section.
    const ks = keyLines(lines);
    const variant = ks.find((k) => k.key === "variant" && k.col === 0);
    const version = ks.find((k) => k.key === "version" && k.col === 0);
    if (!variant || !version) return undefined;
    const [name, v] = pick(rand, OTHER_VARIANTS);
    let out = replaceValue(lines, variant, name);
    out = replaceValue(out, keyLines(out).find((k) => k.key === "version" && k.col === 0)!, v);
    let result = out.join("\n").replace(/\n*$/, "\n");
    if (name === "openshift") {
      result += pick(rand, METADATA) + pick(rand, OPENSHIFT_SECTIONS);
    }
    // Half of them broken as well, so each variant's validation and reports are reached.
    if (rand() < 0.5) {
      const broken = MUTATIONS[pick(rand, COMBINED)](result.split("\n"), rand, result, []);
      if (typeof broken === "string") result = broken;
    }
    return result === text ? undefined : result;
  },
  "files-dir": (_lines, rand, text, local) => {
    // A local file, tree, unit or SSH key file read from the files directory (or from none, or
    // from one that is missing): existing files and directories, missing ones, escapes.
    const doc = parseDocument(text);
    if (doc.errors.length > 0 || !isMap(doc.contents)) return undefined;
    const name = pick(rand, [...local, ...local, ...LOCAL_NAMES]);
    const how = pick(rand, ["file", "append", "tree", "unit", "dropin", "ssh"]);
    const addItem = (path: string[], item: unknown) =>
      doc.hasIn(path) ? doc.addIn(path, item) : doc.setIn(path, [item]);
    try {
      if (how === "file") {
        addItem(["storage", "files"], { path: "/etc/mutant", contents: { local: name } });
      } else if (how === "append") {
        addItem(["storage", "files"], { path: "/etc/mutant", append: [{ local: name }] });
      } else if (how === "tree") {
        const path = pick(rand, ["/", "/opt/tree", undefined]);
        addItem(
          ["storage", "trees"],
          path === undefined ? { local: name } : { local: name, path },
        );
      } else if (how === "unit") {
        addItem(["systemd", "units"], { name: "mutant.service", contents_local: name });
      } else if (how === "dropin") {
        addItem(["systemd", "units"], {
          name: "mutant.service",
          dropins: [{ name: "mutant.conf", contents_local: name }],
        });
      } else {
        addItem(["passwd", "users"], { name: "core", ssh_authorized_keys_local: [name] });
      }
    } catch {
      return undefined; // storage, systemd or passwd is not a mapping here
    }
    const filesDir = pick(rand, [undefined, undefined, undefined, null, "missing.d"]);
    const out = doc.toString({ lineWidth: 0 });
    return filesDir === undefined ? out : { text: out, filesDir };
  },
};

/**
 * `perKind` mutants of each kind for `text`, deterministic for (`seed`, `source`); `local` lists
 * the files and directories of the source's files directory.
 */
export function mutate(
  source: string,
  text: string,
  perKind: number,
  seed: number,
  local: string[] = [],
): Mutant[] {
  let h = seed;
  for (const ch of source) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193);
  const rand = random(h);
  const lines = text.split("\n");
  const out: Mutant[] = [];
  const seen = new Set<string>();
  for (const [kind, make] of Object.entries(MUTATIONS)) {
    for (let n = 0; n < perKind; n++) {
      const m = make(lines, rand, text, local);
      if (m === undefined) continue;
      const bytes = typeof m === "string"
        ? encoder.encode(m)
        : m instanceof Uint8Array
        ? m
        : encoder.encode(m.text);
      const filesDir = typeof m === "object" && !(m instanceof Uint8Array) ? m.filesDir : undefined;
      const key = latin1.decode(bytes) + `\0${filesDir}`;
      if (seen.has(key) || m === text) continue;
      seen.add(key);
      out.push(
        filesDir === undefined ? { kind, source, bytes } : { kind, source, bytes, filesDir },
      );
    }
  }
  return out;
}
