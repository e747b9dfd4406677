/**
 * `ADD archive.tar`: what lands in the layer from archives that are crafted, hold links that
 * lead elsewhere, devices, FIFOs or sparse files. Expected layers follow what buildah 1.28 gives
 * for the same archives (its copier extracts inside the destination directory as its root).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { IagoError } from "../../src/errors.ts";
import type { ImageSource } from "../../src/oci/base.ts";
import { BlobStore } from "../../src/oci/blobs.ts";
import { buildImage } from "../../src/oci/builder.ts";
import { parseContainerfile } from "../../src/oci/containerfile/parse.ts";
import { BuildContext } from "../../src/oci/context.ts";
import type { Image } from "../../src/oci/image.ts";
import { LayerCache } from "../../src/oci/layer_cache.ts";
import { iago, tempDir } from "../helpers/cli.ts";
import { makeWorkspace, run, writeTree } from "./fixtures.ts";

const noRegistry: ImageSource = {
  resolve: () => Promise.reject(new Error("no registry in this test")),
  blob: () => Promise.reject(new Error("no registry in this test")),
};

/** Python's tarfile writes the archives: it can write what GNU tar would refuse to. */
async function pythonTar(path: string, format: string, entries: unknown[]): Promise<void> {
  const script = `
import io, json, sys, tarfile
entries = json.loads(sys.argv[2])
with tarfile.open(sys.argv[1], "w", format=getattr(tarfile, sys.argv[3])) as t:
    for e in entries:
        ti = tarfile.TarInfo(e["name"])
        ti.mode = e.get("mode", 0o644)
        ti.pax_headers = e.get("pax", {})
        kind = e.get("type", "file")
        if kind == "file":
            data = e.get("text", "").encode()
            ti.size = len(data)
            t.addfile(ti, io.BytesIO(data))
            continue
        ti.type = {"dir": tarfile.DIRTYPE, "symlink": tarfile.SYMTYPE, "hardlink": tarfile.LNKTYPE,
                   "char": tarfile.CHRTYPE, "block": tarfile.BLKTYPE, "fifo": tarfile.FIFOTYPE}[kind]
        ti.linkname = e.get("link", "")
        ti.devmajor, ti.devminor = e.get("dev", [0, 0])
        t.addfile(ti)
`;
  await run("python3", ["-c", script, path, JSON.stringify(entries), format]);
}

interface Built {
  image?: Image;
  error?: IagoError;
  warnings: string[];
  listing: () => Promise<string[]>;
}

/** Builds `containerfile` in `ctx`; the layer listing is `tar -tv`'s type, mode and path. */
async function build(
  root: string,
  ctx: string,
  containerfile: string,
  layerCache?: LayerCache,
): Promise<Built> {
  const store = new BlobStore(join(root, "store"));
  const warnings: string[] = [];
  const out: Built = {
    warnings,
    listing: async () => {
      const layer = store.path(out.image!.layers.at(-1)!.digest);
      const lines = (await run("tar", ["-tvzf", layer])).trim().split("\n");
      return lines.map((l) => {
        const f = l.split(/\s+/);
        // type+mode, size or device numbers, path (and link target)
        return [f[0], f[2], ...f.slice(5)].join(" ");
      });
    },
  };
  try {
    out.image = await buildImage({
      containerfile: parseContainerfile(containerfile, "Containerfile"),
      context: await BuildContext.open(ctx),
      platform: { os: "linux", architecture: "amd64" },
      store,
      images: noRegistry,
      scratchDir: root,
      epoch: 0,
      warn: (line) => warnings.push(line),
      layerCache,
    });
  } catch (err) {
    if (!(err instanceof IagoError)) throw err;
    out.error = err;
  }
  return out;
}

Deno.test("ADD never writes through a symlink the archive made that leads out of the destination", async () => {
  await using dir = await tempDir();
  const ctx = join(dir.path, "ctx");
  await Deno.mkdir(ctx);
  for (const [name, link] of [["abs.tar", "/etc"], ["rel.tar", "../../etc"]]) {
    await pythonTar(join(ctx, name), "PAX_FORMAT", [
      { name: "lnk", type: "symlink", link },
      { name: "lnk/shadow", text: "pwned\n" },
    ]);
    const b = await build(dir.path, ctx, `FROM scratch\n\nADD ${name} /x/\n`);
    assert.ok(b.error, `${name} was extracted`);
    assert.deepEqual(b.error.at, { file: "Containerfile", line: 3 });
    assert.equal(
      b.error.message,
      `Cannot extract "${name}": entry "lnk/shadow" goes through the archive's symlink "lnk" -> "${link}", which leads to no directory the archive holds`,
    );
    assert.match(b.error.hint ?? "", /inside the destination/);
  }
});

