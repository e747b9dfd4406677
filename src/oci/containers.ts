/**
 * `iago build` below the CLI: for each container of the workspace, work out its image name
 * and tags, build it, then push it (or write `output/images/NAME.tar`). Several containers:
 * a failure does not stop the others.
 */
import { join } from "node:path";
import { loadDefaults, loadMachine } from "../config/mod.ts";
import type { Defaults } from "../config/mod.ts";
import { didYouMean, IagoError, UsageError } from "../errors.ts";
import {
  type ImageReference,
  isInsecureRegistry,
  parseImageReference,
  type ProgressEvent,
  RegistryClient,
  registryUsername,
  resolveCredentials,
} from "../registry/mod.ts";
import { checkMachineName, type Workspace } from "../workspace.ts";
import { RegistryImageSource } from "./base.ts";
import { hostPlatform, parsePlatform, type Platform } from "./image.ts";
import type { LayerCompression } from "./compression.ts";
import { LayerCache } from "./layer_cache.ts";
import { writeOciArchive } from "./layout.ts";
import type { Delegate } from "./delegate.ts";
import { type BuilderChoice, runBuild } from "./pipeline.ts";
import { pushBuild, type PushSummary } from "./push.ts";
import type { BuildResult } from "./result.ts";

export interface BuildOptions {
  all: boolean;
  tags: string[];
  local: boolean;
  push: boolean;
  /** `--platform` as given: `linux/amd64,linux/arm64`. */
  platform?: string;
  builder: BuilderChoice;
  /** `--compression`; else `[build] compression`. */
  compression?: LayerCompression;
  token?: string;
  env: Readonly<Record<string, string | undefined>>;
  /** Per-blob transfer events (the CLI shows them on a TTY). */
  onProgress?: (container: string, e: ProgressEvent) => void;
  debug?: (line: string) => void;
  /** Build warnings (`containers/NAME/Containerfile:LINE: ...`). */
  warn?: (line: string) => void;
}

/** What happened to one container. */
export interface ContainerOutcome {
  name: string;
  status: "pushed" | "written" | "failed";
  /** `registry/repository` pushed to. */
  image?: string;
  tags?: string[];
  /** Manifest (or index) digest. */
  digest?: string;
  /** Workspace-relative archive path (`--no-push`). */
  archive?: string;
  push?: PushSummary;
  /** Layers this build added: found in the layer cache, and built. */
  layers?: { cached: number; built: number };
  builder?: string;
  ms: number;
  error?: unknown;
  /** For the signing step: the client that pushed, and the repository. */
  client?: RegistryClient;
  repository?: string;
}

/**
 * Builds the named containers (or all); calls `onOutcome` as each finishes. Call it holding
 * the workspace's build lock.
 */
export async function buildContainers(
  ws: Workspace,
  names: string[],
  options: BuildOptions,
  onOutcome: (o: ContainerOutcome) => void = () => {},
): Promise<ContainerOutcome[]> {
  if (options.all && names.length > 0) {
    throw new UsageError("Give container names or --all, not both");
  }
  const available = await ws.containerNames();
  const targets = options.all ? available : names;
  if (targets.length === 0) {
    throw new UsageError(options.all ? "No containers in containers/" : "Which container?", {
      hint: options.all
        ? "iago init NAME creates containers/NAME/"
        : "iago build NAME... or iago build --all",
    });
  }
  for (const name of targets) {
    checkMachineName(name);
    if (!available.includes(name)) {
      const near = didYouMean(name, available);
      throw new UsageError(`No container "${name}" in containers/`, {
        hint: near ? `did you mean ${near}?` : "iago init NAME creates containers/NAME/",
      });
    }
  }
  for (const tag of options.tags) {
    if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(tag)) {
      throw new UsageError(`Invalid tag "${tag}"`, {
        hint: "a tag is up to 128 letters, digits, _ . - and does not start with . or -",
      });
    }
  }
  const platforms = parsePlatforms(options.platform);
  const epoch = sourceDateEpoch(options.env);
  const defaults = await loadDefaults(ws);
  await removeKilledBuildsScratch(ws);
  const outcomes: ContainerOutcome[] = [];
  for (const name of targets) {
    const started = performance.now();
    let outcome: ContainerOutcome;
    try {
      outcome = await buildOne(ws, name, defaults, platforms, epoch, options);
    } catch (error) {
      outcome = { name, status: "failed", error, ms: 0 };
    }
    outcome.ms = Math.round(performance.now() - started);
    outcomes.push(outcome);
    onOutcome(outcome);
  }
  return outcomes;
}

/**
 * Removes the scratch directories (`.iago/tmp/build-*`) of builds that were killed: the caller
 * holds the build lock, so no other build is using one.
 */
