/**
 * Rules of the Butane translator that the corpus cannot pin down byte for byte: gzip choices
 * (Go's deflate differs from zlib's), machine-specific paths, symlinks leaving the files
 * directory, Go's JSON escaping and systemd path escaping.
 */
import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import { Buffer } from "node:buffer";
import {
  formatReportEntry,
  serializeIgnition,
  translateButaneDocument,
  translateButaneText,
} from "../../src/butane/mod.ts";
import { escapeUnitPath } from "../../src/butane/base/mount_units.ts";
import { parseYamlInt } from "../../src/butane/decode.ts";
import { looksDecimal } from "../../src/butane/base/validate.ts";
import { quote } from "../../src/butane/serialize.ts";

const HEAD = "variant: fcos\nversion: 1.5.0\n";

// deno-lint-ignore no-explicit-any
type Ign = any;

function lines(result: { report: Parameters<typeof formatReportEntry>[0][] }): string[] {
  return result.report.map(formatReportEntry);
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "iago-butane-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("compressible inline contents become gzip with Go's header and decode to the text", async () => {
  const text = "a".repeat(300);
  const r = await translateButaneText(
    HEAD + `storage:\n  files:\n    - path: /a\n      contents:\n        inline: ${text}\n`,
  );
  assert.ok(r.ok);
  const contents = (r.ignition as Ign).storage.files[0].contents;
  assert.equal(contents.compression, "gzip");
  assert.match(contents.source, /^data:;base64,/);
  const gz = Buffer.from(contents.source.slice("data:;base64,".length), "base64");
  assert.deepEqual([...gz.subarray(0, 10)], [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 0xff]);
  assert.equal(gunzipSync(gz).toString(), text);
});

Deno.test("a user-chosen compression is kept and the bytes are not compressed again", async () => {
  const r = await translateButaneText(
    HEAD +
      `storage:\n  files:\n    - path: /a\n      contents:\n        compression: gzip\n        inline: ${
        "b".repeat(300)
      }\n`,
  );
  const contents = (r.ignition as Ign).storage.files[0].contents;
  assert.equal(contents.compression, "gzip");
  assert.equal(contents.source, "data:," + "b".repeat(300));
});

Deno.test("binary local files are percent-encoded per byte or base64-encoded", async () => {
  await withDir(async (dir) => {
    await Deno.writeFile(`${dir}/short`, new Uint8Array([0xff, 0x00, 0x41]));
    await Deno.writeFile(`${dir}/long`, new Uint8Array([0xff, 0xfe, 0xfd, 0x80, 0x81, 0x82]));
    const r = await translateButaneText(
      HEAD + "storage:\n  files:\n    - path: /a\n      contents:\n        local: short\n" +
        "    - path: /b\n      contents:\n        local: long\n",
      { filesDir: dir },
    );
    const files = (r.ignition as Ign).storage.files;
    assert.equal(files[0].contents.source, "data:,%FF%00A");
    assert.equal(files[1].contents.source, "data:;base64,//79gIGC");
  });
});

Deno.test("local paths that climb out of the files directory are refused", async () => {
  await withDir(async (dir) => {
    await Deno.mkdir(`${dir}/files`);
    await Deno.writeTextFile(`${dir}/secret`, "s3cret");
    const r = await translateButaneText(
      HEAD + "storage:\n  files:\n    - path: /a\n      contents:\n        local: ../secret\n",
      { filesDir: `${dir}/files` },
    );
    assert.equal(r.ok, false);
    assert.deepEqual(lines(r), [
      "error at $.storage.files.0.contents.local, line 7 col 16: local file path traverses outside the files directory",
    ]);
  });
});

