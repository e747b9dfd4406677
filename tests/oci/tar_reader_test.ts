import assert from "node:assert/strict";
import { join } from "node:path";
import { cleanPath, indexTar, readRange, scanTar, sniffArchive } from "../../src/oci/tar_reader.ts";
import { tempDir } from "../helpers/cli.ts";
import { run, writeTree } from "./fixtures.ts";

async function text(path: string, offset: number, size: number): Promise<string> {
  let out = "";
  for await (const c of readRange(path, offset, size)) out += new TextDecoder().decode(c);
  return out;
}

Deno.test("indexTar() reads GNU and PAX archives: long names, links, modes, owners and contents", async () => {
  await using dir = await tempDir();
  const long = "d".repeat(120) + "/" + "f".repeat(130);
  await writeTree(join(dir.path, "src"), {
    [long]: "long\n",
    "bin/tool": { text: "#!/bin/sh\n", mode: 0o750 },
    "link": { link: "bin/tool" },
  });
  for (const format of ["gnu", "pax"]) {
    const archive = join(dir.path, `${format}.tar`);
    await run("tar", [
      `--format=${format}`,
      "--owner=7",
      "--group=8",
      "--sort=name",
      "-cf",
      archive,
      "-C",
      join(dir.path, "src"),
      ".",
    ]);
    assert.equal(await sniffArchive(archive), "tar");
    const entries = await indexTar(archive);
    const byPath = new Map(entries.map((e) => [e.path, e]));
    const file = byPath.get(long)!;
    assert.equal(file.type, "file", format);
    assert.equal(await text(archive, file.offset, file.size), "long\n");
    const tool = byPath.get("bin/tool")!;
    assert.deepEqual([tool.mode, tool.uid, tool.gid], [0o750, 7, 8]);
    assert.deepEqual([byPath.get("link")!.type, byPath.get("link")!.linkname], [
      "symlink",
      "bin/tool",
    ]);
    assert.equal(byPath.get("bin")!.type, "dir");
  }
});

Deno.test("cleanPath() normalises archive paths and refuses ones that climb out", () => {
  assert.equal(cleanPath("./a/b/"), "a/b");
  assert.equal(cleanPath("/etc//x"), "etc/x");
  assert.equal(cleanPath("a/../b"), "b");
  assert.throws(() => cleanPath("../../etc/passwd"), /points outside the destination/);
});

/** A ustar header block with `fields` written as given (checksum computed unless given). */
function header(fields: {
  name: string;
  size?: string;
  typeflag?: string;
  mode?: string;
  checksum?: string;
  linkname?: string;
  devmajor?: string;
  devminor?: string;
}): Uint8Array {
  const b = new Uint8Array(512);
  const put = (off: number, text: string) => b.set(new TextEncoder().encode(text), off);
  put(0, fields.name);
  put(100, fields.mode ?? "0000644\0");
  put(108, "0000000\0");
  put(116, "0000000\0");
  put(124, fields.size ?? "00000000000\0");
  put(136, "00000000000\0");
  put(156, fields.typeflag ?? "0");
  put(157, fields.linkname ?? "");
  put(257, "ustar\0" + "00");
  put(329, fields.devmajor ?? "0000000\0");
  put(337, fields.devminor ?? "0000000\0");
  b.fill(0x20, 148, 156);
  const sum = b.reduce((a, x) => a + x, 0);
  put(148, fields.checksum ?? sum.toString(8).padStart(6, "0") + "\0 ");
  return b;
}

function pax(records: Record<string, string>): Uint8Array {
  let text = "";
  for (const [k, v] of Object.entries(records)) {
    const body = ` ${k}=${v}\n`;
    let n = body.length + 1;
    while (String(n).length + body.length !== n) n++;
    text += n + body;
  }
  return new TextEncoder().encode(text);
}

/** An archive of blocks: each piece padded to 512 bytes, then the two zero blocks. */
function archive(...pieces: Uint8Array[]): Uint8Array {
  const padded = pieces.map((p) => {
    const out = new Uint8Array(Math.ceil(p.length / 512) * 512);
    out.set(p);
    return out;
  });
  const all = new Uint8Array(padded.reduce((n, p) => n + p.length, 0) + 1024);
  let off = 0;
  for (const p of padded) {
    all.set(p, off);
    off += p.length;
  }
  return all;
}

const body = new TextEncoder().encode("hello\n");

const CRAFTED: { name: string; bytes: Uint8Array; error: RegExp }[] = [
  {
    name: "a negative size",
    bytes: archive(header({ name: "evil", size: "-0001000\0   " }), body),
    error: /entry "evil" \(header at byte 0\): invalid size field "-0001000"/,
  },
  {
    name: "a PAX size that is no number",
    bytes: archive(
      header({ name: "PaxHeaders/evil", typeflag: "x", size: "00000000017\0" }),
      pax({ size: "abc" }),
      header({ name: "evil", size: "00000000006\0" }),
      body,
    ),
    error: /entry "evil" \(header at byte 1024\): invalid PAX size "abc"/,
  },
  {
    name: "a bad checksum",
    bytes: archive(header({ name: "evil", size: "00000000006\0", checksum: "0001234\0" }), body),
    error: /entry "evil" \(header at byte 0\): bad header checksum \(stored 668, computed \d+\)/,
  },
  {
    name: "a size of 50 GiB in a small archive",
    bytes: archive(header({ name: "big", size: "620000000000" }), body),
    error: /entry "big" \(header at byte 0\): it claims 53687091200 bytes, past the end/,
  },
  {
    name: "a long name of 2 GiB",
    bytes: archive(header({ name: "././@LongLink", typeflag: "L", size: "20000000000\0" })),
    error: /long name of 2147483648 bytes is over the 1 MiB limit/,
  },
  {
    name: "a malformed PAX record",
    bytes: archive(
      header({ name: "PaxHeaders/x", typeflag: "x", size: "00000000011\0" }),
      new TextEncoder().encode("99 path=x\n"),
      header({ name: "x" }),
    ),
    error: /entry "PaxHeaders\/x" \(header at byte 0\): malformed PAX record/,
  },
];

Deno.test("indexTar() and scanTar() refuse crafted headers at once, naming the entry and where it is", async () => {
  await using dir = await tempDir();
  for (const c of CRAFTED) {
    const path = join(dir.path, "crafted.tar");
    await Deno.writeFile(path, c.bytes);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const index = await Promise.race([
      indexTar(path).then(() => "no error", (err: Error) => err.message),
      // A guard against a loop that never ends, far above any loaded machine's time.
      new Promise<string>((ok) => timer = setTimeout(() => ok("hung"), 60_000)),
    ]).finally(() => clearTimeout(timer));
    assert.match(index, c.error, `indexTar, ${c.name}`);
    const scan = await (async () => {
      for await (const _ of scanTar(ReadableStream.from([c.bytes]))) { /* read all */ }
      return "no error";
    })().catch((err: Error) => err.message);
    assert.match(scan, c.error, `scanTar, ${c.name}`);
  }
});
