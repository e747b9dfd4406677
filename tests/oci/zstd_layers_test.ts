/**
 * zstd layers written by iago (`--compression zstd`, `[build] compression = "zstd"`): read back
 * by skopeo, podman and the zstd tool, pushed to a real registry, reproducible.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { iago, tempDir } from "../helpers/cli.ts";
import { scratchPodman } from "../helpers/podman.ts";
import { requireTool, startRegistry } from "../helpers/registry.ts";
import { run, skopeoJson, writeTree } from "./fixtures.ts";

const ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd";
const GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";

/** A workspace whose `web` container holds a 5 MiB file (several zstd frames), a link, modes. */
async function workspace(root: string, host: string, defaults = ""): Promise<void> {
  await writeTree(root, {
    "config/defaults.toml":
      `[container_registry]\nurl = "${host}/team"\ninsecure = ["${host}"]\n${defaults}`,
    "containers/web/Containerfile":
      "FROM scratch\nCOPY --chmod=0755 bin/ /usr/bin/\nCOPY data/ /srv/data/\n",
    "containers/web/bin/tool": "#!/bin/sh\necho tool\n",
    "containers/web/data/notes.txt": "zstd layer\n".repeat(1000),
    "containers/web/data/current": { link: "notes.txt" },
  });
  const big = new Uint8Array(5 << 20);
  for (let i = 0; i < big.length; i += 65536) crypto.getRandomValues(big.subarray(i, i + 65536));
  await Deno.writeFile(join(root, "containers/web/data/blob.bin"), big);
}

Deno.test("--compression zstd writes zstd layers that skopeo, podman and zstd read, the same twice", async () => {
  await requireTool("/usr/bin/zstd", "zstd");
  await using scratch = await tempDir();
  const ws = join(scratch.path, "ws");
  await workspace(ws, "registry.example");
  const archive = join(ws, "output/images/web.tar");
  const build = async () => {
    const r = await iago(["build", "web", "--no-push", "--compression", "zstd"], { cwd: ws });
    assert.equal(r.code, 0, r.stderr);
    return /@(sha256:[0-9a-f]{64})/.exec(r.stdout)![1];
  };
  const digest = await build();
  const manifest = await skopeoJson(["inspect", "--raw", `oci-archive:${archive}`]);
  const layers = manifest.layers as { mediaType: string; digest: string }[];
  assert.deepEqual(layers.map((l) => l.mediaType), [ZSTD, ZSTD]);

  // The same bytes without the layer cache, from another checkout.
  await Deno.remove(join(ws, ".iago"), { recursive: true });
  const other = join(scratch.path, "other");
  await workspace(other, "registry.example");
  await Deno.copyFile(
    join(ws, "containers/web/data/blob.bin"),
    join(other, "containers/web/data/blob.bin"),
  );
  const r = await iago(["-C", other, "build", "web", "--no-push", "--compression", "zstd"], {
    cwd: scratch.path,
  });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(/@(sha256:[0-9a-f]{64})/.exec(r.stdout)![1], digest);
  assert.equal(await build(), digest);

  const layout = join(scratch.path, "layout");
  await run("skopeo", ["copy", "--quiet", `oci-archive:${archive}`, `oci:${layout}:web`]);
  // The zstd tool checks every frame (content checksums included).
  for (const l of layers) {
    await run("zstd", ["-t", "-q", join(layout, "blobs/sha256", l.digest.slice(7))]);
  }

  const podman = (args: string[]) => scratchPodman(join(scratch.path, "podman"), args);
  await podman(["load", "-q", "-i", archive]);
  // umoci 0.4.7 (Debian 12) reads no zstd layer ("blob is not correct mediatype"): the files
  // are checked in podman's unpacked image instead.
  const rootfs = (await podman(["image", "mount", "registry.example/team/web:latest"])).trim();
  assert.equal((await Deno.lstat(join(rootfs, "usr/bin/tool"))).mode! & 0o777, 0o755);
  assert.equal(await Deno.readLink(join(rootfs, "srv/data/current")), "notes.txt");
  assert.equal(
    await Deno.readTextFile(join(rootfs, "srv/data/notes.txt")),
    "zstd layer\n".repeat(1000),
  );
  assert.deepEqual(
    await Deno.readFile(join(rootfs, "srv/data/blob.bin")),
    await Deno.readFile(join(ws, "containers/web/data/blob.bin")),
  );
});

Deno.test('[build] compression = "zstd" in defaults.toml is pushed as zstd, and --compression gzip overrides it', async () => {
  const registry = await startRegistry();
  await using scratch = await tempDir();
  try {
    const ws = join(scratch.path, "ws");
    await workspace(ws, registry.host, '[build]\ncompression = "zstd"\n');
    const types = async () => {
      const m = await skopeoJson([
        "inspect",
        "--raw",
        "--tls-verify=false",
        `docker://${registry.host}/team/web:latest`,
      ]);
      return (m.layers as { mediaType: string }[]).map((l) => l.mediaType);
    };
    const zstd = await iago(["build", "web"], { cwd: ws });
    assert.equal(zstd.code, 0, zstd.stderr);
    assert.deepEqual(await types(), [ZSTD, ZSTD]);
    const gzip = await iago(["build", "web", "--compression", "gzip"], { cwd: ws });
    assert.equal(gzip.code, 0, gzip.stderr);
    assert.match(gzip.stdout, /2 blobs uploaded/);
    assert.deepEqual(await types(), [GZIP, GZIP]);
    const bad = await iago(["build", "web", "--compression", "xz"], { cwd: ws });
    assert.equal(bad.code, 2);
  } finally {
    await registry.stop();
  }
});
