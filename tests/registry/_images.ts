/** Small test images: random blobs, an image config and an OCI manifest over them. */
import { createHash } from "node:crypto";

export interface TestBlob {
  digest: string;
  size: number;
  bytes: Uint8Array;
}

/** A blob of `size` random bytes. */
export function randomBlob(size: number): TestBlob {
  const bytes = new Uint8Array(size);
  for (let off = 0; off < size; off += 65536) {
    crypto.getRandomValues(bytes.subarray(off, Math.min(size, off + 65536)));
  }
  return blobOf(bytes);
}

export function blobOf(bytes: Uint8Array): TestBlob {
  return {
    bytes,
    size: bytes.length,
    digest: `sha256:${createHash("sha256").update(bytes).digest("hex")}`,
  };
}

/** A stream factory over `bytes`, in 64 KiB pieces. */
export function streamOf(bytes: Uint8Array): () => ReadableStream<Uint8Array> {
  return () => {
    let off = 0;
    return new ReadableStream({
      pull(c) {
        if (off >= bytes.length) return c.close();
        c.enqueue(bytes.slice(off, off + 65536));
        off += 65536;
      },
    });
  };
}

/** A config blob and a manifest over one layer; `seed` makes distinct images. */
export function testImage(layer: TestBlob, seed = "x"): {
  config: TestBlob;
  manifest: Uint8Array;
  mediaType: string;
} {
  const config = blobOf(new TextEncoder().encode(JSON.stringify({
    architecture: "amd64",
    os: "linux",
    config: { Labels: { seed } },
    rootfs: { type: "layers", diff_ids: [layer.digest] },
  })));
  const mediaType = "application/vnd.oci.image.manifest.v1+json";
  const manifest = new TextEncoder().encode(JSON.stringify({
    schemaVersion: 2,
    mediaType,
    config: {
      mediaType: "application/vnd.oci.image.config.v1+json",
      digest: config.digest,
      size: config.size,
    },
    layers: [{
      mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
      digest: layer.digest,
      size: layer.size,
    }],
  }));
  return { config, manifest, mediaType };
}