Deno.test("ADD follows an archive's own symlink inside the destination, as buildah does", async () => {
  await using dir = await tempDir();
  const ctx = join(dir.path, "ctx");
  await Deno.mkdir(ctx);
  await pythonTar(join(ctx, "a.tar"), "PAX_FORMAT", [
    { name: "sub", type: "dir", mode: 0o755 },
    { name: "lnk", type: "symlink", link: "sub" },
    { name: "lnk/file", text: "ok\n" },
    { name: "etc", type: "dir", mode: 0o755 },
    { name: "abs", type: "symlink", link: "/etc" },
    { name: "abs/conf", text: "in x/etc\n" },
    { name: "hard", type: "hardlink", link: "lnk/file" },
  ]);
  const b = await build(dir.path, ctx, "FROM scratch\nADD a.tar /x/\n");
  assert.equal(b.error, undefined, b.error?.message);
  assert.deepEqual(await b.listing(), [
    "drwxr-xr-x 0 x/",
    "lrwxrwxrwx 0 x/abs -> /etc",
    "drwxr-xr-x 0 x/etc/",
    "-rw-r--r-- 9 x/etc/conf",
    "-rw-r--r-- 3 x/hard",
    "lrwxrwxrwx 0 x/lnk -> sub",
    "drwxr-xr-x 0 x/sub/",
    "-rw-r--r-- 3 x/sub/file",
  ]);
});

Deno.test("ADD refuses a hard link to a file the archive does not hold before it", async () => {
  await using dir = await tempDir();
  const ctx = join(dir.path, "ctx");
  await Deno.mkdir(ctx);
  await pythonTar(join(ctx, "h.tar"), "PAX_FORMAT", [
    { name: "h", type: "hardlink", link: "etc/shadow" },
  ]);
  const b = await build(dir.path, ctx, "FROM scratch\nADD h.tar /x/\n");
  assert.equal(
    b.error?.message,
    'Cannot extract "h.tar": entry "h" is a hard link to "etc/shadow", which the archive does not hold before it',
  );
});

Deno.test("ADD of a crafted archive fails at once with the archive, the entry and the line", async () => {
  await using dir = await tempDir();
  const ctx = join(dir.path, "ctx");
  await Deno.mkdir(ctx);
  const block = new Uint8Array(512 * 4);
  const put = (off: number, text: string) => block.set(new TextEncoder().encode(text), off);
  put(0, "big");
  put(100, "0000644\0");
  put(124, "620000000000"); // 50 GiB
  put(156, "0");
  put(257, "ustar\0" + "00");
  block.fill(0x20, 148, 156);
  put(148, block.subarray(0, 512).reduce((a, x) => a + x, 0).toString(8).padStart(6, "0") + "\0 ");
  await Deno.writeFile(join(ctx, "big.tar"), block);
  const b = await build(dir.path, ctx, "FROM scratch\nADD big.tar /x/\n");
  assert.deepEqual(b.error?.at, { file: "Containerfile", line: 2 });
  assert.equal(
    b.error?.message,
    'Cannot extract "big.tar": entry "big" (header at byte 0): it claims 53687091200 bytes, past the end of the archive (truncated or damaged)',
  );
});

