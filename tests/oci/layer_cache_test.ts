import assert from "node:assert/strict";
import { join } from "node:path";
import { BlobStore } from "../../src/oci/blobs.ts";
import { buildLayer, fileContent, sortEntries } from "../../src/oci/layer.ts";
import { LayerCache, type LayerSettings } from "../../src/oci/layer_cache.ts";
import { OCI_LAYER_GZIP } from "../../src/oci/media_types.ts";
import type { TarEntry } from "../../src/oci/tar.ts";
import { iago, tempDir } from "../helpers/cli.ts";
import { dir, file, run, writeTree } from "./fixtures.ts";

const SETTINGS: LayerSettings = { mediaType: OCI_LAYER_GZIP, compression: "gzip-6", mtime: 0 };

/** Layer entries for every file of `root` (flat), read from disk as COPY reads them. */
async function entriesOf(root: string): Promise<TarEntry[]> {
  const out: TarEntry[] = [dir("app")];
  for await (const e of Deno.readDir(root)) {
    const path = join(root, e.name);
    const size = (await Deno.stat(path)).size;
    out.push({
      path: `app/${e.name}`,
      type: "file",
      mode: 0o644,
      uid: 0,
      gid: 0,
      size,
      content: fileContent(path),
    });
  }
  return sortEntries(out);
}

/** Builds (or finds) the layer of `root` into a fresh store; returns it and the store. */
async function layerOf(cache: LayerCache, root: string, scratch: string) {
  const store = new BlobStore(join(scratch, `store-${crypto.randomUUID()}`));
  const entries = await entriesOf(root);
  const layer = await cache.layer(
    entries,
    SETTINGS,
    store,
    () => buildLayer(store, entries, SETTINGS),
  );
  return { layer, store };
}

async function context(scratch: string, files: Record<string, string>): Promise<string> {
  const root = join(scratch, "ctx");
  await Deno.mkdir(root, { recursive: true });
  for (const [name, text] of Object.entries(files)) {
    await Deno.writeTextFile(join(root, name), text);
  }
  return root;
}

Deno.test("an unchanged layer is found by its files' stat, linked into the store, and equals a fresh build", async () => {
  await using scratch = await tempDir();
  const root = await context(scratch.path, { "a.txt": "alpha\n", "b.bin": "b".repeat(70_000) });
  const cache = new LayerCache(join(scratch.path, "cache"), { racyMs: 0 });
  const first = await layerOf(cache, root, scratch.path);
  const second = await layerOf(cache, root, scratch.path);
  assert.deepEqual(cache.counts, { stat: 1, content: 0, built: 1 });
  assert.equal(first.layer.hit, false);
  assert.equal(second.layer.hit, true);
  assert.equal(second.layer.digest, first.layer.digest);
  assert.equal(second.layer.diffId, first.layer.diffId);
  const bytes = await Deno.readFile(second.store.path(second.layer.digest));
  assert.deepEqual(bytes, await Deno.readFile(first.store.path(first.layer.digest)));
  assert.equal(bytes.length, second.layer.size);
});

Deno.test("a touched file (new mtime, same content) is verified by content and still hits", async () => {
  await using scratch = await tempDir();
  const root = await context(scratch.path, { "a.txt": "alpha\n", "b.txt": "beta\n" });
  const cache = new LayerCache(join(scratch.path, "cache"), { racyMs: 0 });
  const first = await layerOf(cache, root, scratch.path);
  await Deno.utime(join(root, "a.txt"), new Date(2001, 1, 1), new Date(2001, 1, 1));
  const touched = await layerOf(cache, root, scratch.path);
  assert.equal(touched.layer.digest, first.layer.digest);
  assert.deepEqual(cache.counts, { stat: 0, content: 1, built: 1 });
  // The content hit recorded the new stat, so the next run needs no reading.
  await layerOf(cache, root, scratch.path);
  assert.deepEqual(cache.counts, { stat: 1, content: 1, built: 1 });
});

Deno.test("a file changed in place (same size) is built again, giving another digest", async () => {
  await using scratch = await tempDir();
  const root = await context(scratch.path, { "a.txt": "alpha\n" });
  // Dated back: a change within the same clock tick as the first write would keep the stat
  // (that is what the racy window is for, switched off here).
  await Deno.utime(join(root, "a.txt"), new Date(2001, 1, 1), new Date(2001, 1, 1));
  const cache = new LayerCache(join(scratch.path, "cache"), { racyMs: 0 });
  const first = await layerOf(cache, root, scratch.path);
  await Deno.writeTextFile(join(root, "a.txt"), "ALPHA\n");
  const changed = await layerOf(cache, root, scratch.path);
  assert.deepEqual(cache.counts, { stat: 0, content: 0, built: 2 });
  assert.notEqual(changed.layer.digest, first.layer.digest);
});

Deno.test("a file changed within the racy window is not trusted by its stat", async () => {
  await using scratch = await tempDir();
  const root = await context(scratch.path, { "a.txt": "alpha\n" });
  const cache = new LayerCache(join(scratch.path, "cache"), { racyMs: 60_000 });
  await layerOf(cache, root, scratch.path);
  await layerOf(cache, root, scratch.path);
  assert.deepEqual(cache.counts, { stat: 0, content: 1, built: 1 });
});

