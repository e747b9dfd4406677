import assert from "node:assert/strict";
import { BlobStore } from "../../src/oci/blobs.ts";
import { buildLayer, sortEntries } from "../../src/oci/layer.ts";
import { OCI_LAYER_GZIP } from "../../src/oci/media_types.ts";
import { tarChunks, type TarEntry } from "../../src/oci/tar.ts";
import { tempDir } from "../helpers/cli.ts";

const text = (s: string) => new TextEncoder().encode(s);

function fileEntry(path: string, body: string, mode = 0o644, uid = 0, gid = 0): TarEntry {
  const bytes = text(body);
  return {
    path,
    type: "file",
    mode,
    uid,
    gid,
    size: bytes.length,
    content: async function* () {
      yield bytes;
    },
  };
}

async function collect(entries: TarEntry[], mtime = 0): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of tarChunks(entries, { mtime })) parts.push(c);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

async function gnuTarList(bytes: Uint8Array): Promise<string> {
  const child = new Deno.Command("tar", {
    args: ["--numeric-owner", "--full-time", "-tvf", "-"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    env: { TZ: "UTC" },
  }).spawn();
  const w = child.stdin.getWriter();
  await w.write(bytes);
  await w.close();
  const out = await child.output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  return new TextDecoder().decode(out.stdout);
}

const longDir = "usr/share/" + "d".repeat(120);
const entries: TarEntry[] = sortEntries([
  fileEntry("etc/motd", "hello\n", 0o644),
  { path: "etc", type: "dir", mode: 0o755, uid: 0, gid: 0 },
  { path: "usr", type: "dir", mode: 0o755, uid: 0, gid: 0 },
  { path: "usr/share", type: "dir", mode: 0o755, uid: 0, gid: 0 },
  { path: longDir, type: "dir", mode: 0o700, uid: 1000, gid: 1000 },
  fileEntry(`${longDir}/${"f".repeat(150)}`, "x", 0o4755, 3000000, 7),
  { path: "etc/link", type: "symlink", mode: 0o777, uid: 0, gid: 0, linkname: "/usr/bin/true" },
  fileEntry("etc/naïve", "n", 0o600),
]);

Deno.test("tarChunks() writes entries GNU tar reads back with modes, owners, links and long names", async () => {
  const listing = await gnuTarList(await collect(entries));
  const lines = listing.trim().split("\n");
  assert.deepEqual(lines.map((l) => l.split(/\s+/).slice(5).join(" ")), [
    "etc/",
    "etc/link -> /usr/bin/true",
    "etc/motd",
    "etc/naïve",
    "usr/",
    "usr/share/",
    `${longDir}/`,
    `${longDir}/${"f".repeat(150)}`,
  ]);
  assert.match(lines[0], /^drwxr-xr-x 0\/0 +0 1970-01-01 00:00:00 etc\/$/);
  assert.match(lines[2], /^-rw-r--r-- 0\/0 +6 1970-01-01 00:00:00 etc\/motd$/);
  assert.match(lines[6], /^drwx------ 1000\/1000 /);
  assert.match(lines[7], /^-rwsr-xr-x 3000000\/7 +1 /);
});

Deno.test("tarChunks() output is byte-identical on repeat and honours the given mtime", async () => {
  const a = await collect(entries);
  const b = await collect(entries);
  assert.deepEqual(a, b);
  assert.equal(a.length % 512, 0);
  assert.deepEqual(a.subarray(a.length - 1024), new Uint8Array(1024));
  const listing = await gnuTarList(await collect(entries, 1700000000));
  assert.match(listing, /2023-11-14 22:13:20 etc\/motd/);
});

Deno.test("tarChunks() refuses a file whose size changed under it", async () => {
  const bad: TarEntry = { ...fileEntry("a", "abc"), size: 5 };
  await assert.rejects(() => collect([bad]), /changed while the layer was built/);
});

Deno.test("sortEntries() puts parents before children and keeps the last of duplicates", () => {
  const sorted = sortEntries([
    fileEntry("a/b", "1"),
    fileEntry("a-b", "2"),
    { path: "a", type: "dir", mode: 0o755, uid: 0, gid: 0 },
    fileEntry("a/b", "3"),
  ]);
  assert.deepEqual(sorted.map((e) => e.path), ["a", "a-b", "a/b"]);
  assert.equal(sorted[2].size, 1);
});

Deno.test("buildLayer() gives the same digest and diff_id twice and a gzip that gunzip accepts", async () => {
  await using dir = await tempDir();
  const store = new BlobStore(dir.path);
  const one = await buildLayer(store, entries, { mediaType: OCI_LAYER_GZIP });
  const two = await buildLayer(store, entries, { mediaType: OCI_LAYER_GZIP });
  assert.deepEqual(one, two);
  const blob = await store.readBytes(one.digest);
  assert.equal(blob.length, one.size);
  assert.deepEqual([...blob.subarray(0, 10)], [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);
  const out = await new Deno.Command("sh", {
    args: ["-c", `gzip -dc '${store.path(one.digest)}' | sha256sum`],
    stdout: "piped",
  }).output();
  assert.equal(new TextDecoder().decode(out.stdout).split(" ")[0], one.diffId.slice(7));
});
