/**
 * Registry client throughput against the real Distribution registry on loopback:
 * re-pushing an image whose blobs all exist (target: no upload, under 1 s) and a streamed
 * 64 MiB upload. Run with `deno bench -A bench/registry_push_bench.ts`.
 */
import { RegistryClient } from "../src/registry/mod.ts";
import { startRegistry } from "../tests/helpers/registry.ts";
import { randomBlob, streamOf, testImage } from "../tests/registry/_images.ts";

const registry = await startRegistry();
const client = new RegistryClient(registry.host, { insecure: true });
const layers = Array.from({ length: 20 }, () => randomBlob(256 * 1024));
const image = testImage(layers[0]);
for (const l of layers) await client.pushBlob("bench/web", l, streamOf(l.bytes));
await client.pushBlob("bench/web", image.config, streamOf(image.config.bytes));
const big = randomBlob(64 * 1024 * 1024);
let uploads = 0;

Deno.bench("re-push of a 21-blob image that is all in the registry", async () => {
  for (const l of layers) {
    const r = await client.pushBlob("bench/web", l, streamOf(l.bytes));
    if (r !== "exists") throw new Error(`expected no upload, got ${r}`);
  }
  await client.pushBlob("bench/web", image.config, streamOf(image.config.bytes));
  await client.putManifest("bench/web", "latest", image.manifest, image.mediaType);
});

Deno.bench("streamed upload of a 64 MiB blob", { n: 5, warmup: 0 }, async () => {
  // A fresh repository each time, so the blob is uploaded, not found.
  await client.pushBlob(`bench/up${uploads++}`, big, streamOf(big.bytes));
});

globalThis.addEventListener("unload", () => {
  registry.stop();
});
