/**
 * Registry client throughput against the real Distribution registry on loopback, each beside
 * `skopeo copy` doing the same from an OCI layout: re-pushing a 21-blob image whose blobs all
 * exist (target: no upload, under 1 s) and uploading images with a 32 MiB layer to a fresh
 * repository. Run with `deno bench -A bench/registry_push_bench.ts` (or `deno task bench`).
 */
import { join } from "node:path";
import { RegistryClient } from "../src/registry/mod.ts";
import { startRegistry } from "../tests/helpers/registry.ts";
import { blobOf, randomBlob, streamOf, type TestBlob } from "../tests/registry/_images.ts";

const registry = await startRegistry();
const client = new RegistryClient(registry.host, { insecure: true });

/** An OCI image over `layers`, and an OCI layout directory holding it for skopeo. */
async function image(layers: TestBlob[], seed: string) {
  const config = blobOf(new TextEncoder().encode(JSON.stringify({
    architecture: "amd64",
    os: "linux",
    config: { Labels: { seed } },
    rootfs: { type: "layers", diff_ids: layers.map((l) => l.digest) },
  })));
  const mediaType = "application/vnd.oci.image.manifest.v1+json";
  const manifest = blobOf(new TextEncoder().encode(JSON.stringify({
    schemaVersion: 2,
    mediaType,
    config: {
      mediaType: "application/vnd.oci.image.config.v1+json",
      digest: config.digest,
      size: config.size,
    },
    layers: layers.map((l) => ({
      mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
      digest: l.digest,
      size: l.size,
    })),
  })));
  const layout = await Deno.makeTempDir({ prefix: "iago-bench-layout-" });
  await Deno.mkdir(join(layout, "blobs/sha256"), { recursive: true });
  for (const b of [...layers, config, manifest]) {
    await Deno.writeFile(join(layout, "blobs/sha256", b.digest.slice(7)), b.bytes);
  }
  await Deno.writeTextFile(join(layout, "oci-layout"), '{"imageLayoutVersion":"1.0.0"}');
  await Deno.writeTextFile(
    join(layout, "index.json"),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [{
        mediaType,
        digest: manifest.digest,
        size: manifest.size,
        annotations: { "org.opencontainers.image.ref.name": "latest" },
      }],
    }),
  );
  return { layers, config, manifest, mediaType, layout };
}

async function iagoPush(img: Awaited<ReturnType<typeof image>>, repo: string): Promise<number> {
  let uploaded = 0;
  for (const b of [...img.layers, img.config]) {
    if (await client.pushBlob(repo, b, streamOf(b.bytes)) === "uploaded") uploaded++;
  }
  await client.putManifest(repo, "latest", img.manifest.bytes, img.mediaType);
  return uploaded;
}

async function skopeoCopy(layout: string, repo: string): Promise<void> {
  const out = await new Deno.Command("skopeo", {
    args: [
      "copy",
      "--quiet",
      "--dest-tls-verify=false",
      `oci:${layout}:latest`,
      `docker://${registry.host}/${repo}:latest`,
    ],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
}

const small = await image(Array.from({ length: 20 }, () => randomBlob(256 * 1024)), "small");
await iagoPush(small, "bench/web");
// Distinct images for every upload, so neither tool can find or mount a blob pushed before
// (skopeo remembers where it saw a blob and would mount it from there).
// (`deno bench` may call a function once more than `n`, hence the spare.)
const UPLOADS = 4;
const pool = (tool: string) =>
  Promise.all(
    Array.from(
      { length: UPLOADS + 2 },
      (_, i) => image([randomBlob(32 * 1024 * 1024)], `${tool}${i}`),
    ),
  );
const forIago = await pool("iago");
const forSkopeo = await pool("skopeo");
let iagoRuns = 0;
let skopeoRuns = 0;

Deno.bench(
  "iago: re-push of a 21-blob image that is all in the registry",
  { group: "existing", baseline: true },
  async () => {
    const uploaded = await iagoPush(small, "bench/web");
    if (uploaded !== 0) throw new Error(`expected no upload, got ${uploaded}`);
  },
);

Deno.bench("skopeo copy: the same image, all in the registry", { group: "existing" }, async () => {
  await skopeoCopy(small.layout, "bench/web");
});

Deno.bench(
  "iago: push of an image with a 32 MiB layer to a new repository",
  { group: "upload", baseline: true, n: UPLOADS, warmup: 0 },
  async () => {
    const i = iagoRuns++;
    await iagoPush(forIago[i], `bench/iago${i}`);
  },
);

Deno.bench(
  "skopeo copy: the same image to a new repository",
  { group: "upload", n: UPLOADS, warmup: 0 },
  async () => {
    const i = skopeoRuns++;
    await skopeoCopy(forSkopeo[i].layout, `bench/skopeo${i}`);
  },
);

// `deno bench` fires no unload event: `deno task bench` runs this under a TMPDIR it removes and
// ends the registry it started.