Deno.test("another mtime is another layer; the same settings again are a hit", async () => {
  await using scratch = await tempDir();
  const cache = new LayerCache(join(scratch.path, "cache"), { racyMs: 0 });
  const store = new BlobStore(join(scratch.path, "store"));
  const entries = [file("x", "same\n")];
  const digests = new Set<string>();
  for (const settings of [SETTINGS, { ...SETTINGS, mtime: 1 }, { ...SETTINGS, mtime: 1 }]) {
    const layer = await cache.layer(
      entries,
      settings,
      store,
      () => buildLayer(store, entries, settings),
    );
    digests.add(layer.digest);
  }
  assert.equal(digests.size, 2);
  assert.deepEqual(cache.counts, { stat: 0, content: 1, built: 2 });
});

Deno.test("a damaged record or a blob of the wrong size is a miss, not a wrong layer", async () => {
  await using scratch = await tempDir();
  const root = await context(scratch.path, { "a.txt": "alpha\n" });
  const dirPath = join(scratch.path, "cache");
  const cache = new LayerCache(dirPath, { racyMs: 0 });
  const first = await layerOf(cache, root, scratch.path);
  const records = join(dirPath, "records");
  for await (const e of Deno.readDir(records)) {
    await Deno.writeTextFile(join(records, e.name), '{"digest": "sha256:12');
  }
  const again = await layerOf(cache, root, scratch.path);
  assert.equal(again.layer.hit, false);
  assert.equal(again.layer.digest, first.layer.digest);
  const blob = join(dirPath, "blobs/sha256", first.layer.digest.slice(7));
  await Deno.truncate(blob, 10);
  const third = await layerOf(cache, root, scratch.path);
  assert.equal(third.layer.hit, false);
  assert.deepEqual(cache.counts, { stat: 0, content: 0, built: 3 });
  assert.equal((await Deno.stat(third.store.path(third.layer.digest))).size, first.layer.size);
});

Deno.test("the cache stays under its bound by dropping the least recently used layers", async () => {
  await using scratch = await tempDir();
  const dirPath = join(scratch.path, "cache");
  const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));
  const store = new BlobStore(join(scratch.path, "store"));
  const cache = new LayerCache(dirPath, { maxBytes: 100_000, racyMs: 0 });
  const layers = [];
  for (let i = 0; i < 4; i++) {
    const bytes = random(40_000);
    const entries: TarEntry[] = [{
      path: `f${i}`,
      type: "file",
      mode: 0o644,
      uid: 0,
      gid: 0,
      size: bytes.length,
      content: async function* () {
        yield bytes;
      },
    }];
    layers.push(
      await cache.layer(entries, SETTINGS, store, () => buildLayer(store, entries, SETTINGS)),
    );
  }
  let total = 0;
  const kept: string[] = [];
  for await (const e of Deno.readDir(join(dirPath, "blobs/sha256"))) {
    total += (await Deno.stat(join(dirPath, "blobs/sha256", e.name))).size;
    kept.push(`sha256:${e.name}`);
  }
  assert.ok(total <= 100_000, `${total} bytes kept`);
  assert.ok(kept.includes(layers[3].digest), "the newest layer is kept");
  assert.ok(!kept.includes(layers[0].digest), "the oldest layer is dropped");
  const records = [...Deno.readDirSync(join(dirPath, "records"))].length;
  assert.equal(records, kept.length * 2, "each kept layer has its content and shape records");
});

Deno.test("iago build: an unchanged rebuild builds no layer, and one changed file rebuilds only the layers that hold it", async () => {
  await using scratch = await tempDir();
  const ws = scratch.path;
  const container = join(ws, "containers/web");
  // The changed file is in the second and the last layer: a cache that rebuilt every layer
  // after the first miss (as a chain of layers does) would rebuild the third too.
  await writeTree(ws, {
    "config/defaults.toml": `[container_registry]\nurl = "registry.example/team"\n`,
    "containers/web/Containerfile":
      "FROM scratch\nCOPY a/ /a/\nCOPY b/ /b/\nCOPY c/ /c/\nCOPY b/two.txt /etc/two.txt\n",
    "containers/web/a/one.txt": "one\n",
    "containers/web/b/two.txt": "two\n",
    "containers/web/b/other.txt": "other\n",
    "containers/web/c/three.txt": "three\n",
  });
  const build = async () => {
    const r = await iago(["build", "web", "--no-push"], { cwd: ws });
    assert.equal(r.code, 0, r.stderr);
    const manifest = JSON.parse(
      await run("skopeo", ["inspect", "--raw", `oci-archive:${join(ws, "output/images/web.tar")}`]),
    );
    return { stdout: r.stdout, layers: manifest.layers.map((l: { digest: string }) => l.digest) };
  };
  const first = await build();
  assert.match(first.stdout, /; 0 layers from the cache, 4 built \(/);
  const again = await build();
  assert.match(again.stdout, /; 4 layers from the cache, 0 built \(/);
  assert.deepEqual(again.layers, first.layers);
  // Rewritten with the same bytes (new inode and mtime, as a checkout does): still the cache.
  await Deno.writeTextFile(join(container, "a/one.txt.new"), "one\n");
  await Deno.rename(join(container, "a/one.txt.new"), join(container, "a/one.txt"));
  assert.match((await build()).stdout, /; 4 layers from the cache, 0 built \(/);
  // Same size, other bytes: only the content tells.
  await Deno.writeTextFile(join(container, "b/two.txt"), "TWO\n");
  const changed = await build();
  assert.match(changed.stdout, /; 2 layers from the cache, 2 built \(/);
  // The two built are the ones whose digests changed; the others are the cached ones.
  assert.deepEqual(
    changed.layers.map((d: string, i: number) => d === first.layers[i]),
    [true, false, true, false],
  );
});
