import assert from "node:assert/strict";
import { join } from "node:path";
import { cleanPath, indexTar, readRange, sniffArchive } from "../../src/oci/tar_reader.ts";
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
