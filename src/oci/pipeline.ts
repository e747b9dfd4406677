/**
 * One build from Containerfile to a `BuildResult`: parse, choose the builder (native, or
 * buildah/podman when RUN needs a runtime), build every requested platform, serialize.
 */
import { dirname, join } from "node:path";
import { IagoError } from "../errors.ts";
import type { ImageSource } from "./base.ts";
import { BlobStore } from "./blobs.ts";
import { buildImage, runLines } from "./builder.ts";
import { type Containerfile, parseContainerfile } from "./containerfile/parse.ts";
import { BuildContext } from "./context.ts";
import { buildWithDelegate, type Delegate, findExecutable } from "./delegate.ts";
import { formatPlatform, type Image, type Platform } from "./image.ts";
import type { LayerCompression } from "./compression.ts";
import type { LayerCache } from "./layer_cache.ts";
import { type BuildResult, finishBuild } from "./result.ts";

export type BuilderChoice = "auto" | "native" | Delegate;

export interface BuildRequest {
  /** The container directory: the build context. */
  contextDir: string;
  containerfilePath: string;
  /** The Containerfile's path in messages (`containers/web/Containerfile`). */
  displayPath: string;
  /** The directory the Containerfile must resolve inside (the workspace). */
  workspaceRoot: string;
  platforms: Platform[];
  builder: BuilderChoice;
  images: ImageSource;
  /** A fresh directory for this build's blobs and temporary files. */
  scratchDir: string;
  /** Where buildah/podman keep their storage between builds. */
  delegateStorageDir: string;
  /** Where the header lists of base layers are kept between builds. */
  treeCacheDir?: string;
  /** The layer cache (`.iago/cache/layers`): unchanged layers are not built again. */
  layerCache?: LayerCache;
  /** How the native builder compresses new layers (default gzip). */
  compression?: LayerCompression;
  epoch: number;
  insecureRegistries: string[];
  env: Record<string, string | undefined>;
  buildArgs?: Record<string, string>;
  /** Hears the native builder's warnings (`Containerfile:LINE: ...`). */
  warn?: (line: string) => void;
}

export interface BuildOutcome {
  result: BuildResult;
  builder: "native" | Delegate;
}

/** Builds the request; throws an `IagoError` citing `Containerfile:LINE` on bad input. */
export async function runBuild(req: BuildRequest): Promise<BuildOutcome> {
  let text: string;
  try {
    // Read only from inside the workspace: a parse error would show a line of what it leads to.
    const real = await Deno.realPath(req.containerfilePath);
    const root = await Deno.realPath(req.workspaceRoot);
    if (!real.startsWith(root + "/")) {
      throw new IagoError(`${req.displayPath} is a symlink pointing outside the workspace`, {
        hint: "copy the Containerfile into the workspace (a link to another container's is fine)",
      });
    }
    text = await Deno.readTextFile(real);
  } catch (err) {
    if (err instanceof IagoError) throw err;
    throw new IagoError(`Cannot read ${req.displayPath}`, {
      hint: "each container directory needs a Containerfile (iago init creates one)",
    });
  }
  const cf = parseContainerfile(text, req.displayPath);
  // Opened for every builder: buildah and podman read the same ignore file, which must pass
  // the same checks (inside the context, valid patterns) before it is handed to them.
  const context = await BuildContext.open(req.contextDir, dirname(req.displayPath));
  const runs = runLines(cf);
  let builder: "native" | Delegate = "native";
  if (req.builder === "buildah" || req.builder === "podman") {
    builder = req.builder;
  } else if (runs.length > 0) {
    if (req.builder === "auto") {
      for (const tool of ["buildah", "podman"] as const) {
        if (await findExecutable(tool, req.env)) {
          builder = tool;
          break;
        }
      }
    }
    if (builder === "native") throw runError(cf, runs, req.builder);
  }
  if (builder !== "native") {
    const executable = await findExecutable(builder, req.env);
    if (!executable) {
      throw new IagoError(`--builder ${builder}: ${builder} is not installed`, {
        hint: `install it (apt-get install ${builder}) or use --builder native`,
      });
    }
    if (req.platforms.length > 1) {
      throw new IagoError(
        `${builder} builds one platform at a time here; got ${
          req.platforms.map(formatPlatform).join(", ")
        }`,
        {
          hint:
            "build each --platform separately, or replace RUN so the native builder can build all",
        },
      );
    }
    const result = await buildWithDelegate({
      tool: builder,
      executable,
      containerfile: cf,
      containerfilePath: req.containerfilePath,
      contextDir: req.contextDir,
      platform: req.platforms[0],
      epoch: req.epoch,
      storageDir: req.delegateStorageDir,
      scratchDir: req.scratchDir,
      insecureRegistries: req.insecureRegistries,
      env: req.env,
    });
    return { result: { ...result, source: req.images }, builder };
  }
  const store = new BlobStore(join(req.scratchDir, "layout"));
  const images: Image[] = [];
  for (const platform of req.platforms) {
    const scratch = join(req.scratchDir, `tmp-${formatPlatform(platform).replaceAll("/", "-")}`);
    await Deno.mkdir(scratch, { recursive: true });
    images.push(
      await buildImage({
        containerfile: cf,
        context,
        platform,
        store,
        images: req.images,
        scratchDir: scratch,
        epoch: req.epoch,
        buildArgs: req.buildArgs,
        treeCacheDir: req.treeCacheDir,
        warn: req.warn,
        layerCache: req.layerCache,
        compression: req.compression,
      }),
    );
  }
  return { result: await finishBuild(images, store, req.images), builder };
}

function runError(cf: Containerfile, lines: number[], builder: BuilderChoice): IagoError {
  const list = lines.length === 1 ? `line ${lines[0]}` : `lines ${lines.join(", ")}`;
  const why = builder === "native"
    ? "--builder native cannot execute RUN"
    : "RUN needs buildah or podman, and neither is installed";
  return new IagoError(`${why} (RUN on ${list})`, {
    at: { file: cf.file, line: lines[0] },
    hint:
      "install buildah or podman and use --builder auto, or replace each RUN with files: COPY --chmod, sysusers.d, tmpfiles.d, *.wants/ symlinks",
  });
}
