/**
 * Differential test: every probe goes through our validator AND the real `ignition-validate`
 * (Debian's Ignition 2.14), and both must print the same lines: same verdict, same messages,
 * same paths, same line/column. Spec 3.4.0 probes are fed to 2.14 as `3.4.0-experimental`.
 * What 2.14 lacks (the checks Ignition 2.15+ added to every spec version, the 3.4.0 fields the
 * experimental spec did not have) is written out per probe in `newer`/`older` and asserted from
 * Ignition 2.20's source.
 */
import assert from "node:assert/strict";
import {
  formatFinding,
  parseIgnitionText,
  validateDecoded,
  validateIgnition,
} from "../../src/ignition/validate.ts";

const VALIDATE = "/usr/bin/ignition-validate";

interface Probe {
  name: string;
  /** Spec versions to run; default 3.4.0. */
  versions?: string[];
  /** The config without `ignition.version` (filled per version), or raw text. */
  config?: Record<string, unknown>;
  text?: string;
  /** Lines (without position) we print, as Ignition 2.20 does, that Ignition 2.14 does not. */
  newer?: string[];
  /** Lines (without position) Ignition 2.14 prints for 3.4.0-experimental that 3.4.0 does not. */
  older?: string[];
}

const ALL = ["3.0.0", "3.1.0", "3.2.0", "3.3.0", "3.4.0"];
const FROM1 = ["3.1.0", "3.2.0", "3.3.0", "3.4.0"];
const FROM2 = ["3.2.0", "3.3.0", "3.4.0"];

const unit = (name: string, extra: Record<string, unknown> = {}) => ({ name, ...extra });
const file = (path: string, extra: Record<string, unknown> = {}) => ({ path, ...extra });
const files = (...f: unknown[]) => ({ storage: { files: f } });
const src = (source: string, extra: Record<string, unknown> = {}) =>
  files(file("/f", { contents: { source, ...extra } }));
const hash512 = "a".repeat(128);

