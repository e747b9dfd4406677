/**
 * zstd: bases whose layers are zstd-compressed (as skopeo, podman and newer Fedora images write
 * them) are read like gzip ones, and `ADD x.tar.zst` extracts like `ADD x.tar.gz`.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { iago, tempDir } from "../helpers/cli.ts";
import { requireTool, startRegistry } from "../helpers/registry.ts";
import { makeWorkspace, pushBases, run, skopeoJson, writeTree } from "./fixtures.ts";

Deno.test("a zstd base is followed through its symlinks, read by COPY --from, and ADD extracts .tar.zst", async () => {
  await requireTool("/usr/bin/zstd", "zstd");
  const registry = await startRegistry();
  await using scratch = await tempDir();
  try {
    await pushBases(registry.host, scratch.path);
    // The same base, its layer recompressed with zstd by skopeo (through an OCI layout, so
    // skopeo cannot reuse the gzip blob already in the registry).
    await run("skopeo", [
      "copy",
      "--quiet",
      "--dest-compress",
      "--dest-compress-format=zstd",
      `oci:${join(scratch.path, "base-single")}:1`,
      `oci:${join(scratch.path, "base-zstd")}:1`,
    ]);
    await run("skopeo", [
      "copy",
      "--quiet",
      "--dest-tls-verify=false",
      `oci:${join(scratch.path, "base-zstd")}:1`,
      `docker://${registry.host}/base:zstd`,
    ]);
    const base = await skopeoJson([
      "inspect",
      "--raw",
      "--tls-verify=false",
      `docker://${registry.host}/base:zstd`,
    ]);
    const baseLayers = base.layers as { mediaType: string }[];
    assert.deepEqual(baseLayers.map((l) => l.mediaType), [
      "application/vnd.oci.image.layer.v1.tar+zstd",
    ]);

    const ws = join(scratch.path, "ws");
    await makeWorkspace(ws, registry.host);
    const ctx = join(ws, "containers/web");
    await writeTree(ctx, {
      "Containerfile": `FROM ${registry.host}/base:zstd
COPY x /bin/x
COPY --from=${registry.host}/base:zstd /usr/bin/tool /copied-tool
ADD files.tar.zst /opt/extract/
`,
      "x": "x\n",
      "src/a.txt": "a\n",
    });
    await run("tar", ["-cf", join(scratch.path, "files.tar"), "-C", join(ctx, "src"), "a.txt"]);
    await run("zstd", ["-q", "-o", join(ctx, "files.tar.zst"), join(scratch.path, "files.tar")]);
    await Deno.remove(join(ctx, "src"), { recursive: true });

    const r = await iago(["build", "web", "--platform", "linux/amd64"], { cwd: ws });
    assert.equal(r.code, 0, r.stderr);

    // Read the three new layers (gzip, iago's) from the registry.
    const dir = join(scratch.path, "pulled");
    await run("skopeo", [
      "copy",
      "--quiet",
      "--src-tls-verify=false",
      `docker://${registry.host}/team/web:latest`,
      `dir:${dir}`,
    ]);
    const manifest = JSON.parse(await Deno.readTextFile(join(dir, "manifest.json")));
    const ours = (manifest.layers as { digest: string }[]).slice(1);
    const listings = await Promise.all(
      ours.map((l) => run("tar", ["-tzf", join(dir, l.digest.slice("sha256:".length))])),
    );
    // /bin is a link to usr/bin in the base: the copy lands behind it.
    assert.deepEqual(listings[0].trim().split("\n"), ["usr/", "usr/bin/", "usr/bin/x"]);
    assert.deepEqual(listings[1].trim().split("\n"), ["copied-tool"]);
    assert.ok(listings[2].includes("opt/extract/a.txt"), listings[2]);
    const tool = await run("tar", ["-xzOf", join(dir, ours[1].digest.slice(7)), "copied-tool"]);
    assert.equal(tool, "#!/bin/sh\necho tool\n");
  } finally {
    await registry.stop();
  }
});