Deno.test("ADD keeps devices and FIFOs, expands GNU sparse files and warns at the line for what it drops", async () => {
  await using dir = await tempDir();
  const ctx = join(dir.path, "ctx");
  await Deno.mkdir(ctx);
  await pythonTar(join(ctx, "dev.tar"), "GNU_FORMAT", [
    { name: "dev/null", type: "char", dev: [1, 3], mode: 0o666 },
    { name: "dev/sda", type: "block", dev: [8, 0], mode: 0o660 },
    { name: "run/fifo", type: "fifo", mode: 0o600 },
  ]);
  const sparse = join(dir.path, "sp");
  const f = await Deno.open(sparse, { write: true, create: true });
  await f.truncate(3 << 20);
  await f.seek(1 << 20, Deno.SeekMode.Start);
  await f.write(new TextEncoder().encode("hello"));
  f.close();
  const tars: string[] = [];
  for (
    const [name, args] of [
      ["sp-gnu.tar", ["--format=gnu"]],
      ["sp-pax01.tar", ["--format=pax", "--sparse-version=0.1"]],
      ["sp-pax10.tar", ["--format=pax", "--sparse-version=1.0"]],
    ] as const
  ) {
    await run("tar", [...args, "-S", "-cf", join(ctx, name), "-C", dir.path, "sp"]);
    tars.push(name);
  }
  await run("tar", ["-V", "LABEL", "-cf", join(ctx, "vol.tar"), "-C", dir.path, "sp"]);
  const b = await build(
    dir.path,
    ctx,
    "FROM scratch\nADD dev.tar /\nADD sp-gnu.tar /gnu/\nADD sp-pax01.tar /pax01/\nADD sp-pax10.tar /pax10/\nADD vol.tar /vol/\n",
  );
  assert.equal(b.error, undefined, b.error?.message);
  const store = new BlobStore(join(dir.path, "store"));
  const devLayer = store.path(b.image!.layers[0].digest);
  const devs = (await run("tar", ["-tvzf", devLayer])).trim().split("\n").map((l) => {
    const f = l.split(/\s+/);
    return `${f[0]} ${f[2]} ${f.at(-1)}`;
  });
  assert.deepEqual(devs, [
    "drwxr-xr-x 0 dev/",
    "crw-rw-rw- 1,3 dev/null",
    "brw-rw---- 8,0 dev/sda",
    "drwxr-xr-x 0 run/",
    "prw------- 0 run/fifo",
  ]);
  const expected = new Uint8Array(3 << 20);
  expected.set(new TextEncoder().encode("hello"), 1 << 20);
  for (const [i, dest] of ["gnu", "pax01", "pax10", "vol"].entries()) {
    const layer = store.path(b.image!.layers[i + 1].digest);
    const out = await new Deno.Command("tar", {
      args: ["-xzOf", layer, `${dest}/sp`],
      stdout: "piped",
    }).output();
    assert.ok(out.success, dest);
    assert.deepEqual(out.stdout, expected, dest);
  }
  assert.deepEqual(b.warnings, [
    'Containerfile:6: ADD vol.tar: 1 entry is not kept: "LABEL" (a volume label, typeflag V)',
  ]);
});

Deno.test("ADD warns at the line that extended attributes and ACLs are not kept", async () => {
  await using dir = await tempDir();
  const ctx = join(dir.path, "ctx");
  await Deno.mkdir(ctx);
  await pythonTar(join(ctx, "x.tar"), "PAX_FORMAT", [
    { name: "usr/bin/ping", pax: { "SCHILY.xattr.security.capability": "cap" }, mode: 0o755 },
    { name: "plain", text: "p\n" },
    {
      name: "data",
      type: "dir",
      pax: { "SCHILY.acl.access": "user::rwx", "SCHILY.xattr.user.a": "1" },
    },
  ]);
  const b = await build(dir.path, ctx, "FROM scratch\nADD x.tar /\n");
  assert.equal(b.error, undefined, b.error?.message);
  assert.deepEqual(b.warnings, [
    'Containerfile:2: ADD x.tar: extended attributes and ACLs are not kept: security.capability of "usr/bin/ping"; ACL access, user.a of "data"',
  ]);
  assert.ok((await b.listing()).includes("-rwxr-xr-x 0 usr/bin/ping"));
});

Deno.test("build prints an ADD warning with the workspace path and line, and goes on", async () => {
  await using dir = await tempDir();
  const ws = join(dir.path, "ws");
  await makeWorkspace(ws, "127.0.0.1:1");
  const ctx = join(ws, "containers", "web");
  await writeTree(ctx, { Containerfile: "FROM scratch\n\nADD vol.tar /vol/\n", "src/a": "a\n" });
  await run("tar", ["-V", "LABEL", "-cf", join(ctx, "vol.tar"), "-C", join(ctx, "src"), "a"]);
  await Deno.remove(join(ctx, "src"), { recursive: true });
  const r = await iago(["build", "web", "--no-push", "--platform", "linux/amd64"], { cwd: ws });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stderr.split("\n").filter((l) => l.startsWith("warning:")).join("\n"),
    'warning: containers/web/Containerfile:3: ADD vol.tar: 1 entry is not kept: "LABEL" (a volume label, typeflag V)',
  );
  const listing = await run("tar", ["-tf", join(ws, "output", "images", "web.tar")]);
  assert.match(listing, /index\.json/);
});

Deno.test("the layer cache tells device layers apart by their device numbers", async () => {
  await using dir = await tempDir();
  const ctx = join(dir.path, "ctx");
  await Deno.mkdir(ctx);
  const cache = new LayerCache(join(dir.path, "cache"), { racyMs: 0 });
  const listings: string[][] = [];
  for (const minor of [3, 5]) {
    await pythonTar(join(ctx, "dev.tar"), "GNU_FORMAT", [
      { name: "dev/x", type: "char", dev: [1, minor], mode: 0o666 },
    ]);
    const b = await build(dir.path, ctx, "FROM scratch\nADD dev.tar /\n", cache);
    listings.push(await b.listing());
  }
  assert.deepEqual(listings.map((l) => l.at(-1)), ["crw-rw-rw- 1,3 dev/x", "crw-rw-rw- 1,5 dev/x"]);
});
