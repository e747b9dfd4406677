import assert from "node:assert/strict";
import { join } from "node:path";
import { IagoError } from "../../src/errors.ts";
import type { ImageSource } from "../../src/oci/base.ts";
import { BlobStore } from "../../src/oci/blobs.ts";
import { buildImage } from "../../src/oci/builder.ts";
import { parseContainerfile } from "../../src/oci/containerfile/parse.ts";
import { BuildContext } from "../../src/oci/context.ts";
import { sha256Digest } from "../../src/oci/digest.ts";
import { scratchConfig } from "../../src/oci/image.ts";
import { tempDir } from "../helpers/cli.ts";
import { writeTree } from "./fixtures.ts";

/** One uncompressed layer whose only header claims a negative size. */
function craftedLayer(): Uint8Array {
  const bytes = new Uint8Array(512 * 3);
  const put = (off: number, text: string) => bytes.set(new TextEncoder().encode(text), off);
  put(0, "evil");
  put(100, "0000644\0");
  put(124, "-0001000\0   ");
  put(156, "0");
  put(257, "ustar\0" + "00");
  bytes.fill(0x20, 148, 156);
  const sum = bytes.subarray(0, 512).reduce((a, x) => a + x, 0);
  put(148, sum.toString(8).padStart(6, "0") + "\0 ");
  return bytes;
}

Deno.test("a base image with a crafted layer fails at the line that reads it, naming the layer", async () => {
  const layer = craftedLayer();
  const digest = sha256Digest(layer);
  const platform = { os: "linux", architecture: "amd64" };
  const images: ImageSource = {
    resolve: () =>
      Promise.resolve({
        platform,
        config: scratchConfig(platform, "2024-01-01T00:00:00Z"),
        layers: [{
          mediaType: "application/vnd.oci.image.layer.v1.tar",
          digest,
          size: layer.length,
          diffId: digest,
          source: { registry: "registry.test", repository: "base" },
        }],
      }),
    blob: () => Promise.resolve(ReadableStream.from([layer])),
  };
  await using dir = await tempDir();
  await writeTree(dir.path, { a: "a\n" });
  for (
    const [source, line] of [
      ["FROM registry.test/base:1\nLABEL x=1\nCOPY a /a\n", 3],
      ["FROM registry.test/base:1\nWORKDIR /app\n", 2],
      ["FROM scratch\n\nCOPY --from=registry.test/base:1 /evil /evil\n", 3],
    ] as const
  ) {
    let caught: unknown;
    await buildImage({
      containerfile: parseContainerfile(source, "Containerfile"),
      context: await BuildContext.open(dir.path),
      platform,
      store: new BlobStore(join(dir.path, "store")),
      images,
      scratchDir: dir.path,
      epoch: 0,
    }).catch((err) => caught = err);
    assert.ok(caught instanceof IagoError, `${source}: ${caught}`);
    assert.deepEqual(caught.at, { file: "Containerfile", line }, source);
    assert.equal(
      caught.message,
      `Cannot read layer ${digest} of the image: entry "evil" (header at byte 0): invalid size field "-0001000"`,
    );
  }
});
