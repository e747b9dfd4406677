import assert from "node:assert/strict";
import { join } from "node:path";
import { IagoError } from "../../src/errors.ts";
import type { ImageSource } from "../../src/oci/base.ts";
import { BlobStore } from "../../src/oci/blobs.ts";
import { buildImage } from "../../src/oci/builder.ts";
import { parseContainerfile } from "../../src/oci/containerfile/parse.ts";
import { BuildContext } from "../../src/oci/context.ts";
import type { Image } from "../../src/oci/image.ts";
import { tempDir } from "../helpers/cli.ts";
import { run, writeTree } from "./fixtures.ts";

const noRegistry: ImageSource = {
  resolve: () => Promise.reject(new Error("no registry in this test")),
  blob: () => Promise.reject(new Error("no registry in this test")),
};

/**
 * A context at `root/ctx` holding `files`, beside `root/outside` holding a secret file and an
 * archive of it, for links that reach out.
 */
async function contextWith(
  root: string,
  files: Parameters<typeof writeTree>[1],
): Promise<string> {
  const outside = join(root, "outside");
  await writeTree(outside, { "secret.txt": "outside secret\n" });
  await run("tar", ["-cf", join(outside, "evil.tar"), "-C", outside, "secret.txt"]);
  const ctx = join(root, "ctx");
  await writeTree(ctx, files);
  return ctx;
}

async function build(root: string, ctx: string, containerfile: string): Promise<Image> {
  return await buildImage({
    containerfile: parseContainerfile(containerfile, "Containerfile"),
    context: await BuildContext.open(ctx),
    platform: { os: "linux", architecture: "amd64" },
    store: new BlobStore(join(root, "store")),
    images: noRegistry,
    scratchDir: root,
    epoch: 0,
  });
}

/** `tar -tv` of the image's only layer: "TYPE PATH" per entry, content of files after `=`. */
async function layerListing(root: string, image: Image): Promise<string[]> {
  const layer = new BlobStore(join(root, "store")).path(image.layers[0].digest);
  const lines = (await run("tar", ["-tvzf", layer])).trim().split("\n");
  const out: string[] = [];
  for (const line of lines) {
    const path = line.split(/\s+/).slice(5).join(" ");
    if (line[0] === "-") {
      out.push(`${path}=${await run("tar", ["-xzOf", layer, path])}`);
    } else out.push(`${line[0]} ${path}`);
  }
  return out;
}

async function rejectsAt(
  promise: Promise<unknown>,
  line: number,
  message: RegExp,
): Promise<IagoError> {
  let caught: unknown;
  await promise.catch((err) => caught = err);
  assert.ok(caught instanceof IagoError, `expected an IagoError, got ${caught}`);
  assert.deepEqual(caught.at, { file: "Containerfile", line });
  assert.match(caught.message, message);
  return caught;
}

Deno.test("ADD with a wildcard refuses a match that is a symlink out of the context, as a named source is", async () => {
  await using dir = await tempDir();
  const ctx = await contextWith(dir.path, {
    "archive.tar": { link: join(dir.path, "outside", "evil.tar") },
  });
  for (const source of ["ar*", "archive.tar", "a?chive.tar", "[a]rchive.*"]) {
    const err = await rejectsAt(
      build(dir.path, ctx, `FROM scratch\nADD ${source} /x/\n`),
      2,
      /symlink pointing outside the build context/,
    );
    assert.ok(!err.format().includes("outside secret"));
  }
});

Deno.test("COPY with a wildcard copies what a matched symlink inside the context points to, as buildah does", async () => {
  await using dir = await tempDir();
  const ctx = await contextWith(dir.path, {
    "a.txt": "a\n",
    "link.txt": { link: "a.txt" },
    "dirlink": { link: "tree" },
    "tree/b.txt": "b\n",
  });
  const image = await build(dir.path, ctx, "FROM scratch\nCOPY li* dirl* /x/\n");
  assert.deepEqual(await layerListing(dir.path, image), [
    "d x/",
    "x/b.txt=b\n",
    "x/link.txt=a\n",
  ]);
});

