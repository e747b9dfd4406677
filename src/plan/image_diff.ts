/**
 * What `build` would change in the registry: the image a machine's tag points at now against the
 * image built from its Containerfile, per platform: layers added and removed (with the step
 * that made each) and the runtime config fields that differ.
 */
import type { BuiltContainer } from "../oci/containers.ts";
import {
  formatPlatform,
  type ImageConfig,
  normalizePlatform,
  platformMatches,
  type SerializedImage,
} from "../oci/image.ts";
import { isIndexType } from "../oci/media_types.ts";
import type { RegistryClient } from "../registry/mod.ts";

export interface LayerChange {
  digest: string;
  size: number;
  /** The Containerfile step that made it (`COPY scripts/ /usr/local/bin/`), when known. */
  step?: string;
}

export interface ImageDiff {
  /** `registry/repository:tag`. */
  reference: string;
  /** `unchanged`; `changed`; `new`: the tag is not in the registry yet. */
  status: "unchanged" | "changed" | "new";
  /** The digest the tag points at now. */
  current?: string;
  /** The digest `build` would push. */
  built: string;
  layersAdded: LayerChange[];
  layersRemoved: LayerChange[];
  /** One line per config field that differs: `Env added: GREETING=hi`. */
  config: string[];
}

/** Compares `built` with what `tag` of its repository points at now (reads only). */
export async function diffImage(built: BuiltContainer, tag: string): Promise<ImageDiff> {
  const { target, result } = built;
  const client = built.clientFor(target.registry);
  const reference = `${built.image}:${tag}`;
  const diff: ImageDiff = {
    reference,
    status: "unchanged",
    built: result.top.descriptor.digest,
    layersAdded: [],
    layersRemoved: [],
    config: [],
  };
  const current = await client.resolveTag(target.repository, tag);
  if (current === undefined) {
    diff.status = "new";
    for (const img of result.images) diff.layersAdded.push(...layersOf(img.image.config, img));
    return diff;
  }
  diff.current = current;
  if (current === diff.built) return diff;
  diff.status = "changed";
  const several = result.images.length > 1;
  for (const img of result.images) {
    const prefix = several ? `${formatPlatform(img.image.platform)}: ` : "";
    const now = await registryImage(client, target.repository, current, img);
    if (!now) {
      diff.config.push(`${prefix}platform not in the registry's image yet`);
      diff.layersAdded.push(...layersOf(img.image.config, img));
      continue;
    }
    const builtLayers = layersOf(img.image.config, img);
    const have = new Set(now.layers.map((l) => l.digest));
    const will = new Set(builtLayers.map((l) => l.digest));
    diff.layersAdded.push(...builtLayers.filter((l) => !have.has(l.digest)));
    diff.layersRemoved.push(...now.layers.filter((l) => !will.has(l.digest)));
    diff.config.push(...configDetails(now.config, img.image.config).map((d) => prefix + d));
  }
  if (
    diff.layersAdded.length === 0 && diff.layersRemoved.length === 0 && diff.config.length === 0
  ) {
    diff.config.push("same layers and config; the manifest differs (media types or annotations)");
  }
  return diff;
}

interface RegistryImage {
  config: ImageConfig;
  layers: LayerChange[];
}

/** The registry's image at `digest` for the platform of `img`; undefined when it has none. */
async function registryImage(
  client: RegistryClient,
  repo: string,
  digest: string,
  img: SerializedImage,
): Promise<RegistryImage | undefined> {
  let manifest = await client.getManifest(repo, digest);
  let json = JSON.parse(new TextDecoder().decode(manifest.bytes));
  if (isIndexType(manifest.mediaType)) {
    const pick = (json.manifests ?? []).find((m: { platform?: never }) =>
      m.platform && platformMatches(normalizePlatform(m.platform), img.image.platform)
    );
    if (!pick) return undefined;
    manifest = await client.getManifest(repo, pick.digest);
    json = JSON.parse(new TextDecoder().decode(manifest.bytes));
  }
  const config = JSON.parse(
    await new Response(await client.getBlob(repo, json.config.digest)).text(),
  ) as ImageConfig;
  if (!platformMatches(normalizePlatform(config), img.image.platform)) return undefined;
  const steps = layerSteps(config);
  const layers = (json.layers ?? []) as { digest: string; size: number }[];
  return {
    config,
    layers: layers.map((l, i) => ({ digest: l.digest, size: l.size, step: steps[i] })),
  };
}

function layersOf(config: ImageConfig, img: SerializedImage): LayerChange[] {
  const steps = layerSteps(config);
  return img.image.layers.map((l, i) => ({ digest: l.digest, size: l.size, step: steps[i] }));
}

/** The `created_by` of each layer, from the history entries that made a layer. */
function layerSteps(config: ImageConfig): (string | undefined)[] {
  return (config.history ?? []).filter((h) => !h.empty_layer).map((h) =>
    h.created_by?.replace(/^\/bin\/sh -c #\(nop\)\s+/, "").trim()
  );
}

const FIELDS = [
  "User",
  "WorkingDir",
  "Entrypoint",
  "Cmd",
  "StopSignal",
  "Healthcheck",
  "Shell",
] as const;

/** The runtime config fields that differ, one line each; `created` and history aside. */
function configDetails(a: ImageConfig, b: ImageConfig): string[] {
  const out: string[] = [];
  const x = a.config ?? {};
  const y = b.config ?? {};
  for (const k of FIELDS) {
    const before = JSON.stringify(x[k] ?? null);
    const after = JSON.stringify(y[k] ?? null);
    if (before !== after) out.push(`${k} ${before} -> ${after}`);
  }
  const sets: [string, string[], string[]][] = [
    ["Env", x.Env ?? [], y.Env ?? []],
    ["Label", entries(x.Labels), entries(y.Labels)],
    ["ExposedPort", Object.keys(x.ExposedPorts ?? {}), Object.keys(y.ExposedPorts ?? {})],
    ["Volume", Object.keys(x.Volumes ?? {}), Object.keys(y.Volumes ?? {})],
  ];
  for (const [what, before, after] of sets) {
    for (const v of before) if (!after.includes(v)) out.push(`${what} removed: ${v}`);
    for (const v of after) if (!before.includes(v)) out.push(`${what} added: ${v}`);
  }
  return out;
}

function entries(labels?: Record<string, string>): string[] {
  return Object.entries(labels ?? {}).map(([k, v]) => `${k}=${v}`);
}
