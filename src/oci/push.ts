/**
 * Pushes a build to a registry: blobs first (skipped when present, mounted from the base's
 * repository on the same registry, streamed from the base's registry otherwise, uploaded from
 * the build's store for new layers), then each platform's manifest, then the index, then every
 * tag. The library is silent; progress goes through the client's `onProgress`.
 */
import { collectingGarbage } from "../memory.ts";
import { type RegistryClient, sameRegistry } from "../registry/mod.ts";
import type { BuildResult } from "./result.ts";

export interface PushTarget {
  client: RegistryClient;
  repository: string;
}

export interface PushSummary {
  /** Digest the tags point to. */
  digest: string;
  uploaded: number;
  mounted: number;
  existing: number;
  /** Bytes sent for uploaded blobs. */
  uploadedBytes: number;
}

const PARALLEL = 3;

/** Pushes `result` and points every tag at it. */
export async function pushBuild(
  result: BuildResult,
  target: PushTarget,
  tags: string[],
): Promise<PushSummary> {
  const summary: PushSummary = {
    digest: result.top.descriptor.digest,
    uploaded: 0,
    mounted: 0,
    existing: 0,
    uploadedBytes: 0,
  };
  const jobs = new Map<string, () => Promise<void>>();
  const count = (outcome: "exists" | "mounted" | "uploaded", size: number) => {
    if (outcome === "exists") summary.existing++;
    else if (outcome === "mounted") summary.mounted++;
    else {
      summary.uploaded++;
      summary.uploadedBytes += size;
    }
  };
  for (const img of result.images) {
    for (const layer of img.image.layers) {
      if (jobs.has(layer.digest)) continue;
      const desc = { digest: layer.digest, size: layer.size };
      jobs.set(layer.digest, async () => {
        const local = await result.store.has(layer.digest);
        const source = layer.source;
        let mountFrom: string | undefined;
        let body: () => ReadableStream<Uint8Array>;
        if (local || !source) {
          body = () => collectingGarbage(Deno.openSync(result.store.path(layer.digest)).readable);
        } else {
          if (sameRegistry(source.registry, target.client.registry)) mountFrom = source.repository;
          const open = () => result.source!.blob(source, layer.digest);
          body = () => lazyStream(open);
        }
        count(
          await target.client.pushBlob(target.repository, desc, body, { mountFrom }),
          desc.size,
        );
      });
    }
    const config = img.config;
    jobs.set(config.descriptor.digest, async () => {
      const bytes = config.bytes;
      const outcome = await target.client.pushBlob(
        target.repository,
        { digest: config.descriptor.digest, size: bytes.length },
        () => new Blob([bytes as Uint8Array<ArrayBuffer>]).stream(),
      );
      count(outcome, bytes.length);
    });
  }
  const queue = [...jobs.values()];
  await Promise.all(
    Array.from({ length: Math.min(PARALLEL, queue.length) }, async () => {
      for (let job = queue.shift(); job; job = queue.shift()) await job();
    }),
  );
  if (
    result.images.length > 1 ||
    result.top.descriptor.digest !== result.images[0].manifest.descriptor.digest
  ) {
    for (const img of result.images) {
      const m = img.manifest;
      await target.client.putManifest(
        target.repository,
        m.descriptor.digest,
        m.bytes,
        m.descriptor.mediaType,
      );
    }
  }
  for (const tag of tags) {
    await target.client.putManifest(
      target.repository,
      tag,
      result.top.bytes,
      result.top.descriptor.mediaType,
    );
  }
  return summary;
}

/** A stream that opens its source on first read, so a retry can start over. */
function lazyStream(open: () => Promise<ReadableStream<Uint8Array>>): ReadableStream<Uint8Array> {
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      reader ??= (await open()).getReader();
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    async cancel(reason) {
      await reader?.cancel(reason);
    },
  });
}