const probes: Probe[] = [
  // Parsing, versions, JSON and type errors
  { name: "empty input", text: "" },
  { name: "whitespace only", text: " \n" },
  { name: "syntax error after key", text: '{"ignition" 1}' },
  { name: "syntax error in literal", text: '{"ignition":{"version":"3.3.0"},\n "a": tru }' },
  { name: "syntax error in string", text: '{"a":"x\ty"}' },
  { name: "syntax error bad escape", text: '{"a":"\\x"}' },
  { name: "syntax error after array element", text: '{"a":[1 2]}' },
  { name: "syntax error key string", text: "{1:2}" },
  { name: "syntax error number", text: '{"a":-x}' },
  { name: "syntax error decimal", text: '{"a":1.}' },
  { name: "syntax error exponent", text: '{"a":1e+}' },
  { name: "trailing garbage", text: '{"ignition":{"version":"3.3.0"}}\nx' },
  { name: "trailing garbage mid-file", text: '{"ignition":{"version":"3.3.0"}} x ' },
  { name: "truncated", text: '{"ignition":{"version":"3.3.0"},' },
  { name: "byte order mark", text: '\ufeff{"ignition":{"version":"3.3.0"}}' },
  { name: "non-object top level", text: "[1]" },
  { name: "version is a number", text: '{"ignition":{"version":3}}' },
  { name: "no version", text: "{}" },
  { name: "null config", text: "null" },
  { name: "unparsable version", text: '{"ignition":{"version":"3.x"}}' },
  { name: "unsupported version 2.2.0", text: '{"ignition":{"version":"2.2.0"}}' },
  { name: "unsupported version 3.6.0", text: '{"ignition":{"version":"3.6.0"}}' },
  { name: "ignition is not an object", text: '{"ignition":5}' },
  {
    name: "upper-case keys are matched but not descended",
    text: '{"IGNITION":{"VERSION":"3.3.0"}}',
  },
  {
    name: "repeated keys warn once and the last value wins",
    text:
      '{"ignition":{"version":"3.3.0"},"x":1,"x":2,"storage":{"files":[{"path":"a","path":"b"}]}}',
  },
  { name: "version with leading zero", text: '{"ignition":{"version":"03.3.0"}}' },
  { name: "version with build metadata", text: '{"ignition":{"version":"3.3.0+meta"}}' },
  { name: "experimental version", text: '{"ignition":{"version":"3.3.0-experimental"}}' },
  { name: "two-part version", text: '{"ignition":{"version":"3.3"}}' },
  { name: "top-level string", text: '"x"' },
  {
    name: "negative zero mode",
    text: '{"ignition":{"version":"3.3.0"},"storage":{"files":[{"path":"/a","mode":-0}]}}',
  },
  {
    // Go's int keeps every bit: the setuid bits of modes past 2^53 (a double would round them
    // away), partition numbers one apart there, and partition ends that wrap past 2^63.
    name: "ints past 2^53 keep every bit",
    text: JSON.stringify(
      {
        ignition: { version: "3.3.0" },
        storage: {
          files: [
            { path: "/a", mode: "MAX" },
            { path: "/b", mode: "MIN" },
            { path: "/c", mode: "2^53+0o1001" },
            { path: "/d", mode: "2^53+1" },
          ],
          directories: [{ path: "/e", mode: "2^63-0o1000" }],
          disks: [{
            device: "/dev/sda",
            partitions: [
              { number: "2^53+1", label: "a" },
              { number: "2^53", label: "b" },
              { number: 3, startMiB: "MAX", sizeMiB: 2 },
              { number: 4, startMiB: 100, sizeMiB: 100 },
            ],
          }, {
            device: "/dev/sdb",
            partitions: [
              { number: 1, startMiB: "2^53+1", sizeMiB: -5 },
              { number: 2, startMiB: "2^53-10", sizeMiB: 5 },
            ],
          }],
          raid: [{ name: "r", level: "raid0", devices: ["/dev/sdc"], spares: "2^53+1" }],
        },
      },
      null,
      1,
    ).replace(/"(MAX|MIN|2\^\d+[-+](0o)?\d+|2\^53)"/g, (_, v: string) => bigText(v)),
  },
  {
    name: "exponent into int",
    text: '{"ignition":{"version":"3.3.0"},"storage":{"files":[{"path":"/a","mode":1e2}]}}',
  },
  {
    name: "multi-line positions",
    text: '{\n "ignition": {"version": "3.3.0"},\n "storage": {\n  "files": [{"path": "ä/x"}]}}',
  },
  { name: "string into int", versions: ALL, config: files(file("/a", { mode: "420" })) },
  { name: "float into int", versions: ALL, config: files(file("/a", { mode: 1.5 })) },
  { name: "huge int", versions: ALL, config: files(file("/a", { user: { id: 1e30 } })) },
  { name: "number into string", versions: ALL, config: files(file(1 as unknown as string)) },
  { name: "object into list", versions: ALL, config: { storage: { files: { path: "/a" } } } },
  { name: "string into bool", versions: ALL, config: files(file("/a", { overwrite: "true" })) },
  { name: "number into struct", versions: ALL, config: files(file("/a", { user: 5 })) },
  {
    name: "number into named string list",
    versions: ["3.3.0", "3.4.0"],
    config: { kernelArguments: { shouldExist: [1] } },
  },
  {
    name: "case-insensitive key is used and warned",
    versions: ALL,
    config: files({ PATH: "rel" }),
  },
  { name: "unknown keys", versions: ALL, config: { foo: 1, storage: { bar: { baz: 1 } } } },
  {
    name: "null values",
    versions: ALL,
    config: { storage: { files: [null, file("/a", { mode: null, user: null })] } },
  },
  { name: "null section", versions: ALL, config: { storage: null } },

  // Schema differences between versions: every field of every version
  {
    name: "every field",
    versions: [...ALL],
    config: {
      ignition: {
        config: {
          merge: [{
            source: "https://e/x",
            httpHeaders: [{ name: "a", value: "b" }],
            compression: "",
            verification: {},
          }],
          replace: { source: "data:," },
        },
        proxy: { httpProxy: "http://p", httpsProxy: "https://p", noProxy: ["a"] },
        security: { tls: { certificateAuthorities: [{ source: "data:," }] } },
        timeouts: { httpResponseHeaders: 1, httpTotal: 1 },
      },
      kernelArguments: { shouldExist: ["a"], shouldNotExist: ["b"] },
      passwd: {
        users: [{
          name: "u",
          gecos: "",
          groups: [],
          homeDir: "/h",
          noCreateHome: false,
          noLogInit: false,
          noUserGroup: false,
          passwordHash: "",
          primaryGroup: "",
          shell: "",
          sshAuthorizedKeys: [],
          system: false,
          uid: 1,
          shouldExist: true,
        }],
        groups: [{ name: "g", gid: 1, passwordHash: "", system: false, shouldExist: true }],
      },
      storage: {
        directories: [{
          path: "/d",
          overwrite: false,
          mode: 493,
          user: { id: 0 },
          group: { name: "root" },
        }],
        disks: [{
          device: "/dev/sda",
          wipeTable: false,
          partitions: [{
            number: 1,
            label: "l",
            guid: "",
            typeGuid: "",
            sizeMiB: 1,
            startMiB: 1,
            wipePartitionEntry: false,
            shouldExist: true,
            resize: false,
          }],
        }],
        files: [
          file("/f", {
            overwrite: false,
            mode: 420,
            append: [{ source: "data:," }],
            contents: { source: "data:," },
          }),
          file("/g", { contents: { source: "s3://b/k" } }),
          file("/h", { contents: { source: "gs://b/k" } }),
          file("/i", { contents: { source: "arn:aws:s3:::b/k" } }),
          file("/j", { contents: { source: "tftp://h/k" } }),
          file("/k", {
            contents: { source: "http://h/k", verification: { hash: `sha256-${"0".repeat(64)}` } },
          }),
          file("/l", { contents: { source: "s3://b/k?versionId=x" } }),
        ],
        filesystems: [{
          device: "/dev/sda1",
          format: "ext4",
          label: "x",
          mountOptions: ["a"],
          options: ["b"],
          path: "/p",
          uuid: "u",
          wipeFilesystem: false,
        }],
        links: [{ path: "/ln", target: "/t", hard: false, overwrite: false }],
        luks: [
          {
            name: "r",
            device: "/dev/sdb",
            keyFile: { source: "data:," },
            label: "l",
            uuid: "u",
            options: ["o"],
            wipeVolume: false,
            clevis: { tpm2: true, threshold: 1, tang: [{ url: "http://t", thumbprint: "x" }] },
          },
          {
            name: "s",
            device: "/dev/sdc",
            clevis: { custom: { pin: "tpm2", config: "{}", needsNetwork: false } },
          },
        ],
        raid: [{
          name: "m",
          level: "raid1",
          devices: ["/dev/a", "/dev/b"],
          spares: 0,
          options: ["x"],
        }],
      },
      systemd: {
        units: [unit("a.service", {
          enabled: false,
          mask: false,
          contents: "[Unit]\n",
          dropins: [{ name: "a.conf", contents: "[Unit]\n" }],
        })],
      },
    },
  },
  {
    name: "3.4.0 luks fields",
    config: {
      storage: {
        luks: [{
          name: "r",
          device: "/dev/sdb",
          discard: true,
          openOptions: ["--a"],
          clevis: { tang: [{ url: "http://t", thumbprint: "x", advertisement: "{}" }] },
        }],
      },
    },
    older: [
      "warning at $.storage.luks.0.discard: Unused key discard",
      "warning at $.storage.luks.0.openOptions: Unused key openOptions",
      "warning at $.storage.luks.0.clevis.tang.0.advertisement: Unused key advertisement",
    ],
  },

  // Resources and URLs
  { name: "invalid compression", versions: ALL, config: src("data:,a", { compression: "xz" }) },
  {
    name: "verification without source",
    versions: ALL,
    config: files(file("/f", { contents: { verification: { hash: `sha512-${hash512}` } } })),
  },
  {
    name: "hash malformed",
    versions: ALL,
    config: src("http://h/x", { verification: { hash: "abc" } }),
  },
  {
    name: "hash unknown function",
    versions: ALL,
    config: src("http://h/x", { verification: { hash: "md5-abc" } }),
  },
  {
    name: "hash wrong size",
    versions: ALL,
    config: src("http://h/x", { verification: { hash: "sha256-abc" } }),
  },
  {
    name: "hash empty sum",
    versions: ALL,
    config: src("http://h/x", { verification: { hash: "sha512-" } }),
  },
  {
    name: "hash sha512 ok",
    versions: ALL,
    config: src("http://h/x", { verification: { hash: `sha512-${hash512}` } }),
  },
  { name: "ftp scheme", versions: ALL, config: src("ftp://x/y") },
  { name: "no scheme", versions: ALL, config: src("x") },
  { name: "empty source", versions: ALL, config: src("") },
  { name: "upper-case scheme", versions: ALL, config: src("HTTP://x") },
  { name: "url with bad ipv6 host", versions: ALL, config: src("http://[::1") },
  { name: "url with bad port", versions: ALL, config: src("http://h:x/") },
  { name: "url with bad escape", versions: ALL, config: src("http://h/%zz") },
  { name: "url with bad fragment", versions: ALL, config: src("http://h/a#%z") },
  { name: "url missing scheme", versions: ALL, config: src(":x") },
  { name: "url colon in first segment", versions: ALL, config: src("a:b/c:d") },
  { name: "url control character", versions: ALL, config: src("http://h/\u0001") },
  { name: "url bad userinfo", versions: ALL, config: src("http://a b@h/") },
  { name: "url bad host character", versions: ALL, config: src("http://h{x}/") },
  { name: "s3 empty versionId", versions: ALL, config: src("s3://b/k?versionId=") },
  { name: "s3 bare versionId", versions: ALL, config: src("s3://b/k?versionId") },
  {
    name: "s3 first versionId empty",
    versions: ALL,
    config: src("s3://b/k?versionId=&versionId=x"),
  },
  { name: "arn bucket only", versions: ALL, config: src("arn:aws:s3:::b") },
  { name: "arn not s3", versions: ALL, config: src("arn:aws:iam::123:role/x") },
  { name: "arn too few sections", versions: ALL, config: src("arn:aws:s3:b/k") },
  {
    name: "arn access point",
    versions: ALL,
    config: src("arn:aws:s3:us-east-1:1:accesspoint/ap/object/k"),
  },
  {
    name: "arn access point short",
    versions: ALL,
    config: src("arn:aws:s3:us-east-1:1:accesspoint/ap"),
  },
  { name: "arn empty versionId", versions: ALL, config: src("arn:aws:s3:::b/k?versionId=") },
  { name: "gs", versions: ALL, config: src("gs://b/k") },
  { name: "data url plain", versions: ALL, config: src("data:,hello%20world") },
  { name: "data url bad base64 character", versions: ALL, config: src("data:;base64,%%%") },
  { name: "data url short base64", versions: ALL, config: src("data:;base64,YQ") },
  { name: "data url base64 bad padding", versions: ALL, config: src("data:;base64,Y===") },
  { name: "data url base64 trailing", versions: ALL, config: src("data:;base64,YQ==YQ==") },
  { name: "data url base64 ok", versions: ALL, config: src("data:;base64,YWJj") },
  { name: "data url truncated escape", versions: ALL, config: src("data:,a%") },
  { name: "data url bad escape", versions: ALL, config: src("data:,a%zz") },
  { name: "data url space", versions: ALL, config: src("data:,a b") },
  { name: "data url hash sign", versions: ALL, config: src("data:,a#b") },
  { name: "data url no comma", versions: ALL, config: src("data:text/plain") },
  { name: "data url media type", versions: ALL, config: src("data:text/plain;charset=utf-8,x") },
  { name: "data url bad media type", versions: ALL, config: src("data:foo/bar,x") },
  { name: "data url x- media type", versions: ALL, config: src("data:x-foo/bar,x") },
  { name: "data url bad subtype char", versions: ALL, config: src("data:text/pl(ain,x") },
  { name: "data url incomplete media type", versions: ALL, config: src("data:text/plain") },
  { name: "data url bad parameter", versions: ALL, config: src("data:;=,x") },
  { name: "data url quoted parameter", versions: ALL, config: src('data:text/plain;a="b c",x') },
  { name: "data url param bad escape", versions: ALL, config: src("data:text/plain;a=%zz,x") },
  { name: "data url not base64", versions: ALL, config: src("data:;base65,x") },
  { name: "data url non-ascii", versions: ALL, config: src("data:,é") },
  {
    name: "http headers on data",
    versions: FROM1,
    config: src("data:,a", { httpHeaders: [{ name: "a", value: "b" }] }),
  },
  {
    name: "http headers without source",
    versions: FROM1,
    config: files(file("/f", { contents: { httpHeaders: [{ name: "a", value: "b" }] } })),
  },
  {
    name: "http header name and value",
    versions: FROM1,
    config: src("http://h/x", {
      httpHeaders: [{ name: "", value: "b" }, { name: "c", value: "" }, { name: "c" }],
    }),
  },
  {
    name: "merge and CA need a source",
    versions: ALL,
    config: {
      ignition: {
        config: { merge: [{}, { source: "ftp://x" }], replace: { source: "x" } },
        security: { tls: { certificateAuthorities: [{}] } },
      },
    },
  },
  {
    name: "duplicate merge sources",
    versions: ALL,
    config: { ignition: { config: { merge: [{ source: "data:," }, { source: "data:," }] } } },
  },

  // Proxy
  {
    name: "proxy schemes",
    versions: FROM1,
    config: {
      ignition: { proxy: { httpProxy: "ftp://x", httpsProxy: "http://p", noProxy: ["a", "a"] } },
    },
  },
  {
    name: "proxy unparsable",
    versions: FROM1,
    config: { ignition: { proxy: { httpProxy: "%zz", httpsProxy: "https://p" } } },
  },
  {
    name: "proxy empty",
    versions: FROM1,
    config: { ignition: { proxy: { httpProxy: "", httpsProxy: "" } } },
  },

  // Nodes
  {
    name: "node paths and duplicates",
    versions: ALL,
    config: {
      storage: {
        files: [
          file("/a//b/"),
          file(""),
          file("/a"),
          file("/a"),
          file("/x/../y"),
          file("/."),
          file("rel"),
        ],
        directories: [file("/a")],
      },
    },
  },
  {
    name: "modes",
    versions: ALL,
    config: files(
      file("/a", { mode: 99999 }),
      file("/b", { mode: -1 }),
      file("/c", { mode: 0o4755 }),
      file("/d", { mode: 0o1777 }),
    ),
  },
  {
    name: "directory modes",
    versions: ALL,
    config: {
      storage: { directories: [file("/a", { mode: 0o10000 }), file("/b", { mode: 0o2755 })] },
    },
  },
  {
    name: "overwrite without source",
    versions: ALL,
    config: files(
      file("/a", { overwrite: true }),
      file("/b", { overwrite: true, contents: { source: "" } }),
    ),
  },
  {
    name: "user and group id and name",
    versions: ALL,
    config: files(
      file("/a", { user: { id: 1, name: "x" }, group: { id: 1, name: "y" } }),
      file("/b", { user: { id: 1, name: "" } }),
    ),
  },
  {
    name: "links",
    versions: ALL,
    config: {
      storage: {
        links: [
          file("/l"),
          file("/l2", { target: "" }),
          file("/h", { target: "/d", hard: true }),
          file("/h2", { target: "../d", hard: true }),
          file("/h3", { target: "d", hard: true }),
        ],
        directories: [file("/d"), file("/l/x"), file("/h3/d")],
        files: [file("/l/y"), file("/l2/z")],
      },
    },
  },
  {
    name: "link under link",
    versions: ALL,
    config: { storage: { links: [file("/l", { target: "/x" }), file("/l/z", { target: "/y" })] } },
  },
  {
    name: "hard link with owner",
    versions: ALL,
    config: {
      storage: {
        links: [file("/h", { target: "/t", hard: true, user: { id: 0 }, group: { name: "g" } })],
      },
    },
    newer: [
      "warning at $.storage.links.0.user.id: user/group ignored for hard link",
      "warning at $.storage.links.0.group.name: user/group ignored for hard link",
    ],
  },
  {
    name: "paths conflicting with units",
    versions: ALL,
    config: {
      storage: {
        files: [file("/etc/systemd/system/a.service")],
        directories: [file("/etc/systemd/system/a.service.d/x.conf")],
        links: [file("/etc/systemd/system/b.service", { target: "/dev/null" })],
      },
      systemd: {
        units: [
          unit("a.service", {
            contents: "[Unit]\n",
            dropins: [{ name: "x.conf", contents: "[Unit]\n" }],
          }),
          unit("b.service", { contents: "" }),
        ],
      },
    },
    newer: [
      "error at $.storage.files.0.path: path conflicts with systemd unit or dropin",
      "error at $.storage.directories.0.path: path conflicts with systemd unit or dropin",
    ],
  },

  // Disks and partitions
  {
    name: "disks",
    versions: ALL,
    config: {
      storage: {
        disks: [
          { device: "" },
          { device: "dev/sda" },
          {
            device: "/dev/sdb",
            partitions: [
              { number: 1, startMiB: 0, sizeMiB: 100 },
              { number: 1 },
              { number: 2, startMiB: 50, sizeMiB: 100 },
              { label: "x", startMiB: 1000 },
              { label: "x" },
            ],
          },
        ],
      },
    },
  },
  {
    name: "partitions",
    versions: ALL,
    config: {
      storage: {
        disks: [{
          device: "/dev/sdb",
          partitions: [
            { number: 1, shouldExist: false, label: "a" },
            { number: 0 },
            { label: "0123456789012345678901234567890123456", number: 3 },
            { label: "a:b", number: 4 },
            { number: 5, guid: "zz", typeGuid: "zz" },
            { number: 6, guid: "01234567-89ab-CDEF-EDCB-A98765432101" },
          ],
        }],
      },
    },
  },
  {
    name: "partitions overlap",
    versions: ALL,
    config: {
      storage: {
        disks: [{
          device: "/dev/sda",
          partitions: [
            { number: 1, startMiB: 2048, sizeMiB: 100 },
            { number: 2, startMiB: 2100, sizeMiB: 10 },
            { number: 3, startMiB: 5000, sizeMiB: 0 },
          ],
        }],
      },
    },
  },
  {
    name: "shouldExist false with zero partition",
    versions: ALL,
    config: {
      storage: {
        disks: [{
          device: "/dev/sdb",
          partitions: [{ number: 1, shouldExist: false }, { label: "z" }],
        }],
      },
    },
  },
  {
    name: "shouldExist false alone",
    versions: ALL,
    config: {
      storage: {
        disks: [{
          device: "/dev/sdb",
          partitions: [{ number: 1, shouldExist: false }, { number: 2, sizeMiB: 0, startMiB: 5 }],
        }],
      },
    },
  },

  // Filesystems
  {
    name: "filesystems",
    versions: ALL,
    config: {
      storage: {
        filesystems: [
          { device: "/dev/a", format: "zfs" },
          { device: "/dev/b", path: "/x" },
          { device: "/dev/c", label: "l" },
          { device: "/dev/d", format: "ext4", label: "01234567890123456" },
          { device: "/dev/e", format: "xfs", label: "0123456789012" },
          { device: "/dev/f", format: "vfat", label: "012345678901" },
          { device: "/dev/g", format: "swap", label: "0123456789012345" },
          { device: "/dev/h", format: "btrfs", path: "rel" },
          { device: "/dev/i", wipeFilesystem: true },
          { device: "/dev/j", options: ["a"] },
          { device: "/dev/k", uuid: "u" },
          { device: "" },
          { device: "/dev/l", format: "none", label: "x".repeat(300) },
          { device: "/dev/m", format: "ext4", path: "" },
          { device: "/dev/n", format: "", label: "" },
        ],
      },
    },
  },
  {
    name: "filesystem mount options need a format",
    versions: FROM1,
    config: { storage: { filesystems: [{ device: "/dev/a", mountOptions: ["x"] }] } },
  },
  {
    name: "filesystems over disks",
    versions: ALL,
    config: {
      storage: {
        disks: [{ device: "/dev/sda", partitions: [{ number: 1 }] }, {
          device: "/dev/sdb",
          wipeTable: true,
        }],
        filesystems: [
          { device: "/dev/sda", format: "ext4" },
          { device: "/dev/sdb", format: "ext4" },
          { device: "/dev/sdb", format: "ext4", wipeFilesystem: true },
        ],
      },
    },
    newer: [
      "warning at $.storage.filesystems.0.device: filesystem overwrites partitioned device",
      "warning at $.storage.filesystems.1.device: device matches disk with wipeTable enabled; filesystem will be wiped",
    ],
  },

  // RAID
  {
    name: "raid",
    versions: ALL,
    config: {
      storage: {
        raid: [
          { name: "a" },
          { name: "b", level: "raid0", devices: ["/dev/a"], spares: 1 },
          { name: "c", level: "raid7", devices: ["/dev/a", "/dev/a"] },
          { name: "d", level: "linear", devices: ["rel"] },
          { name: "a", level: "1", devices: ["/dev/x"] },
          { name: "e", level: "", devices: ["/dev/x"] },
          { name: "f", level: "stripe", spares: 0, devices: ["/dev/x"] },
          { name: "g", level: "10", spares: 2, devices: ["/dev/x"] },
        ],
      },
    },
  },

  // LUKS, clevis, tang
  {
    name: "luks",
    versions: FROM2,
    config: {
      storage: {
        luks: [
          { name: "a/b", device: "/dev/a" },
          { name: "c", label: "x".repeat(48) },
          {
            name: "d",
            device: "rel",
            clevis: { custom: { pin: "tpm2", config: "x" }, tpm2: true },
          },
          { name: "e", device: "/dev/e", clevis: { custom: { pin: "x" } } },
          { name: "f", device: "/dev/f", clevis: { custom: { needsNetwork: true } } },
          { name: "g", device: "/dev/g", keyFile: { source: "ftp://x" } },
          {
            name: "h",
            device: "/dev/h",
            clevis: {
              tang: [{ url: "ftp://x" }, { url: "http://t", thumbprint: "a" }, {
                url: "http://t",
                thumbprint: "b",
              }, { url: "%zz", thumbprint: "c" }],
            },
          },
          {
            name: "i",
            device: "/dev/i",
            clevis: { threshold: 2, custom: { config: "x", pin: "tpm2" } },
          },
          { name: "j", device: "/dev/j", clevis: { tpm2: true, custom: { config: "x" } } },
          { name: "k", device: "/dev/k", clevis: { tpm2: true, custom: { pin: "" } } },
          { name: "l", device: "/dev/l", clevis: { tpm2: true, custom: { needsNetwork: false } } },
          { name: "a/b", device: "" },
        ],
      },
    },
  },
  {
    name: "tang advertisement must be JSON",
    config: {
      storage: {
        luks: [{
          name: "h",
          device: "/dev/h",
          clevis: { tang: [{ url: "http://t", thumbprint: "a", advertisement: "{" }] },
        }],
      },
    },
    newer: [
      "error at $.storage.luks.0.clevis.tang.0.advertisement: advertisement is not valid JSON",
    ],
    older: ["warning at $.storage.luks.0.clevis.tang.0.advertisement: Unused key advertisement"],
  },
  {
    name: "luks open options duplicates",
    config: { storage: { luks: [{ name: "h", device: "/dev/h", openOptions: ["a", "a"] }] } },
    newer: ["error at $.storage.luks.0.openOptions.1: duplicate entry defined"],
    older: ["warning at $.storage.luks.0.openOptions: Unused key openOptions"],
  },

  // Passwd and kernel arguments
  {
    name: "passwd duplicates",
    versions: ALL,
    config: {
      passwd: {
        users: [{ name: "a", sshAuthorizedKeys: ["k", "k"], groups: ["g", "g"] }, { name: "a" }, {
          name: "",
        }],
        groups: [{ name: "g" }, { name: "g" }, { name: "" }],
      },
    },
  },
  {
    name: "kernel arguments share one key space",
    versions: ["3.3.0", "3.4.0"],
    config: { kernelArguments: { shouldExist: ["a", "b", "a"], shouldNotExist: ["b"] } },
  },
  {
    name: "storage duplicates",
    versions: FROM2,
    config: {
      storage: {
        disks: [{ device: "/dev/a" }, { device: "/dev/a" }],
        filesystems: [{ device: "/dev/b", format: "ext4" }, { device: "/dev/b", format: "ext4" }],
        links: [file("/l", { target: "/x" }), file("/l", { target: "/y" })],
        luks: [{ name: "x", device: "/dev/c" }, { name: "x", device: "/dev/d" }],
        files: [file("/f", { append: [{ source: "data:,a" }, { source: "data:,a" }] })],
      },
    },
  },

  // Systemd
  {
    name: "units",
    versions: ALL,
    config: {
      systemd: {
        units: [
          unit("a.foo"),
          unit("b.service", { contents: "[Unit" }),
          unit("c.service", { enabled: true, contents: "[Unit]\nA=b\n" }),
          unit("d.service", { dropins: [{ name: "x" }, { name: "y.conf", contents: "[A]\nfoo" }] }),
          unit("e.service", { enabled: true, contents: "[Unit]\n" }),
          unit("f.service", { enabled: true, contents: "[Install]\n" }),
          unit("g.service", { enabled: true, contents: "" }),
          unit("h.service", { enabled: true, contents: "# only a comment\n" }),
          unit("i.service", { contents: "[Unit]\nDescription=x\n[Service]garbage\n" }),
          unit("j.service", { contents: "[Unit]\nfoo\nbar=1\n" }),
          unit("k.service", { contents: "[Unit]\nA=b\\\n" }),
          unit("l.service", {
            enabled: true,
            contents: "[Service]\nExecStart=/x\n[Install]\nWantedBy=multi-user.target\n",
          }),
          unit("m", { enabled: true }),
          unit("n.timer", { mask: true }),
          unit("c.service"),
          unit("o.service", { dropins: [{ name: "a.conf" }, { name: "a.conf" }] }),
          unit("p.service", { contents: "[Unit]\r\nA=b\r\n; comment \\\n more\n[X] \n" }),
          unit("q.service", { contents: "[Unit]\n=novalue\n  A  =  b  \n" }),
          unit("r.service", { contents: "[Unit]\nA=" + "x".repeat(3000) + "\n" }),
          unit("s.service", {
            contents: "[Unit]\n" + "A=b\n".repeat(600) + "B=" + "y".repeat(2100) + "\n",
          }),
          unit("t.service", { contents: "[Unit]\n#" + "z".repeat(2100) + "\nA=b\n" }),
          unit("u.service", { contents: "[Ü]\nÄ=ö\n" }),
          unit("v.service", { contents: "x".repeat(2050) }),
        ],
      },
    },
  },
  {
    name: "template unit without install section",
    versions: ALL,
    config: {
      systemd: {
        units: [
          unit("t@.service", { contents: "[Unit]\nA=b\n" }),
          unit("t@a.service", { enabled: true }),
          unit("t@b.service", { enabled: false }),
          unit("u@.service", { contents: "[Install]\nWantedBy=x\n" }),
          unit("u@a.service", { enabled: true }),
        ],
      },
    },
    newer: [
      'warning at $.systemd.units.1.contents: template unit "t@.service" for "t@a.service" doesn\'t have Install section',
    ],
  },
];