async function removeKilledBuildsScratch(ws: Workspace): Promise<void> {
  const tmp = join(ws.stateDir, "tmp");
  try {
    for await (const entry of Deno.readDir(tmp)) {
      if (entry.isDirectory && entry.name.startsWith("build-")) {
        await Deno.remove(join(tmp, entry.name), { recursive: true });
      }
    }
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
}

async function buildOne(
  ws: Workspace,
  name: string,
  defaults: Defaults,
  platforms: Platform[],
  epoch: number,
  options: BuildOptions,
): Promise<ContainerOutcome> {
  return await withBuiltContainer(ws, name, defaults, platforms, epoch, options, async (b) => {
    const { result, builder, image, tags, target, layers } = b;
    if (!options.push) {
      const archive = ws.imageArchive(name);
      // One index.json entry: skopeo and podman read an archive holding one image without
      // being told which; the other tags are applied on push.
      await writeOciArchive(result, archive, [`${image}:${tags[0]}`]);
      return {
        name,
        status: "written",
        image,
        tags,
        digest: result.top.descriptor.digest,
        archive: ws.relative(archive),
        layers,
        builder,
        ms: 0,
      };
    }
    const client = b.clientFor(target.registry);
    const push = await pushBuild(result, { client, repository: target.repository }, tags);
    return {
      name,
      status: "pushed",
      image,
      tags,
      digest: push.digest,
      push,
      layers,
      builder,
      ms: 0,
      client,
      repository: target.repository,
    };
  });
}

/** A container built in a scratch directory, before it is pushed or written anywhere. */
export interface BuiltContainer {
  result: BuildResult;
  builder: "native" | Delegate;
  /** Where `build` pushes it. */
  target: ImageReference;
  /** `registry/repository`. */
  image: string;
  /** The tags `build` points at it: the machine's container_tag, or the --tag values alone. */
  tags: string[];
  /** The registry client of each host (with the build's credentials and insecure setting). */
  clientFor: (registry: string) => RegistryClient;
  /** Layers the build added: found in the layer cache, and built. */
  layers: { cached: number; built: number };
}

/**
 * Builds container `name` as `iago build` would, hands the result to `use` while its blobs
 * exist (a scratch directory under `.iago/tmp`, removed afterwards) and returns what `use`
 * returns. `build` pushes or archives it; `plan` compares it with the registry's image.
 */
export async function withBuiltContainer<T>(
  ws: Workspace,
  name: string,
  defaults: Defaults,
  platforms: Platform[],
  epoch: number,
  options: BuildOptions,
  use: (built: BuiltContainer) => Promise<T>,
): Promise<T> {
  let repositoryRef = `${defaults.containerRegistry.url}/${name}`;
  // The tag the machine runs, or only the --tag values: `--tag staging` must not move the tag
  // every other machine pulls at its next update.
  let machineTag = "latest";
  try {
    await Deno.lstat(ws.machineFile(name));
    const machine = await loadMachine(ws, name, defaults);
    repositoryRef = machine.containerImage;
    machineTag = machine.containerTag;
  } catch (err) {
    if (err instanceof IagoError) throw err;
    // A container without a machine uses the defaults only.
  }
  const tags = new Set(options.tags.length > 0 ? options.tags : [machineTag]);
  if (options.local) repositoryRef = `localhost:5000/${name}`;
  const target = parseImageReference(repositoryRef);
  const insecure = defaults.containerRegistry.insecure;
  const credentials = resolveCredentials({
    token: options.token,
    env: options.env,
    username: registryUsername(defaults),
    onepasswordReference: defaults.secrets.onepasswordReference,
    tokenRegistries: [target.registry],
  });
  const clients = new Map<string, RegistryClient>();
  const clientFor = (registry: string) => {
    let c = clients.get(registry);
    if (!c) {
      c = new RegistryClient(registry, {
        insecure: isInsecureRegistry(registry, insecure),
        credentials,
        onProgress: options.onProgress && ((e) => options.onProgress!(name, e)),
        debug: options.debug,
      });
      clients.set(registry, c);
    }
    return c;
  };
  await Deno.mkdir(ws.stateDir, { recursive: true, mode: 0o700 });
  await Deno.mkdir(join(ws.stateDir, "tmp"), { recursive: true });
  const scratch = await Deno.makeTempDir({
    dir: join(ws.stateDir, "tmp"),
    prefix: `build-${name}-`,
  });
  try {
    const dir = ws.containerDir(name);
    const layerCache = new LayerCache(join(ws.stateDir, "cache", "layers"));
    const { result, builder } = await runBuild({
      contextDir: dir,
      containerfilePath: join(dir, "Containerfile"),
      displayPath: ws.relative(join(dir, "Containerfile")),
      workspaceRoot: ws.root,
      platforms,
      builder: options.builder,
      images: new RegistryImageSource(clientFor),
      scratchDir: scratch,
      delegateStorageDir: join(ws.stateDir, "cache", "containers-storage"),
      treeCacheDir: join(ws.stateDir, "cache", "layer-trees"),
      layerCache,
      compression: options.compression ?? defaults.build.compression,
      epoch,
      insecureRegistries: insecure,
      env: options.env,
      warn: options.warn,
    });
    const image = `${target.registry}/${target.repository}`;
    const { stat, content, built } = layerCache.counts;
    const layers = { cached: stat + content, built };
    return await use({ result, builder, target, image, tags: [...tags], clientFor, layers });
  } finally {
    await Deno.remove(scratch, { recursive: true }).catch(() => {});
  }
}

/** `--platform` as a list; the host's platform when not given. */
export function parsePlatforms(text?: string): Platform[] {
  if (text === undefined || text.trim() === "") return [hostPlatform()];
  const list = text.split(",").map((p) => parsePlatform(p));
  const seen = new Set<string>();
  for (const p of list) {
    const key = JSON.stringify(p);
    if (seen.has(key)) throw new UsageError(`Platform "${text}" lists one platform twice`);
    seen.add(key);
  }
  return list;
}

/** `SOURCE_DATE_EPOCH` (whole seconds) or 0. */
export function sourceDateEpoch(env: Readonly<Record<string, string | undefined>>): number {
  const v = env.SOURCE_DATE_EPOCH;
  if (v === undefined || v === "") return 0;
  if (!/^\d+$/.test(v)) {
    throw new UsageError(`Invalid SOURCE_DATE_EPOCH "${v}"`, {
      hint: "give whole seconds since 1970, e.g. $(git log -1 --format=%ct)",
    });
  }
  return Number(v);
}
