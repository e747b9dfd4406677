/**
 * Seeded random differential tests: unit files, data URLs and URLs built from the characters
 * their parsers care about, many per config, validated by our code and by the real
 * `ignition-validate`. The seeds are fixed, so a failure is reproducible; the generators reach
 * corners the hand-written probes do not (buffer boundaries of the unit lexer, every state of
 * the data-URL lexer, odd URL authorities).
 */
import assert from "node:assert/strict";
import { formatFinding, parseIgnitionText } from "../../src/ignition/validate.ts";

const VALIDATE = "/usr/bin/ignition-validate";

function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pieces(random: () => number, parts: string[], n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) s += parts[Math.floor(random() * parts.length)];
  return s;
}

async function ignitionValidate(text: string): Promise<string[]> {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/c.ign`, text);
    const out = await new Deno.Command(VALIDATE, {
      args: [`${dir}/c.ign`],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const lines = new TextDecoder().decode(out.stdout).split("\n").filter((l) => l !== "");
    for (const l of new TextDecoder().decode(out.stderr).split("\n")) {
      const m = /^couldn't parse config: (.*)$/.exec(l);
      if (m) lines.push(`error: ${m[1]}`);
    }
    return lines;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Spec 3.4.0 goes to Ignition 2.14 as 3.4.0-experimental; the version has a line of its own. */
async function assertSame(config: Record<string, unknown>) {
  const text = JSON.stringify(config, null, 1);
  const ours = parseIgnitionText(text).findings.map((f) => formatFinding(f)).sort();
  const theirs = (await ignitionValidate(text.replace('"3.4.0"', '"3.4.0-experimental"'))).sort();
  assert.deepEqual(ours, theirs);
}

const UNIT_PARTS = [
  "[Unit]",
  "[Install]",
  "[Service]",
  "[",
  "]",
  "\n",
  "\n",
  "\r\n",
  "\r",
  "A=b",
  "Name = value ",
  "=",
  "#",
  ";",
  " ",
  "\t",
  "\\",
  "\\\n",
  "x",
  "é",
  "€",
  "garbage",
  "x".repeat(700),
  "y".repeat(1500),
];

for (const seed of [1, 2, 3, 4, 5, 6]) {
  Deno.test(`random unit files validate as in ignition-validate (seed ${seed})`, async () => {
    const random = rng(seed);
    const units = Array.from({ length: 60 }, (_, i) => ({
      name: `u${i}.service`,
      enabled: random() < 0.5,
      contents: pieces(random, UNIT_PARTS, 1 + Math.floor(random() * 40)),
      dropins: [{
        name: "d.conf",
        contents: pieces(random, UNIT_PARTS, Math.floor(random() * 12)),
      }],
    }));
    await assertSame({ ignition: { version: "3.3.0" }, systemd: { units } });
  });
}

const DATA_PARTS = [
  "data:",
  "data:",
  ",",
  ";",
  "base64",
  "text/plain",
  "x-a/b",
  "image/",
  "/",
  "charset=",
  "=",
  '"',
  "\\",
  "%",
  "%2",
  "%41",
  "%zz",
  "YQ",
  "==",
  "Zm9v",
  "a b",
  "#",
  "(",
  "é",
  "+",
];

const URL_PARTS = [
  "http",
  "https:",
  "s3:",
  "gs:",
  "tftp:",
  "arn:",
  "aws:s3:",
  ":",
  "//",
  "/",
  "@",
  "[",
  "::1",
  "]",
  ":80",
  ":x",
  "host",
  "%",
  "%2F",
  "%g",
  "?",
  "versionId=",
  "&",
  "#",
  " ",
  "{",
  "a:b",
  "accesspoint/",
  "\u0001",
];

for (const seed of [11, 12, 13]) {
  Deno.test(`random data URLs validate as in ignition-validate (seed ${seed})`, async () => {
    const random = rng(seed);
    const files = Array.from({ length: 150 }, (_, i) => ({
      path: `/f${i}`,
      contents: {
        source: (random() < 0.8 ? "data:" : "") +
          pieces(random, DATA_PARTS, 1 + Math.floor(random() * 6)),
      },
    }));
    await assertSame({ ignition: { version: "3.3.0" }, storage: { files } });
  });
}

for (
  const [seed, version] of [[21, "3.3.0"], [22, "3.4.0"], [23, "3.4.0"], [24, "3.0.0"]] as const
) {
  Deno.test(`random URLs validate as in ignition-validate (seed ${seed}, ${version})`, async () => {
    const random = rng(seed);
    const source = () => pieces(random, URL_PARTS, 1 + Math.floor(random() * 7));
    const files = Array.from(
      { length: 150 },
      (_, i) => ({ path: `/f${i}`, contents: { source: source() } }),
    );
    const proxy = { httpProxy: source(), httpsProxy: source() };
    const ignition = version === "3.0.0" ? { version } : { version, proxy };
    await assertSame({ ignition, storage: { files } });
  });
}

/** Messages of checks Ignition 2.15+ added to every spec version, which 2.14 cannot print. */
const NEWER = [
  "path conflicts with systemd unit or dropin",
  "user/group ignored for hard link",
  "doesn't have Install section",
  "filesystem overwrites partitioned device",
  "device matches disk with wipeTable enabled",
];

function randomConfig(random: () => number, version: string): Record<string, unknown> {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
  const maybe = <T>(v: () => T, p = 0.5): T | undefined => (random() < p ? v() : undefined);
  const count = (max: number) => Math.floor(random() * (max + 1));
  const paths = [
    "/a",
    "/a/b",
    "/a/b/c",
    "/l",
    "/l/x",
    "/d",
    "/etc/systemd/system/u.service",
    "a",
    "/a/",
    "",
  ];
  const devices = ["/dev/sda", "/dev/sdb", "/dev/sda1", "/dev/md/x", "", "sda"];
  const owner = () => ({ id: maybe(() => pick([0, 1000])), name: maybe(() => pick(["", "core"])) });
  const node = () => ({
    path: pick(paths),
    overwrite: maybe(() => random() < 0.5),
    user: maybe(owner),
    group: maybe(owner),
  });
  const mode = () => pick([0o644, 0o755, 0o4755, 0o10000, -1, 0]);
  const source = () => pick(["data:,x", "http://h/x", "ftp://x", "", "s3://b/k?versionId="]);
  const partition = () => ({
    number: maybe(() => pick([0, 1, 2, 3])),
    label: maybe(() => pick(["", "root", "a:b", "x".repeat(37), "boot"])),
    startMiB: maybe(() => pick([0, 1, 100, 150])),
    sizeMiB: maybe(() => pick([0, 10, 100])),
    shouldExist: maybe(() => random() < 0.5, 0.3),
    guid: maybe(() => pick(["", "zz", "01234567-89AB-CDEF-EDCB-A98765432101"]), 0.2),
  });
  const storage: Record<string, unknown> = {
    files: Array.from({ length: count(4) }, () => ({
      ...node(),
      mode: maybe(mode),
      contents: maybe(() => ({
        source: maybe(source, 0.8),
        compression: maybe(() => pick(["", "gzip", "xz"]), 0.3),
      })),
    })),
    directories: Array.from({ length: count(3) }, () => ({ ...node(), mode: maybe(mode) })),
    links: Array.from({ length: count(3) }, () => ({
      ...node(),
      target: maybe(() => pick(["/d", "d", "../d", ""])),
      hard: maybe(() => random() < 0.5),
    })),
    disks: Array.from({ length: count(2) }, () => ({
      device: pick(devices),
      wipeTable: maybe(() => random() < 0.5),
      partitions: Array.from({ length: count(3) }, partition),
    })),
    filesystems: Array.from({ length: count(3) }, () => ({
      device: pick(devices),
      format: maybe(() => pick(["ext4", "xfs", "vfat", "swap", "btrfs", "none", "zfs", ""])),
      path: maybe(() => pick(["/var", "var", ""])),
      label: maybe(() => pick(["", "data", "x".repeat(13)])),
      wipeFilesystem: maybe(() => random() < 0.5),
      options: maybe(() => ["-a"], 0.2),
    })),
    raid: Array.from({ length: count(2) }, () => ({
      name: pick(["md0", "md1"]),
      level: maybe(() => pick(["raid1", "raid0", "linear", "5", "raid7", ""])),
      devices: Array.from({ length: count(2) }, () => pick(devices)),
      spares: maybe(() => pick([0, 1])),
    })),
  };
  if (version !== "3.0.0" && version !== "3.1.0") {
    storage.luks = Array.from({ length: count(2) }, () => ({
      name: pick(["root", "a/b", "data"]),
      device: maybe(() => pick(devices)),
      label: maybe(() => pick(["luks", "x".repeat(48)])),
      keyFile: maybe(() => ({ source: source() }), 0.3),
      clevis: maybe(() => ({
        tpm2: maybe(() => random() < 0.5),
        threshold: maybe(() => pick([0, 1, 2])),
        tang: Array.from({ length: count(2) }, () => ({
          url: pick(["http://t", "ftp://t", ""]),
          thumbprint: maybe(() => pick(["", "abc"])),
        })),
        custom: maybe(() => ({
          pin: maybe(() => pick(["", "tpm2", "x"])),
          config: maybe(() => pick(["", "{}"])),
          needsNetwork: maybe(() => random() < 0.5),
        })),
      })),
    }));
  }
  const units = Array.from({ length: count(3) }, () => ({
    name: pick(["u.service", "t@.service", "t@a.service", "x.foo", "m.mount"]),
    enabled: maybe(() => random() < 0.5),
    mask: maybe(() => random() < 0.5, 0.2),
    contents: maybe(() =>
      pick(["[Unit]\n", "[Install]\nWantedBy=x\n", "[Unit\n", "", "[Unit]\nA=b\n"])
    ),
    dropins: Array.from({ length: count(2) }, () => ({
      name: pick(["a.conf", "b"]),
      contents: maybe(() => pick(["[Unit]\n", "x"])),
    })),
  }));
  const minor = Number(version[2]);
  const resource = () => ({
    source: maybe(source, 0.8),
    compression: maybe(() => pick(["", "gzip", "xz"]), 0.2),
    verification: maybe(() => ({
      hash: pick([
        "sha512-" + "a".repeat(128),
        "sha256-" + "b".repeat(64),
        "sha1-x",
        "x",
        "sha512-ab",
      ]),
    }), 0.3),
    httpHeaders: minor >= 1
      ? maybe(() => [{ name: pick(["", "A", "A"]), value: maybe(() => pick(["", "v"])) }], 0.3)
      : undefined,
  });
  const ignition: Record<string, unknown> = {
    version,
    config: maybe(() => ({
      merge: Array.from({ length: count(2) }, resource),
      replace: maybe(resource),
    })),
    security: maybe(() => ({
      tls: { certificateAuthorities: Array.from({ length: count(2) }, resource) },
    })),
    timeouts: maybe(() => ({ httpTotal: pick([0, 10, -1]) }), 0.2),
  };
  if (minor >= 1) {
    ignition.proxy = maybe(() => ({
      httpProxy: maybe(() => pick(["http://p", "https://p", "ftp://p", "", "%zz"])),
      httpsProxy: maybe(() => pick(["http://p", "https://p", "socks://p"])),
      noProxy: maybe(() => ["a", pick(["a", "b"])]),
    }));
  }
  for (const f of storage.files as Record<string, unknown>[]) {
    if (random() < 0.3) f.contents = resource();
    if (random() < 0.2) f.append = [resource(), resource()];
  }
  const passwd = {
    users: Array.from({ length: count(2) }, () => ({
      name: pick(["core", "core", "", "x"]),
      sshAuthorizedKeys: maybe(() => ["k", pick(["k", "j"])]),
      groups: maybe(() => ["wheel", pick(["wheel", "sudo"])]),
      uid: maybe(() => pick([0, 1000])),
    })),
    groups: Array.from({ length: count(2) }, () => ({ name: pick(["g", "g", "h"]) })),
  };
  const config: Record<string, unknown> = { ignition, passwd, storage, systemd: { units } };
  if (minor >= 3) {
    config.kernelArguments = {
      shouldExist: maybe(() => ["a", pick(["a", "b"])]),
      shouldNotExist: maybe(() => [pick(["a", "c"])]),
    };
  }
  // Now and then a value of the wrong type somewhere: Go's first type error wins.
  if (random() < 0.15) {
    const wrong = pick<unknown>(["x", 1, 1.5, true, [], {}]);
    const target = pick([
      "storage",
      "passwd",
      "ignition.timeouts",
      "storage.files",
      "systemd.units",
    ]);
    const [a, b] = target.split(".");
    if (b) (config[a] as Record<string, unknown>)[b] = wrong;
    else config[a] = wrong;
  }
  return config;
}

for (const version of ["3.0.0", "3.1.0", "3.2.0", "3.3.0", "3.4.0"]) {
  Deno.test(`random configs validate as in ignition-validate (${version})`, async () => {
    const random = rng(100 + Number(version[2]));
    for (let i = 0; i < 40; i++) {
      const config = randomConfig(random, version);
      const text = JSON.stringify(config, null, 1);
      let ours = parseIgnitionText(text).findings.map((f) => formatFinding(f));
      let theirs = await ignitionValidate(text.replace('"3.4.0"', '"3.4.0-experimental"'));
      ours = ours.filter((l) => !NEWER.some((m) => l.includes(m)));
      if (version === "3.4.0") {
        theirs = theirs.filter((l) => !/Unused key (discard|openOptions|advertisement)$/.test(l));
      }
      // Two groups of colliding partition numbers are reported in Go's random map order.
      const collide = (ls: string[]) =>
        ls.filter((l) => l.endsWith("partition numbers collide")).length;
      if (collide(theirs) > 0 && collide(ours) !== collide(theirs)) continue;
      assert.deepEqual(ours.sort(), theirs.sort(), text);
    }
  });
}

const MUTATIONS = [
  "{",
  "}",
  "[",
  "]",
  ",",
  ":",
  '"',
  "\\",
  " ",
  "x",
  "1",
  "-",
  ".",
  "e",
  "\t",
  "\n",
  "null",
  "true",
  "é",
  "\u0001",
];

for (const seed of [31, 32, 33, 34]) {
  Deno.test(`mutated JSON text is parsed as in ignition-validate (seed ${seed})`, async () => {
    const random = rng(seed);
    const base = JSON.stringify(
      {
        ignition: { version: "3.3.0", timeouts: { httpTotal: 5 } },
        passwd: { users: [{ name: "core", uid: 1000, sshAuthorizedKeys: ["ssh-ed25519 AAAA"] }] },
        storage: {
          files: [{
            path: "/etc/hostname",
            mode: 420,
            overwrite: true,
            contents: { source: "data:,x" },
          }],
          links: [{ path: "/l", target: "/t", hard: false }],
        },
        systemd: {
          units: [{ name: "a.service", enabled: true, contents: "[Install]\nWantedBy=x\n" }],
        },
      },
      null,
      seed % 2 ? 1 : undefined,
    );
    for (let i = 0; i < 60; i++) {
      let text = base;
      for (let k = 0; k < 1 + Math.floor(random() * 2); k++) {
        const at = Math.floor(random() * text.length);
        const del = random() < 0.5 ? 1 + Math.floor(random() * 3) : 0;
        const ins = random() < 0.7 ? MUTATIONS[Math.floor(random() * MUTATIONS.length)] : "";
        text = text.slice(0, at) + ins + text.slice(at + del);
      }
      // A key may hold a newline: compare printed lines, as a user reads them.
      const ours = parseIgnitionText(text).findings.map((f) => formatFinding(f)).join("\n")
        .split("\n").filter((l) => l !== "").sort();
      const theirs = (await ignitionValidate(text)).sort();
      assert.deepEqual(ours, theirs, text);
    }
  });
}