/** The exact decimal text of `MAX`, `MIN`, `2^53+1`, `2^63-0o1000`... (past what doubles hold). */
function bigText(v: string): string {
  if (v === "MAX") return String(2n ** 63n - 1n);
  if (v === "MIN") return String(-(2n ** 63n));
  const [, exp, sign, offset] = /^2\^(\d+)(?:([-+])(.+))?$/.exec(v)!;
  const base = 2n ** BigInt(exp);
  const d = offset === undefined ? 0n : BigInt(offset);
  return String(sign === "-" ? base - d : base + d);
}

const VERSION_214: Record<string, string> = { "3.4.0": "3.4.0-experimental" };

function textFor(probe: Probe, version: string): string {
  if (probe.text !== undefined) return probe.text;
  const cfg = structuredClone(probe.config!) as Record<string, Record<string, unknown>>;
  cfg.ignition = { version, ...(cfg.ignition ?? {}) };
  // One key per line: rewriting the version for 2.14 only moves columns on its own line.
  return JSON.stringify(cfg, null, 1);
}

async function ignitionValidate(text: string): Promise<string[]> {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/c.ign`, text);
    const out = await new Deno.Command(VALIDATE, {
      args: [`${dir}/c.ign`],
      stdout: "piped",
      stderr: "piped",
    })
      .output();
    const lines = new TextDecoder().decode(out.stdout).split("\n").filter((l) => l !== "");
    for (const l of new TextDecoder().decode(out.stderr).split("\n")) {
      const m = /^couldn't parse config: (.*)$/.exec(l);
      if (m) lines.push(`error: ${m[1]}`);
    }
    const hasError = lines.some((l) => l.startsWith("error"));
    assert.equal(out.success, !hasError, `exit status disagrees with report: ${lines.join("\n")}`);
    return lines;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const stripPosition = (l: string) => l.replace(/, line \d+ col \d+:/, ":");
const sorted = (a: string[]) => [...a].sort();

Deno.test("ignition-validate is installed for the differential test", async () => {
  const stat = await Deno.stat(VALIDATE).catch(() => undefined);
  assert.ok(stat?.isFile, `${VALIDATE} is missing: apt-get install ignition (scripts/setup.sh)`);
});

for (const probe of probes) {
  for (const version of probe.text !== undefined ? ["raw"] : probe.versions ?? ["3.4.0"]) {
    Deno.test(`validator agrees with ignition-validate: ${probe.name} (${version})`, async () => {
      const text = textFor(probe, version);
      const ours = parseIgnitionText(text).findings.map((f) => formatFinding(f));
      const version214 = VERSION_214[version];
      const theirs = await ignitionValidate(
        version214 ? text.replace(`"version": "${version}"`, `"version": "${version214}"`) : text,
      );
      const newer = probe.newer ?? [];
      const older = version === "3.4.0" ? probe.older ?? [] : [];
      for (const line of newer) {
        assert.ok(
          ours.some((l) => stripPosition(l) === line),
          `we should report: ${line}\n${ours.join("\n")}`,
        );
        assert.ok(!theirs.some((l) => stripPosition(l) === line), `2.14 now reports: ${line}`);
      }
      for (const line of older) {
        assert.ok(theirs.some((l) => stripPosition(l) === line), `2.14 should report: ${line}`);
      }
      assert.deepEqual(
        sorted(ours.filter((l) => !newer.includes(stripPosition(l)))),
        sorted(theirs.filter((l) => !older.includes(stripPosition(l)))),
      );
    });
  }
}

Deno.test("validateIgnition takes a parsed object and reports paths", () => {
  const findings = validateIgnition({
    ignition: { version: "3.4.0" },
    storage: { files: [{ path: "etc/x", mode: 0o644 }] },
    systemd: { units: [{ name: "x.service", enabled: true, contents: "[Unit]\n" }] },
  });
  assert.deepEqual(findings, [
    { severity: "error", path: ["storage", "files", 0, "path"], message: "path not absolute" },
    {
      severity: "warning",
      path: ["systemd", "units", 0, "contents"],
      message: 'unit "x.service" is enabled, but has no install section so enable does nothing',
    },
  ]);
});

Deno.test("validateIgnition puts a type error at the offending value's path", () => {
  const findings = validateIgnition({
    ignition: { version: "3.4.0" },
    storage: { files: [{ path: "/a", mode: "0644" }] },
  });
  assert.deepEqual(findings, [{
    severity: "error",
    path: ["storage", "files", 0, "mode"],
    message:
      "json: cannot unmarshal string into Go struct field File.storage.files.mode of type int",
  }]);
});

Deno.test("validateDecoded finds what validateIgnition finds in a config as butane makes one", () => {
  const made = {
    ignition: { version: "3.4.0" },
    storage: {
      files: [{ path: "etc/x", mode: 0o644 }, { path: "/a", mode: 2 ** 40 }, { path: "/a" }],
      disks: [{ device: "/dev/vda", partitions: [{ number: 1, sizeMiB: 0 }] }],
    },
    systemd: { units: [{ name: "x.service", enabled: true, contents: "[Unit]\n" }] },
  };
  for (const duplicatesFirst of [true, false]) {
    const findings = validateDecoded(made, { duplicatesFirst });
    assert.deepEqual(findings, validateIgnition(made, { duplicatesFirst }));
    assert.equal(findings.length, 4, JSON.stringify(findings));
  }
  // Anything Ignition's decoder would not give back as it is takes its way: a null (its own
  // warning), an int that is not exact, an int of a double's range as a bigint, a version
  // it does not know.
  const others: Record<string, unknown>[] = [
    { ignition: { version: "3.4.0" }, storage: null },
    { ignition: { version: "3.4.0" }, storage: { files: [{ path: "/a", mode: 1.5 }] } },
    { ignition: { version: "3.4.0" }, storage: { files: [{ path: "a", mode: 420n }] } },
    { ignition: { version: "3.6.0" }, storage: { files: [{ path: "a" }] } },
  ];
  for (const config of others) {
    const findings = validateDecoded(config);
    assert.deepEqual(findings, validateIgnition(config));
    assert.ok(findings.length > 0, JSON.stringify(config, (_k, v) => String(v)));
  }
});

Deno.test("spec 3.5.0 knows luks cex and keeps the 3.4.0 rules", () => {
  const cfg = (version: string) => ({
    ignition: { version },
    storage: {
      luks: [{ name: "r", device: "/dev/dasda", cex: { enabled: true } }],
      files: [{ path: "/etc/systemd/system/a.service" }],
    },
    systemd: { units: [{ name: "a.service", contents: "[Unit]\n" }] },
  });
  const lines = (v: string) => validateIgnition(cfg(v)).map((f) => formatFinding(f));
  assert.deepEqual(lines("3.5.0"), [
    "error at $.storage.files.0.path: path conflicts with systemd unit or dropin",
  ]);
  assert.deepEqual(lines("3.4.0"), [
    "error at $.storage.files.0.path: path conflicts with systemd unit or dropin",
    "warning at $.storage.luks.0.cex: Unused key cex",
  ]);
});

Deno.test("spec 3.5.0 rejects cex together with clevis or a key file", () => {
  const findings = validateIgnition({
    ignition: { version: "3.5.0" },
    storage: {
      luks: [
        { name: "a", device: "/dev/dasda", cex: { enabled: true }, clevis: { tpm2: true } },
        { name: "b", device: "/dev/dasdb", cex: { enabled: true }, keyFile: { source: "data:,k" } },
        { name: "c", device: "/dev/dasdc", cex: { enabled: false }, clevis: { tpm2: true } },
        {
          name: "d",
          device: "/dev/dasdd",
          cex: { enabled: true },
          clevis: { custom: { pin: "tang", config: "{}" } },
        },
      ],
    },
  });
  assert.deepEqual(findings.map((f) => formatFinding(f)), [
    "error at $.storage.luks.0.cex: cannot use cex with clevis",
    "error at $.storage.luks.1.cex: cannot use key file with cex",
    "error at $.storage.luks.3.cex: cannot use cex with clevis",
  ]);
});

Deno.test("formatFinding prints ignition-validate's line format", () => {
  const f = {
    severity: "error" as const,
    path: ["storage", "files", 0, "path"],
    message: "path not absolute",
  };
  assert.equal(formatFinding(f), "error at $.storage.files.0.path: path not absolute");
  assert.equal(
    formatFinding(f, 1, 61),
    "error at $.storage.files.0.path, line 1 col 61: path not absolute",
  );
  assert.equal(
    formatFinding({ severity: "error", path: [], message: "unexpected end of JSON input" }, 0, 0),
    "error at line 0 col 0: unexpected end of JSON input",
  );
});