/** A files directory whose links lead out of it: to a file, to a directory, inside a tree. */
async function linksOut(dir: string): Promise<string> {
  await Deno.mkdir(`${dir}/files/sub`, { recursive: true });
  await Deno.mkdir(`${dir}/outside/inner`, { recursive: true });
  await Deno.writeTextFile(`${dir}/outside/secret`, "outside secret\n");
  await Deno.writeTextFile(`${dir}/outside/inner/f`, "in\n");
  await Deno.writeTextFile(`${dir}/files/sub/a`, "hi\n");
  await Deno.symlink("../outside/secret", `${dir}/files/link`);
  await Deno.symlink("../outside", `${dir}/files/dirlink`);
  await Deno.symlink("../../outside/secret", `${dir}/files/sub/lnk`);
  return HEAD +
    "storage:\n  files:\n    - path: /etc/a\n      contents:\n        local: link\n" +
    "    - path: /etc/b\n      contents:\n        local: dirlink/secret\n" +
    "  trees:\n    - local: sub\n      path: /t\n    - local: dirlink\n      path: /u\n" +
    "    - local: dirlink/inner\n      path: /v\n";
}

Deno.test("symlinks leading out of the files directory are followed, as butane does", async () => {
  await withDir(async (dir) => {
    const r = await translateButaneText(await linksOut(dir), { filesDir: `${dir}/files` });
    assert.deepEqual(lines(r), []);
    // butane v0.23.0 -d files, byte for byte.
    assert.equal(
      r.json,
      '{"ignition":{"version":"3.4.0"},"storage":{"files":[' +
        '{"path":"/etc/a","contents":{"compression":"","source":"data:,outside%20secret%0A"}},' +
        '{"path":"/etc/b","contents":{"compression":"","source":"data:,outside%20secret%0A"}},' +
        '{"path":"/t/a","contents":{"compression":"","source":"data:,hi%0A"},"mode":420},' +
        '{"path":"/v/f","contents":{"compression":"","source":"data:,in%0A"},"mode":420}],' +
        '"links":[{"path":"/t/lnk","target":"../../outside/secret"},' +
        '{"path":"/u","target":"../outside"}]}}\n',
    );
  });
});

Deno.test("with localFilesInside, what is read through a symlink out of the files directory is refused", async () => {
  await withDir(async (dir) => {
    const r = await translateButaneText(await linksOut(dir), {
      filesDir: `${dir}/files`,
      filesDirShown: "config/scripts",
      localFilesInside: true,
    });
    assert.equal(r.ok, false);
    assert.equal(r.json, undefined);
    assert.ok(!lines(r).join("\n").includes("outside secret"));
    const why =
      "copy the file into config/scripts instead (iago ignite reads local files only from there)";
    assert.deepEqual(lines(r), [
      `error at $.storage.files.0.contents.local, line 7 col 16: config/scripts/link leads out of config/scripts through a symlink (to ${dir}/outside/secret): ${why}`,
      `error at $.storage.files.1.contents.local, line 10 col 16: config/scripts/dirlink/secret leads out of config/scripts through a symlink (to ${dir}/outside/secret): ${why}`,
      // A tree whose root is a link is that link: nothing is read through it.
      `error at $.storage.trees.2, line 16 col 7: config/scripts/dirlink/inner leads out of config/scripts through a symlink (to ${dir}/outside/inner): ${why}`,
    ]);
  });
});

Deno.test("a missing local file is reported with Go's open error", async () => {
  await withDir(async (dir) => {
    const r = await translateButaneText(
      HEAD + "systemd:\n  units:\n    - name: a.service\n      contents_local: nope.service\n",
      { filesDir: dir },
    );
    assert.deepEqual(lines(r), [
      `error at $.systemd.units.0.contents_local, line 6 col 23: open ${dir}/nope.service: no such file or directory`,
    ]);
  });
});