Deno.test("a symlink cannot reach what .containerignore excludes, named, matched or as a directory", async () => {
  await using dir = await tempDir();
  const ctx = await contextWith(dir.path, {
    ".containerignore": "secret.key\nprivate/*.key\n",
    "secret.key": "key\n",
    "key-link": { link: "secret.key" },
    "private/ok.txt": "ok\n",
    "private/id.key": "id key\n",
    "private-link": { link: "private" },
  });
  for (const source of ["key-link", "key-*", "private-link/id.key"]) {
    const err = await rejectsAt(
      build(dir.path, ctx, `FROM scratch\n\nCOPY ${source} /x/\n`),
      3,
      /is excluded by \.containerignore/,
    );
    assert.ok(!err.format().includes("key\n"));
  }
  const image = await build(dir.path, ctx, "FROM scratch\nCOPY private-link /x/\n");
  assert.deepEqual(await layerListing(dir.path, image), ["d x/", "x/ok.txt=ok\n"]);
});

Deno.test("a .containerignore linked to a file outside the context is refused without showing its text", async () => {
  await using dir = await tempDir();
  const ctx = await contextWith(dir.path, {
    ".containerignore": { link: join(dir.path, "outside", "secret.txt") },
  });
  let caught: unknown;
  await BuildContext.open(ctx, "containers/web").catch((err) => caught = err);
  assert.ok(caught instanceof IagoError);
  assert.equal(
    caught.message,
    "containers/web/.containerignore is a symlink pointing outside the build context",
  );
  assert.ok(!caught.format().includes("outside secret"));
});

Deno.test("a bad .containerignore pattern is reported at its file and line with the fix", async () => {
  await using dir = await tempDir();
  const ctx = await contextWith(dir.path, { ".containerignore": "# logs\n*.log\nbuild/[z-a]*\n" });
  let caught: unknown;
  await BuildContext.open(ctx, "containers/web").catch((err) => caught = err);
  assert.ok(caught instanceof IagoError);
  assert.deepEqual(caught.at, { file: "containers/web/.containerignore", line: 3 });
  assert.match(caught.message, /^Invalid pattern "build\/\[z-a\]\*": /);
  assert.match(caught.hint ?? "", /\\\[/);
});

Deno.test("a bad wildcard in a COPY source is reported at its Containerfile line", async () => {
  await using dir = await tempDir();
  const ctx = await contextWith(dir.path, { "a.txt": "a\n" });
  await rejectsAt(
    build(dir.path, ctx, "FROM scratch\nCOPY [z-a].txt /x/\n"),
    2,
    /Invalid pattern "\[z-a\]\.txt"/,
  );
});

Deno.test("COPY keeps FIFOs of the context as FIFOs, named or inside a directory, as buildah does", async () => {
  await using dir = await tempDir();
  const ctx = await contextWith(dir.path, { "d/x": "x\n" });
  await run("mkfifo", [join(ctx, "f"), join(ctx, "d", "p")]);
  const image = await build(dir.path, ctx, "FROM scratch\nCOPY f /f\nCOPY d /d/\nADD f /g\n");
  const store = new BlobStore(join(dir.path, "store"));
  const listings: string[] = [];
  for (const layer of image.layers) {
    const lines = (await run("tar", ["-tvzf", store.path(layer.digest)])).trim().split("\n");
    listings.push(...lines.map((l) => `${l.split(/\s+/)[0]} ${l.split(/\s+/).at(-1)}`));
  }
  assert.deepEqual(listings, [
    "prw-r--r-- f",
    "drwxr-xr-x d/",
    "prw-r--r-- d/p",
    "-rw-r--r-- d/x",
    "prw-r--r-- g",
  ]);
});

Deno.test("a .containerignore that is a directory or a FIFO is refused, not read", async () => {
  await using dir = await tempDir();
  const ctx = await contextWith(dir.path, { ".containerignore/x": "x\n" });
  await run("mkfifo", [join(ctx, ".dockerignore")]);
  for (const name of [".containerignore", ".dockerignore"]) {
    let caught: unknown;
    await BuildContext.open(ctx, "containers/web").catch((err) => caught = err);
    assert.ok(caught instanceof IagoError, String(caught));
    assert.equal(caught.message, `containers/web/${name} is not a file`);
    await Deno.remove(join(ctx, name), { recursive: true });
  }
});
