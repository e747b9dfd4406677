/**
 * OCI image layouts: writing a build into a layout directory or an archive (`--no-push`:
 * `output/images/NAME.tar`, read by `skopeo inspect oci-archive:` and `podman load`), and
 * reading one that buildah or podman wrote.
 */
import { dirname, join } from "node:path";
import { IagoError } from "../errors.ts";
import { BlobStore } from "./blobs.ts";
import { digestHex } from "./digest.ts";
import type { Descriptor, ImageConfig, ImageLayer, SerializedImage } from "./image.ts";
import { canonicalJsonBytes } from "./json.ts";
import { readFileChunks } from "./layer.ts";
import { isIndexType, isManifestType, OCI_INDEX } from "./media_types.ts";
import type { BuildResult } from "./result.ts";
import { tarChunks, type TarEntry } from "./tar.ts";

const LAYOUT_FILE = canonicalJsonBytes({ imageLayoutVersion: "1.0.0" });

/** Every blob of a result, in a fixed order, with base layers fetched into the store. */
async function collectBlobs(result: BuildResult): Promise<string[]> {
  const digests = new Set<string>();
  for (const img of result.images) {
    for (const layer of img.image.layers) {
      if (!(await result.store.has(layer.digest))) {
        if (!layer.source || !result.source) {
          throw new IagoError(`Layer ${layer.digest} is not available to write`);
        }
        await result.store.putReadable(
          await result.source.blob(layer.source, layer.digest),
          layer.digest,
        );
      }
      digests.add(layer.digest);
    }
    digests.add(img.config.descriptor.digest);
    digests.add(img.manifest.descriptor.digest);
  }
  digests.add(result.top.descriptor.digest);
  return [...digests].sort();
}

function indexJson(result: BuildResult, refNames: string[]): Uint8Array {
  return canonicalJsonBytes({
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: refNames.map((name) => ({
      ...result.top.descriptor,
      annotations: { "org.opencontainers.image.ref.name": name },
    })),
  });
}

/**
 * Writes `result` as an OCI archive at `path` (atomically: a temporary file renamed into
 * place). `refNames` become `org.opencontainers.image.ref.name` entries of `index.json`.
 *
 * The archive is not synced to disk (as `podman save`, `skopeo copy` and `tar` do not): the
 * rename already keeps a killed build from leaving a partial archive, a power loss before the
 * kernel writes it back can at worst leave one that every reader rejects by its digests, never
 * a wrong image, and the same build writes the same bytes again. A sync would wait for the
 * whole archive to reach the disk, about 0.4 s per GB, on every `--no-push` build.
 */
export async function writeOciArchive(
  result: BuildResult,
  path: string,
  refNames: string[],
): Promise<void> {
  const blobs = await collectBlobs(result);
  const entries: TarEntry[] = [
    { path: "blobs", type: "dir", mode: 0o755, uid: 0, gid: 0 },
    { path: "blobs/sha256", type: "dir", mode: 0o755, uid: 0, gid: 0 },
  ];
  for (const digest of blobs) {
    const file = result.store.path(digest);
    entries.push({
      path: `blobs/sha256/${digestHex(digest)}`,
      type: "file",
      mode: 0o644,
      uid: 0,
      gid: 0,
      size: (await Deno.stat(file)).size,
      content: () => readFileChunks(file),
    });
  }
  for (
    const [name, bytes] of [["index.json", indexJson(result, refNames)], [
      "oci-layout",
      LAYOUT_FILE,
    ]] as const
  ) {
    entries.push({
      path: name,
      type: "file",
      mode: 0o644,
      uid: 0,
      gid: 0,
      size: bytes.length,
      content: async function* () {
        yield bytes;
      },
    });
  }
  await Deno.mkdir(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${crypto.randomUUID().slice(0, 8)}.tar.tmp`);
  const file = await Deno.open(tmp, { write: true, createNew: true, mode: 0o644 });
  try {
    for await (const chunk of tarChunks(entries)) {
      let off = 0;
      while (off < chunk.length) off += file.writeSync(chunk.subarray(off));
    }
    file.close();
    await Deno.rename(tmp, path);
  } catch (err) {
    try {
      file.close();
    } catch {
      // already closed
    }
    await Deno.remove(tmp).catch(() => {});
    throw err;
  }
}

/** Writes `result` into an OCI layout directory `dir` (blobs copied in). */
export async function writeOciLayout(
  result: BuildResult,
  dir: string,
  refNames: string[],
): Promise<void> {
  const target = new BlobStore(dir);
  await Deno.mkdir(join(dir, "blobs", "sha256"), { recursive: true });
  for (const digest of await collectBlobs(result)) {
    if (!(await target.has(digest))) {
      await Deno.copyFile(result.store.path(digest), target.path(digest));
    }
  }
  await Deno.writeFile(join(dir, "oci-layout"), LAYOUT_FILE);
  await Deno.writeFile(join(dir, "index.json"), indexJson(result, refNames));
}

/**
 * Reads the image tagged `refName` (or the only one) from an OCI layout another tool wrote,
 * keeping its exact manifest and config bytes.
 */
export async function readOciLayout(dir: string, refName?: string): Promise<BuildResult> {
  const store = new BlobStore(dir);
  const index = JSON.parse(await Deno.readTextFile(join(dir, "index.json"))) as {
    manifests: Descriptor[];
  };
  const pick = refName === undefined
    ? index.manifests[0]
    : index.manifests.find((m) => m.annotations?.["org.opencontainers.image.ref.name"] === refName);
  if (!pick) throw new IagoError(`OCI layout ${dir} has no image "${refName ?? ""}"`);
  const topBytes = await store.readBytes(pick.digest);
  const { annotations: _, ...topDescriptor } = pick;
  const manifests: Descriptor[] = isIndexType(pick.mediaType)
    ? (JSON.parse(new TextDecoder().decode(topBytes)) as { manifests: Descriptor[] }).manifests
    : [pick];
  const images: SerializedImage[] = [];
  for (const m of manifests) {
    if (!isManifestType(m.mediaType)) continue;
    const bytes = await store.readBytes(m.digest);
    const manifest = JSON.parse(new TextDecoder().decode(bytes)) as {
      config: Descriptor;
      layers: Descriptor[];
    };
    const configBytes = await store.readBytes(manifest.config.digest);
    const config = JSON.parse(new TextDecoder().decode(configBytes)) as ImageConfig;
    const layers: ImageLayer[] = manifest.layers.map((l, i) => ({
      mediaType: l.mediaType,
      digest: l.digest,
      size: l.size,
      diffId: config.rootfs.diff_ids[i],
    }));
    images.push({
      image: {
        platform: { os: config.os, architecture: config.architecture, variant: config.variant },
        config,
        layers,
      },
      format: m.mediaType.includes("docker") ? "docker" : "oci",
      config: { bytes: configBytes, descriptor: manifest.config },
      manifest: { bytes, descriptor: { mediaType: m.mediaType, digest: m.digest, size: m.size } },
    });
  }
  return { store, images, top: { bytes: topBytes, descriptor: topDescriptor } };
}