Deno.test("a files directory that is a file is reported with Go's wording, no os error number", async () => {
  await withDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/plain`, "x");
    const r = await translateButaneText(
      HEAD + "systemd:\n  units:\n    - name: a.service\n      contents_local: a.service\n",
      { filesDir: `${dir}/plain` },
    );
    assert.deepEqual(lines(r), [
      `error at $.systemd.units.0.contents_local, line 6 col 23: open ${dir}/plain/a.service: not a directory`,
    ]);
  });
});

Deno.test("trees report a file root, clashing contents and special files", async () => {
  await withDir(async (dir) => {
    await Deno.mkdir(`${dir}/t/etc`, { recursive: true });
    await Deno.writeTextFile(`${dir}/t/etc/a`, "x");
    await Deno.writeTextFile(`${dir}/plain`, "x");
    const fifo = await new Deno.Command("mkfifo", { args: [`${dir}/t/etc/pipe`] }).output();
    assert.ok(fifo.success);
    const r = await translateButaneText(
      HEAD +
        "storage:\n  files:\n    - path: /etc/a\n      contents:\n        inline: y\n" +
        "  trees:\n    - local: plain\n    - local: t\n",
      { filesDir: dir },
    );
    assert.deepEqual(lines(r), [
      "error at $.storage.trees.0, line 9 col 7: root of tree must be a directory",
      "error at $.storage.trees.1, line 10 col 7: matching filesystem node has existing contents or different type",
      "error at $.storage.trees.1, line 10 col 7: trees may only contain files, directories, and symlinks",
    ]);
  });
});

Deno.test("a tree whose root is a symlink becomes one link, as filepath.Walk does not follow it", async () => {
  await withDir(async (dir) => {
    await Deno.mkdir(`${dir}/real`);
    await Deno.writeTextFile(`${dir}/real/f`, "x");
    await Deno.symlink("real", `${dir}/linked`);
    const r = await translateButaneText(
      HEAD + "storage:\n  trees:\n    - local: linked\n      path: /etc/app/\n",
      { filesDir: dir },
    );
    assert.deepEqual(lines(r), []);
    assert.deepEqual((r.ignition as Ign).storage, {
      links: [{ path: "/etc/app", target: "real" }],
    });
  });
});

Deno.test("findings inside generated objects are reported at the YAML that generated them", async () => {
  await withDir(async (dir) => {
    await Deno.mkdir(`${dir}/tree`);
    await Deno.writeTextFile(`${dir}/tree/f`, "x");
    const r = await translateButaneText(
      HEAD +
        "storage:\n  trees:\n    - local: tree\n      path: etc\n" +
        "boot_device:\n  mirror:\n    devices: [sda, /dev/sdb]\n",
      { filesDir: dir },
    );
    assert.deepEqual(lines(r), [
      "error at $.boot_device.mirror.devices.0, line 9 col 15: path not absolute",
      "error at $.storage.trees.0, line 5 col 7: path not absolute",
    ]);
  });
});

Deno.test("translateButaneDocument() translates plain data and uses the given positions", async () => {
  const doc = {
    variant: "fcos",
    version: "1.5.0",
    storage: { files: [{ path: "/etc/x", mode: 0o640, contents: { inline: "hi" } }] },
    systemd: { units: [{ name: "x.service", enabled: true, extra: 1 }] },
  };
  const positions = new Map([["$.systemd.units.0.extra", { line: 7, col: 3 }]]);
  const r = await translateButaneDocument(doc, { positions });
  assert.ok(r.ok);
  assert.equal(
    r.json,
    '{"ignition":{"version":"3.4.0"},"storage":{"files":[{"path":"/etc/x","contents":{"compression":"","source":"data:,hi"},"mode":416}]},"systemd":{"units":[{"enabled":true,"name":"x.service"}]}}\n',
  );
  assert.deepEqual(lines(r), [
    "warning at $.systemd.units.0.extra, line 7 col 3: Unused key extra",
  ]);
});

Deno.test("translateButaneDocument() rejects values of the wrong type", async () => {
  const r = await translateButaneDocument({
    variant: "fcos",
    version: "1.5.0",
    passwd: { users: [{ name: "core", uid: "1000" }] },
  });
  assert.equal(r.ok, false);
  assert.deepEqual(lines(r), [
    "error at $.passwd.users.0.uid: cannot unmarshal !!str `1000` into int",
  ]);
});

Deno.test("serializeIgnition() escapes strings as Go's encoding/json does", () => {
  assert.equal(
    quote('a\bb\fc<d>e&f\u2028g\u2029h\u001bi\n\t\r"\\/'),
    String.raw`"a\u0008b\u000cc\u003cd\u003ee\u0026f\u2028g\u2029h\u001bi\n\t\r\"\\/"`,
  );
  assert.equal(quote("lone \ud800 surrogate"), '"lone \\ufffd surrogate"');
  assert.equal(quote("ü€😀"), '"ü€😀"');
});

Deno.test("serializeIgnition() orders keys as Ignition's structs and drops empty values", () => {
  const config = {
    systemd: { units: [] },
    storage: { files: [{ mode: 420, contents: { source: "data:,x" }, path: "/x", user: {} }] },
    ignition: { version: "3.4.0", config: { merge: [] } },
    passwd: { users: [{ uid: 1, name: "a", sshAuthorizedKeys: ["k"], shell: "/bin/sh" }] },
  };
  assert.equal(
    serializeIgnition(config),
    '{"ignition":{"version":"3.4.0"},"passwd":{"users":[{"name":"a","sshAuthorizedKeys":["k"],"shell":"/bin/sh","uid":1}]},"storage":{"files":[{"path":"/x","contents":{"source":"data:,x"},"mode":420}]}}',
  );
  assert.equal(
    serializeIgnition({ ignition: { version: "3.4.0" } }, true),
    '{\n  "ignition": {\n    "version": "3.4.0"\n  }\n}',
  );
});

Deno.test("systemd unit names escape paths as go-systemd does", () => {
  const cases: [string, string][] = [
    ["/var/lib/data", "var-lib-data"],
    ["/var/.hidden dir-x", "var-.hidden\\x20dir\\x2dx"],
    ["/", "-"],
    ["//a//b/", "a-b"],
    ["/.a", "\\x2ea"],
    ["/dev/disk/by-id/dm-name-data", "dev-disk-by\\x2did-dm\\x2dname\\x2ddata"],
    ["/srv/ü", "srv-\\xc3\\xbc"],
  ];
  for (const [path, want] of cases) assert.equal(escapeUnitPath(path), want, path);
});

Deno.test("integer fields read YAML 1.1 forms as yaml.v3 does", () => {
  const cases: [string, number | undefined][] = [
    ["0644", 420],
    ["0o644", 420],
    ["0x1a4", 420],
    ["0_644", 420],
    ["420.0", 420],
    ["1e3", 1000],
    ["04755", 2541],
    ["-1", -1],
    ["0b11", 3],
    // yaml.v3 converts a float with int64(f): toward zero, no error.
    ["1.5", 1],
    ["-1.5", -1],
    [".5e3", 500],
    // strconv.ParseInt(s, 0, 64) takes its base prefixes in either case.
    ["0X1A4", 420],
    ["0O644", 420],
    ["+0B11", 3],
    // A scalar that does not start with a sign, digit or dot is a string to yaml.v3.
    ["_644", undefined],
    [".5_0", undefined],
    [".inf", undefined],
    ["1e400", undefined],
    ["abc", undefined],
  ];
  for (const [text, want] of cases) assert.equal(parseYamlInt(text), want, text);
});

Deno.test("bool fields take the YAML 1.1 words quoted or not, but true and false only plain", async () => {
  const users = (system: string) =>
    HEAD +
    `passwd:\n  users:\n    - name: a\n      system: ${system}\n      no_create_home: 'off'\n`;
  const good = await translateButaneText(users('"yes"'));
  assert.deepEqual(lines(good), []);
  assert.deepEqual((good.ignition as Ign).passwd.users, [
    { name: "a", noCreateHome: false, system: true },
  ]);
  const bad = await translateButaneText(users('"true"'));
  assert.equal(
    bad.error,
    "yaml: unmarshal errors:\n  line 6: cannot unmarshal !!str `true` into bool",
  );
});

Deno.test("modes that look decimal are told apart from odd octal modes", () => {
  assert.equal(looksDecimal(644, false), true);
  assert.equal(looksDecimal(755, true), true);
  assert.equal(looksDecimal(0o644, false), false);
  assert.equal(looksDecimal(0, false), false);
  assert.equal(looksDecimal(600, false), true);
  assert.equal(looksDecimal(2541, false), false);
  // butane's own TestValidateDirMode: 01770 is fine, 1770 is a decimal mistake.
  assert.equal(looksDecimal(0o1770, true), false);
  assert.equal(looksDecimal(1770, true), true);
});

Deno.test("only the first YAML document is read", async () => {
  const r = await translateButaneText(HEAD + "---\nvariant: bogus\n");
  assert.ok(r.ok);
  assert.equal(r.json, '{"ignition":{"version":"3.4.0"}}\n');
});

Deno.test("anchors, aliases and merge keys work but merge keys warn", async () => {
  const r = await translateButaneText(
    HEAD +
      "x-defaults: &defaults\n  mode: 0600\n  overwrite: true\nstorage:\n  files:\n" +
      "    - <<: *defaults\n      path: /a\n      contents: {source: 'http://example.com/a'}\n",
  );
  assert.ok(r.ok);
  assert.deepEqual(lines(r), [
    "warning at $.x-defaults, line 3 col 1: Unused key x-defaults",
    "warning at $.storage.files.0.<<, line 8 col 7: Unused key <<",
  ]);
  assert.deepEqual((r.ignition as Ign).storage.files[0], {
    overwrite: true,
    path: "/a",
    contents: { source: "http://example.com/a" },
    mode: 384,
  });
});

Deno.test("alias bombs are never expanded: unknown keys are not decoded, as in yaml.v3", async () => {
  // Twelve levels stand for 9^12 nodes: expanded, no machine gets through them in hours, so the
  // bound below separates the two cases by orders of magnitude, however loaded the machine is.
  const levels = "abcdefghijkl".split("");
  let text = HEAD + 'a: &a ["x","x","x","x","x","x","x","x","x"]\n';
  for (let i = 1; i < levels.length; i++) {
    const prev = levels[i - 1];
    text += `${levels[i]}: &${levels[i]} [${Array(9).fill("*" + prev).join(",")}]\n`;
  }
  const t0 = performance.now();
  const r = await translateButaneText(text);
  // butane v0.23.0 gives these twelve warnings (in Go map order) and an empty config.
  assert.ok(r.ok);
  assert.deepEqual(
    r.report.map((e) => `${e.path} ${e.line}`).sort(),
    levels.map((l, i) => `$.${l} ${i + 3}`),
  );
  assert.ok(performance.now() - t0 < 30_000, "the aliases were expanded");
});

Deno.test("report entries name the file given as fileName", async () => {
  const r = await translateButaneText(HEAD + "bogus: 1\n", {
    fileName: "machines/web/butane.yaml",
  });
  assert.deepEqual(r.report, [{
    severity: "warning",
    path: "$.bogus",
    line: 3,
    col: 1,
    message: "Unused key bogus",
    file: "machines/web/butane.yaml",
  }]);
});

// The two grub cases of butane's own config/fcos/v1_6/translate_test.go, with its outputs.
Deno.test("grub users translate as in butane's own tests (plain, and gzip for two users)", async () => {
  const one = await translateButaneText(
    "variant: fcos\nversion: 1.6.0\ngrub:\n  users:\n    - name: root\n" +
      "      password_hash: grub.pbkdf2.sha512.10000.874A958E526409...\n",
  );
  assert.deepEqual((one.ignition as Ign).storage.files[0].append, [{
    compression: "",
    source:
      "data:,%23%20Generated%20by%20Butane%0A%0Aset%20superusers%3D%22root%22%0Apassword_pbkdf2%20root%20grub.pbkdf2.sha512.10000.874A958E526409...%0A",
  }]);
  const two = await translateButaneText(
    "variant: fcos\nversion: 1.6.0\ngrub:\n  users:\n" +
      "    - name: root1\n      password_hash: grub.pbkdf2.sha512.10000.874A958E526409...\n" +
      "    - name: root2\n      password_hash: grub.pbkdf2.sha512.10000.874B829D126209...\n",
  );
  const append = (two.ignition as Ign).storage.files[0].append[0];
  assert.equal(append.compression, "gzip");
  // butane's bytes (Go's deflate) and ours differ; the contents must not.
  const go =
    "H4sIAAAAAAAC/3zMsQrCMBDG8b1PcdT9SI62JoODRfExJCGngtCEuwTx7UWyiss3fH/47eDCG0uonCC+YW01bDwMyhW0FZamLHoYJedq4bs0DiWovrKka4nPdCPo8S4tYn9QH2G2hNYYY9Dtp6Of3XmmZTIeEX8C9BdYHfmTpYU68AkAAP//Mp8bt7YAAAA=";
  const ours = append.source.slice("data:;base64,".length);
  assert.equal(
    gunzipSync(Buffer.from(ours, "base64")).toString(),
    gunzipSync(Buffer.from(go, "base64")).toString(),
  );
});

// Cases from butane's own base/v0_6/translate_test.go (TestTranslateFile), with its outputs.
Deno.test("file contents encode as in butane's own tests", async () => {
  await withDir(async (dir) => {
    const zzz = "z".repeat(149);
    const random = Uint8Array.from(
      "c09c6c018969a5bf57e41bf44a5fb73950a323a7".match(/../g)!.map((h) => parseInt(h, 16)),
    );
    await Deno.writeFile(`${dir}/file-3`, random);
    await Deno.writeTextFile(`${dir}/file-1`, "file contents\n");
    const r = await translateButaneText(
      HEAD + "storage:\n  files:\n    - path: /foo\n      contents:\n        inline: xyzzy\n" +
        `      append:\n        - inline: ${zzz}\n        - local: file-3\n` +
        "        - local: file-1\n" +
        "        - inline: hello\n          compression: gzip\n",
      { filesDir: dir },
    );
    const file = (r.ignition as Ign).storage.files[0];
    assert.deepEqual(file.contents, { compression: "", source: "data:,xyzzy" });
    const [gz, b64, local, hello] = file.append;
    assert.equal(gz.compression, "gzip");
    const go = "H4sIAAAAAAAC/6oajAAQAAD//5tA8d+VAAAA";
    assert.equal(
      gunzipSync(Buffer.from(gz.source.slice(13), "base64")).toString(),
      gunzipSync(Buffer.from(go, "base64")).toString(),
    );
    assert.deepEqual(b64, { compression: "", source: "data:;base64,wJxsAYlppb9X5Bv0Sl+3OVCjI6c=" });
    assert.deepEqual(local, { compression: "", source: "data:,file%20contents%0A" });
    assert.deepEqual(hello, { compression: "gzip", source: "data:,hello" });
  });
});

// The "collisions" case of butane's own TestTranslateTree (base/v0_6/translate_test.go).
Deno.test("tree collisions are reported as in butane's own tests", async () => {
  await withDir(async (dir) => {
    const files = [
      "tree0/file",
      "tree1/directory",
      "tree2/link",
      "tree3/file-partial",
      "tree4/link-partial",
      "tree5/tree-file",
      "tree6/tree-file",
      "tree15/tree-link",
    ];
    const links = [
      "tree7/file",
      "tree8/directory",
      "tree9/link",
      "tree10/file-partial",
      "tree11/link-partial",
      "tree12/tree-file",
      "tree13/tree-link",
      "tree14/tree-link",
    ];
    for (const f of files) {
      await Deno.mkdir(`${dir}/${f.split("/")[0]}`, { recursive: true });
      await Deno.writeTextFile(`${dir}/${f}`, f);
    }
    for (const l of links) {
      await Deno.mkdir(`${dir}/${l.split("/")[0]}`, { recursive: true });
      await Deno.symlink("file", `${dir}/${l}`);
    }
    const trees = Array.from({ length: 16 }, (_, i) => `    - local: tree${i}\n`).join("");
    const r = await translateButaneText(
      HEAD + "storage:\n  trees:\n" + trees +
        "  files:\n    - path: /file\n      contents:\n        source: data:,foo\n" +
        "    - path: /file-partial\n  directories:\n    - path: /directory\n" +
        "  links:\n    - path: /link\n      target: file\n    - path: /link-partial\n",
      { filesDir: dir },
    );
    assert.deepEqual(
      r.report.map((e) => `${e.severity} at ${e.path}: ${e.message}`),
      [0, 1, 2, 4, 6, 7, 8, 9, 10, 12, 14, 15].map((i) =>
        `error at $.storage.trees.${i}: matching filesystem node has existing contents or different type`
      ),
    );
  });
});

Deno.test("trees keep overrides first, add files in walk order and gzip as butane does", async () => {
  await withDir(async (dir) => {
    const deep = "tree/subdir/subdir/subdir/subdir/subdir/subdir/subdir/subdir/subdir/file";
    await Deno.mkdir(`${dir}/tree/subdir/subdir/subdir/subdir/subdir/subdir/subdir/subdir/subdir`, {
      recursive: true,
    });
    for (const f of ["tree/file", "tree/overridden", "tree/subdir/file", deep]) {
      await Deno.writeTextFile(`${dir}/${f}`, f);
    }
    await Deno.writeTextFile(`${dir}/tree/executable`, "tree/executable", { mode: 0o755 });
    await Deno.chmod(`${dir}/tree/executable`, 0o755);
    const r = await translateButaneText(
      HEAD + "storage:\n  trees:\n    - local: tree\n" +
        "  files:\n    - path: /overridden\n      mode: 0600\n      user:\n        name: bovik\n",
      { filesDir: dir },
    );
    const out = (r.ignition as Ign).storage.files;
    assert.deepEqual(out.map((f: Ign) => [f.path, f.mode]), [
      ["/overridden", 0o600],
      ["/executable", 0o755],
      ["/file", 0o644],
      ["/subdir/file", 0o644],
      ["/subdir/subdir/subdir/subdir/subdir/subdir/subdir/subdir/subdir/file", 0o644],
    ]);
    assert.deepEqual(out[0].contents, { compression: "", source: "data:,tree%2Foverridden" });
    assert.equal(out[4].contents.compression, "gzip");
    const go = "H4sIAAAAAAAC/yopSk3VLy5NSsksIptKy8xJBQQAAP//gkRzjkgAAAA=";
    assert.equal(
      gunzipSync(Buffer.from(out[4].contents.source.slice(13), "base64")).toString(),
      gunzipSync(Buffer.from(go, "base64")).toString(),
    );
  });
});

// The "overridden mount unit" case of butane's own TestTranslateMountUnit.
Deno.test("a user's unit with contents overrides the generated mount unit but stays enabled", async () => {
  const r = await translateButaneText(
    HEAD + "storage:\n  filesystems:\n    - device: /dev/disk/by-label/foo\n      format: ext4\n" +
      "      path: /var/lib/containers\n      with_mount_unit: true\n" +
      "systemd:\n  units:\n    - name: var-lib-containers.mount\n" +
      '      contents: "[Mount]\\nWhat=/dev/disk/by-label/foo\\nWhere=/var/lib/containers\\n[Install]\\nWantedBy=local-fs.target\\n"\n',
  );
  assert.ok(r.ok, JSON.stringify(r.report));
  assert.deepEqual((r.ignition as Ign).systemd.units, [{
    contents:
      "[Mount]\nWhat=/dev/disk/by-label/foo\nWhere=/var/lib/containers\n[Install]\nWantedBy=local-fs.target\n",
    enabled: true,
    name: "var-lib-containers.mount",
  }]);
});

Deno.test("a files directory that does not exist is reported, not thrown", async () => {
  const r = await translateButaneText(
    HEAD + "storage:\n  files:\n    - path: /a\n      contents:\n        local: x\n",
    { filesDir: "/nonexistent-iago-dir" },
  );
  assert.deepEqual(lines(r), [
    "error at $.storage.files.0.contents.local, line 7 col 16: open /nonexistent-iago-dir/x: no such file or directory",
  ]);
});

Deno.test("a duplicate SSH key from a local file is reported at the file that brought it", async () => {
  await withDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/k.pub`, "ssh-ed25519 AAA\nssh-ed25519 AAA\n");
    const r = await translateButaneText(
      HEAD + "passwd:\n  users:\n    - name: core\n      ssh_authorized_keys: [ssh-ed25519 BBB]\n" +
        "      ssh_authorized_keys_local: [k.pub]\n",
      { filesDir: dir },
    );
    assert.deepEqual(lines(r), [
      "error at $.passwd.users.0.ssh_authorized_keys_local.0, line 7 col 35: duplicate entry defined",
    ]);
  });
});
