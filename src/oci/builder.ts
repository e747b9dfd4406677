/**
 * The native builder: runs a parsed Containerfile's stages without any container runtime.
 * Instructions that change metadata edit the image config; COPY and ADD each add one
 * reproducible layer, and so does a WORKDIR the image lacks; destinations are looked up in the
 * image's file tree (`tree.ts`). RUN cannot run here (see `runLines`). Every step adds a
 * history entry.
 */
import { posix, relative } from "node:path";
import { formatLocation, IagoError, type SourceLocation } from "../errors.ts";
import type { ImageSource } from "./base.ts";
import type { BlobStore } from "./blobs.ts";
import type { Containerfile, Instruction, Stage } from "./containerfile/parse.ts";
import { parseContainerfile } from "./containerfile/parse.ts";
import { type Lookup, processWord, processWords, WordError } from "./containerfile/words.ts";
import type { BuildContext } from "./context.ts";
import { archiveSource } from "./archive.ts";
import {
  contextSources,
  type CopySource,
  heredocSource,
  placeSources,
  rootfsSources,
  urlSource,
} from "./copy.ts";
import {
  createdTimestamp,
  formatPlatform,
  type Image,
  parsePlatform,
  type Platform,
  scratchConfig,
} from "./image.ts";
import { parseHealthcheck } from "./healthcheck.ts";
import { compressorOf, type LayerCompression } from "./compression.ts";
import { buildLayer, sortEntries } from "./layer.ts";
import type { LayerCache } from "./layer_cache.ts";
import { Rootfs } from "./rootfs.ts";
import type { TarEntry } from "./tar.ts";
import { ACCOUNT_FILES, FileTree, loadTree, type TreeEntryList } from "./tree.ts";
import { type Owner, resolveOwner } from "./owner.ts";

export interface BuildInput {
  containerfile: Containerfile;
  context: BuildContext;
  /** The target platform (a stage's `FROM --platform` overrides it for that stage). */
  platform: Platform;
  store: BlobStore;
  images: ImageSource;
  /** Scratch directory for downloads and unpacked layers. */
  scratchDir: string;
  /** `SOURCE_DATE_EPOCH` or 0: every mtime and `created`. */
  epoch: number;
  buildArgs?: Record<string, string>;
  /** Where the header lists of base layers are kept between builds (see `tree.ts`). */
  treeCacheDir?: string;
  /** Hears warnings, each a line starting with `Containerfile:LINE: `. */
  warn?: (line: string) => void;
  /** Layers built before, by what determines their bytes (see `layer_cache.ts`). */
  layerCache?: LayerCache;
  /** How new layers are compressed (default gzip). */
  compression?: LayerCompression;
}

/** The line numbers of the RUN instructions (ONBUILD RUN included). */
export function runLines(cf: Containerfile): number[] {
  return cf.stages.flatMap((s) =>
    s.instructions.filter((i) => i.keyword === "RUN" || i.trigger?.keyword === "RUN").map((i) =>
      i.line
    )
  );
}

/** Builds the last stage (and the stages it needs) for one platform. */
export async function buildImage(input: BuildInput): Promise<Image> {
  return await new Build(input).stage(input.containerfile.stages.length - 1);
}

const DEFAULT_SHELL = ["/bin/sh", "-c"];

class Build {
  readonly #built = new Map<number, Promise<Image>>();
  readonly #rootfs = new Map<Image, Promise<Rootfs>>();
  readonly #globals: Map<string, string | undefined>;
  readonly #layerEntries = new Map<string, Promise<TreeEntryList>>();
  readonly created: string;

  constructor(readonly input: BuildInput) {
    this.created = createdTimestamp(input.epoch);
    this.#globals = new Map(Object.entries(platformArgs(input.platform)));
    for (const ins of input.containerfile.metaArgs) {
      this.#declareArgs(ins, this.#globals, (n) => this.#globals.get(n), this.#globals);
    }
  }

  at(line: number): SourceLocation {
    return { file: this.input.containerfile.file, line };
  }

  stage(index: number): Promise<Image> {
    let hit = this.#built.get(index);
    if (!hit) {
      hit = this.#runStage(this.input.containerfile.stages[index]);
      this.#built.set(index, hit);
    }
    return hit;
  }

  #word(text: string, lookup: Lookup, line: number): string {
    try {
      return processWord(text, lookup, this.input.containerfile.escape);
    } catch (err) {
      if (err instanceof WordError) throw new IagoError(err.message, { at: this.at(line) });
      throw err;
    }
  }

  #words(text: string, lookup: Lookup, line: number): string[] {
    try {
      return processWords(text, lookup, this.input.containerfile.escape);
    } catch (err) {
      if (err instanceof WordError) throw new IagoError(err.message, { at: this.at(line) });
      throw err;
    }
  }

  #declareArgs(
    ins: Instruction,
    into: Map<string, string | undefined>,
    lookup: Lookup,
    globals: Map<string, string | undefined>,
  ): string[] {
    const declared: string[] = [];
    for (const word of this.#words(ins.text, lookup, ins.line)) {
      const eq = word.indexOf("=");
      const name = eq === -1 ? word : word.slice(0, eq);
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
        throw new IagoError(`Invalid ARG name "${name}"`, { at: this.at(ins.line) });
      }
      const given = this.input.buildArgs?.[name];
      const value = given ?? (eq !== -1 ? word.slice(eq + 1) : globals.get(name));
      into.set(name, value);
      declared.push(eq === -1 ? name : `${name}=${word.slice(eq + 1)}`);
    }
    return declared;
  }

  async #runStage(stage: Stage): Promise<Image> {
    const { input } = this;
    const globalLookup: Lookup = (n) => this.#globals.get(n);
    let platform = input.platform;
    const platformFlag = stage.from.flags.find((f) => f.name === "platform");
    if (platformFlag?.value) {
      try {
        platform = parsePlatform(this.#word(platformFlag.value, globalLookup, stage.from.line));
      } catch (err) {
        throw new IagoError((err as Error).message, { at: this.at(stage.from.line) });
      }
    }
    const baseName = this.#word(stage.base, globalLookup, stage.from.line);
    if (baseName === "") {
      throw new IagoError(`FROM "${stage.base}" is empty after substitution`, {
        at: this.at(stage.from.line),
        hint: "give the ARG a default or pass a value",
      });
    }
    let image: Image;
    const earlier = input.containerfile.stages.find((s) =>
      s.index < stage.index && s.name === baseName.toLowerCase()
    );
    if (baseName.toLowerCase() === "scratch") {
      image = { platform, config: scratchConfig(platform, this.created), layers: [] };
    } else if (earlier) {
      const parent = await this.stage(earlier.index);
      image = { ...parent, config: structuredClone(parent.config), layers: [...parent.layers] };
    } else {
      const base = await input.images.resolve(baseName, platform, this.at(stage.from.line));
      image = {
        platform: base.platform,
        config: structuredClone(base.config),
        layers: [...base.layers],
        base: base.base,
      };
    }
    const config = image.config;
    config.created = this.created;
    config.config ??= {};
    config.history ??= [];
    // A base's ONBUILD triggers run here, first, and are not inherited further (Docker).
    const triggers = config.config.OnBuild ?? [];
    if (config.config.OnBuild) config.config.OnBuild = null;

    // The stage's config is edited in place and ENV kept as a map, written out once at the
    // end: copying them at every instruction made long Containerfiles quadratic.
    const state: StageState = {
      args: new Map(),
      env: envMap(config.config.Env ?? []),
      envChanged: false,
      cmdSet: false,
      image,
    };
    const instructions = [...stage.instructions];
    if (triggers.length > 0) {
      const parsed = parseContainerfile(`FROM scratch\n${triggers.join("\n")}\n`, "ONBUILD");
      instructions.unshift(
        ...parsed.stages[0].instructions.map((i) => ({ ...i, line: stage.from.line })),
      );
    }
    for (const ins of instructions) await this.#step(ins, state);
    if (state.envChanged) config.config.Env = [...state.env].map(([k, v]) => `${k}=${v}`);
    return image;
  }

  async #step(ins: Instruction, state: StageState): Promise<void> {
    const { image } = state;
    const config = image.config;
    const c = config.config!;
    const at = this.at(ins.line);
    const env = state.env;
    const lookup: Lookup = (n) => env.get(n) ?? state.args.get(n);
    const history = (createdBy: string, emptyLayer = true) => {
      config.history!.push({
        created: this.created,
        created_by: createdBy,
        comment: "iago build",
        ...(emptyLayer ? { empty_layer: true } : {}),
      });
    };
    switch (ins.keyword) {
      case "ARG": {
        const declared = this.#declareArgs(ins, state.args, lookup, this.#globals);
        history(`ARG ${declared.join(" ")}`);
        return;
      }
      case "ENV": {
        const pairs = this.#pairs(ins, lookup, "ENV");
        for (const [k, v] of pairs) env.set(k, v);
        state.envChanged = true;
        history(`ENV ${pairs.map(([k, v]) => `${k}=${v}`).join(" ")}`);
        return;
      }
      case "LABEL": {
        const pairs = this.#pairs(ins, lookup, "LABEL");
        c.Labels ??= {};
        for (const [k, v] of pairs) c.Labels[k] = v;
        history(`LABEL ${pairs.map(([k, v]) => `${k}=${v}`).join(" ")}`);
        return;
      }
      case "MAINTAINER":
        config.author = ins.text;
        history(`MAINTAINER ${ins.text}`);
        return;
      case "WORKDIR": {
        const dir = this.#word(ins.text, lookup, ins.line);
        c.WorkingDir = posix.resolve(c.WorkingDir || "/", dir);
        // Docker and buildah create a missing working directory (0755 root:root in buildah),
        // following the image's symlinks to it.
        const tree = await this.#tree(state, at);
        const path = tree.resolve(c.WorkingDir, true);
        notUnderFile(tree, path, true, `WORKDIR ${c.WorkingDir}`, at, "give WORKDIR a directory");
        if (path === "" || tree.get(path)?.type === "dir") {
          history(`WORKDIR ${c.WorkingDir}`);
          return;
        }
        // Created (with its missing parents) for the USER, as buildah and BuildKit do.
        const owner = c.User ? this.#owner(tree, c.User, `USER ${c.User}`, at) : undefined;
        const created: CopySource = {
          name: "",
          isDir: true,
          items: [{ rel: "", type: "dir", mode: 0o755, uid: 0, gid: 0, size: 0 }],
        };
        await this.#addLayer(
          state,
          placeSources([created], "/" + path, true, { chown: owner, existingDir: dirOf(tree) }),
        );
        history(`WORKDIR ${c.WorkingDir}`, false);
        return;
      }
      case "USER":
        c.User = this.#word(ins.text, lookup, ins.line);
        history(`USER ${c.User}`);
        return;
      case "EXPOSE": {
        const ports = this.#words(ins.text, lookup, ins.line);
        c.ExposedPorts ??= {};
        for (const p of ports) {
          const m = /^(\d+(?:-\d+)?)(?:\/(tcp|udp|sctp))?$/i.exec(p);
          if (!m) {
            throw new IagoError(`Invalid port "${p}" in EXPOSE`, {
              at,
              hint: "write PORT or PORT/tcp, PORT/udp, PORT/sctp",
            });
          }
          c.ExposedPorts[`${m[1]}/${(m[2] ?? "tcp").toLowerCase()}`] = {};
        }
        history(`EXPOSE ${ports.join(" ")}`);
        return;
      }
      case "VOLUME": {
        const vols = ins.json ?? this.#words(ins.text, lookup, ins.line);
        c.Volumes ??= {};
        for (const v of vols) {
          if (v.trim() === "") throw new IagoError("VOLUME cannot be an empty string", { at });
          c.Volumes[v] = {};
        }
        history(`VOLUME ${JSON.stringify(vols)}`);
        return;
      }
      case "CMD":
        c.Cmd = this.#command(ins, c.Shell);
        state.cmdSet = true;
        history(`CMD ${JSON.stringify(c.Cmd)}`);
        return;
      case "ENTRYPOINT":
        c.Entrypoint = this.#command(ins, c.Shell);
        if (!state.cmdSet) c.Cmd = null;
        history(`ENTRYPOINT ${JSON.stringify(c.Entrypoint)}`);
        return;
      case "STOPSIGNAL": {
        const sig = this.#word(ins.text, lookup, ins.line);
        if (!/^(SIG[A-Z0-9+-]+|[0-9]+|RTMIN\+\d+)$/.test(sig)) {
          throw new IagoError(`Invalid stop signal "${sig}"`, {
            at,
            hint: "write a signal name like SIGTERM or a number",
          });
        }
        c.StopSignal = sig;
        history(`STOPSIGNAL ${sig}`);
        return;
      }
      case "SHELL":
        if (!ins.json || ins.json.length === 0) {
          throw new IagoError("SHELL needs a non-empty JSON array", { at });
        }
        c.Shell = ins.json;
        history(`SHELL ${JSON.stringify(ins.json)}`);
        return;
      case "HEALTHCHECK":
        c.Healthcheck = parseHealthcheck(ins, at);
        history(`HEALTHCHECK ${JSON.stringify(c.Healthcheck)}`);
        return;
      case "ONBUILD":
        (c.OnBuild ??= []).push(ins.text);
        history(`ONBUILD ${ins.text}`);
        return;
      case "RUN":
        throw new IagoError("RUN cannot be executed by the native builder", {
          at,
          hint:
            "install buildah or podman (--builder auto uses them), or replace the step with files",
        });
      case "COPY":
      case "ADD":
        await this.#copy(ins, state, lookup);
        return;
    }
  }

  #pairs(ins: Instruction, lookup: Lookup, keyword: string): [string, string][] {
    const words = this.#words(ins.text, lookup, ins.line);
    if (words.length > 0 && !words[0].includes("=")) {
      // The legacy form: `ENV KEY value with spaces`.
      const rest = ins.text.trim().replace(/^\S+\s*/, "");
      if (rest === "") {
        throw new IagoError(`${keyword} ${words[0]} needs a value`, {
          at: this.at(ins.line),
          hint: `write ${keyword} ${words[0]}=VALUE`,
        });
      }
      return [[words[0], this.#word(rest, lookup, ins.line)]];
    }
    return words.map((w) => {
      const eq = w.indexOf("=");
      if (eq <= 0) {
        throw new IagoError(`${keyword} needs KEY=VALUE pairs, got "${w}"`, {
          at: this.at(ins.line),
        });
      }
      return [w.slice(0, eq), w.slice(eq + 1)];
    });
  }

  #command(ins: Instruction, shell?: string[]): string[] {
    return ins.json ?? [...(shell ?? DEFAULT_SHELL), ins.text];
  }

  async #copy(ins: Instruction, state: StageState, lookup: Lookup): Promise<void> {
    const { input } = this;
    const at = this.at(ins.line);
    const flag = (name: string) => {
      const f = ins.flags.find((x) => x.name === name);
      return f ? this.#word(f.value ?? "", lookup, ins.line) : undefined;
    };
    const chmodText = flag("chmod");
    let chmod: number | undefined;
    if (chmodText !== undefined) {
      if (!/^[0-7]{3,4}$/.test(chmodText)) {
        throw new IagoError(`Invalid --chmod "${chmodText}"`, {
          at,
          hint: "give octal permission bits like 0644 or 755",
        });
      }
      chmod = parseInt(chmodText, 8);
    }
    const chownText = flag("chown");
    if (chownText !== undefined && !/^[^:\s]+(:[^:\s]+)?$/.test(chownText)) {
      throw new IagoError(`Invalid --chown "${chownText}"`, {
        at,
        hint: "write --chown=USER[:GROUP], with names or numeric ids",
      });
    }
    const words = ins.json ?? this.#words(ins.text, lookup, ins.line);
    if (words.length < 2) {
      throw new IagoError(`${ins.keyword} needs at least one source and a destination`, {
        at,
        hint: `write ${ins.keyword} SOURCE... DEST`,
      });
    }
    const destWord = words.at(-1)!;
    const dest = posix.resolve(state.image.config.config!.WorkingDir || "/", destWord);
    const from = flag("from");
    let fromFs: Rootfs | undefined;
    if (from !== undefined) {
      if (ins.keyword === "ADD") throw new IagoError("ADD does not take --from", { at });
      fromFs = await this.#rootfsFor(from, at);
    }
    const sources: CopySource[] = [];
    for (const src of words.slice(0, -1)) {
      const here = /^<<-?(\w+)$/.exec(src);
      const heredoc = here && ins.heredocs.find((h) => h.name === here[1]);
      if (heredoc) {
        const content = heredoc.expand
          ? this.#expandHeredoc(heredoc.content, lookup, ins.line)
          : heredoc.content;
        sources.push(heredocSource(heredoc.name, content));
      } else if (fromFs) {
        sources.push(...rootfsSources(fromFs, src, at));
      } else if (ins.keyword === "ADD" && /^https?:\/\//i.test(src)) {
        const checksum = flag("checksum");
        sources.push(await urlSource(src, input.scratchDir, at, checksum));
      } else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(src)) {
        throw new IagoError(`${ins.keyword} cannot read "${src}"`, {
          at,
          hint: ins.keyword === "COPY" ? "use ADD for http(s) URLs" : "ADD reads http(s) URLs only",
        });
      } else {
        const found = await contextSources(input.context, src, at, ins.keyword);
        if (ins.keyword === "ADD") {
          for (const s of found) {
            const archive = s.abs
              ? await archiveSource(s.abs, input.scratchDir, at, {
                shown: relative(input.context.root, s.abs),
                warn: (message) => input.warn?.(`${formatLocation(at)}: ${message}`),
              })
              : undefined;
            sources.push(archive ?? s);
          }
        } else {
          sources.push(...found);
        }
      }
    }
    const namedDir = destWord.endsWith("/") || destWord === "." || destWord === "..";
    const files = sources.filter((s) => !s.isDir).length;
    if (!namedDir && (words.length > 2 || files > 1)) {
      throw new IagoError(`${ins.keyword} of several sources needs a directory destination`, {
        at,
        hint: `end the destination with a slash: "${destWord}/"`,
      });
    }
    // The destination is looked up in the image as Docker and buildah do: through its
    // symlinks, and a file copied onto an existing directory goes into it.
    const tree = await this.#tree(state, at);
    const chown = chownText === undefined
      ? undefined
      : this.#owner(tree, chownText, `--chown "${chownText}"`, at);
    const full = tree.resolve(dest, true);
    const destIsDir = namedDir || words.length > 2 || tree.get(full)?.type === "dir";
    const target = "/" + (destIsDir ? full : tree.resolve(dest, false));
    notUnderFile(
      tree,
      target.slice(1),
      destIsDir,
      `${ins.keyword} to "${destWord}"`,
      at,
      "choose another destination",
    );
    const placed = placeSources(sources, target, destIsDir, {
      chmod,
      chown,
      existingDir: dirOf(tree),
    });
    await this.#addLayer(state, placed);
    const flags = ins.flags.map((f) => `--${f.name}${f.value === undefined ? "" : `=${f.value}`} `)
      .join("");
    state.image.config.history!.push({
      created: this.created,
      created_by: `${ins.keyword} ${flags}${words.join(" ")}`,
      comment: "iago build",
    });
  }

  /**
   * The image's file tree as this stage has left it so far (read once, then kept current);
   * a layer that cannot be read is an error at `at`, the line that needed the tree.
   */
  async #tree(state: StageState, at: SourceLocation | undefined): Promise<FileTree> {
    state.tree ??= loadTree(
      state.image.layers,
      async (layer) => {
        const { store, images } = this.input;
        if (await store.has(layer.digest)) return await store.open(layer.digest);
        if (!layer.source) throw new Error(`Layer ${layer.digest} is missing from the build`);
        return await images.blob(layer.source, layer.digest);
      },
      this.#layerEntries,
      this.input.treeCacheDir,
    );
    return await atLine(state.tree, at);
  }

  /** The ids `spec` names, looked up in the image as it is now. */
  #owner(tree: FileTree, spec: string, what: string, at: SourceLocation): Owner {
    try {
      return resolveOwner(spec, tree);
    } catch (err) {
      throw new IagoError(`Cannot resolve ${what}: ${(err as Error).message}`, {
        at,
        hint:
          "use numeric ids (UID:GID, e.g. those sysusers.d gives the user), or use a base whose /etc/passwd and /etc/group have the names",
      });
    }
  }

  /** Writes `entries` as the stage's next layer and records it in the tree. */
  async #addLayer(state: StageState, entries: TarEntry[]): Promise<void> {
    const sorted = sortEntries(entries);
    const { store, layerCache, epoch } = this.input;
    const { mediaType, format } = compressorOf(this.input.compression ?? "gzip");
    const options = { mtime: epoch, mediaType };
    const build = () => buildLayer(store, sorted, options);
    const settings = { ...options, compression: format };
    const { hit: _, ...layer } = layerCache
      ? await layerCache.layer(sorted, settings, store, build)
      : { ...(await build()), hit: false };
    state.image.layers.push(layer);
    state.image.config.rootfs.diff_ids.push(layer.diffId);
    const nodes = [];
    for (const e of sorted) {
      let text: string | undefined;
      if (ACCOUNT_FILES.has(e.path) && e.type === "file" && e.content) {
        const chunks: Uint8Array[] = [];
        for await (const chunk of e.content()) chunks.push(chunk.slice());
        text = new TextDecoder().decode(await new Blob(chunks as BlobPart[]).bytes());
      }
      nodes.push({ ...e, text });
    }
    (await this.#tree(state, undefined)).apply(nodes);
  }

  #expandHeredoc(content: string, lookup: Lookup, line: number): string {
    // BuildKit's lexer with raw quotes and raw escapes: variables are substituted, quotes and
    // escapes stay as written, and they still protect what they quote: `\$X` and '$X' (outside
    // double quotes) are kept. An apostrophe left open is text (BuildKit would fail on it).
    const escape = this.input.containerfile.escape;
    let out = "";
    let inDouble = false;
    for (let i = 0; i < content.length;) {
      const c = content[i];
      if (c === escape && i + 1 < content.length) {
        out += content.slice(i, i + 2);
        i += 2;
        continue;
      }
      if (c === "'" && !inDouble) {
        const end = content.indexOf("'", i + 1);
        if (end !== -1) {
          out += content.slice(i, end + 1);
          i = end + 1;
          continue;
        }
      }
      if (c === '"') inDouble = !inDouble;
      const variable = c === "$" && /^\$(\{[^}]*\}|[A-Za-z_][A-Za-z0-9_]*)/.exec(content.slice(i));
      if (variable) {
        out += this.#word(variable[0], lookup, line);
        i += variable[0].length;
        continue;
      }
      out += c;
      i++;
    }
    return out;
  }

  async #rootfsFor(from: string, at: SourceLocation): Promise<Rootfs> {
    const { input } = this;
    const stages = input.containerfile.stages;
    const byName = stages.find((s) => s.name === from.toLowerCase());
    const byIndex = /^\d+$/.test(from) ? stages[Number(from)] : undefined;
    let image: Image;
    if (byName || byIndex) {
      image = await this.stage((byName ?? byIndex)!.index);
    } else {
      try {
        image = await input.images.resolve(from, input.platform, at);
      } catch (err) {
        if (!(err instanceof IagoError)) throw err;
        const names = stages.filter((s) => s.name).map((s) => s.name);
        throw new IagoError(
          `COPY --from="${from}" is no stage of this Containerfile, and no image either: ${
            err.cause instanceof IagoError ? err.cause.message : err.message
          }`,
          {
            at,
            hint: names.length > 0
              ? `the stages are named ${names.join(", ")} (or give their index from 0)`
              : "name a stage with FROM ... AS NAME, or give a full image reference",
            cause: err,
          },
        );
      }
    }
    let hit = this.#rootfs.get(image);
    if (!hit) {
      hit = Rootfs.load(image, input.store, input.images, input.scratchDir);
      this.#rootfs.set(image, hit);
    }
    return await atLine(hit, at);
  }
}

interface StageState {
  args: Map<string, string | undefined>;
  env: Map<string, string>;
  envChanged: boolean;
  cmdSet: boolean;
  image: Image;
  tree?: Promise<FileTree>;
}

/**
 * Throws when a directory of `path` (and `path` itself when `isDir`) is a file or another
 * non-directory in the image: Docker and buildah refuse this; a layer would replace the file.
 */
function notUnderFile(
  tree: FileTree,
  path: string,
  isDir: boolean,
  what: string,
  at: SourceLocation,
  hint: string,
): void {
  const parts = path.split("/").filter(Boolean);
  for (let i = 1; i <= parts.length - (isDir ? 0 : 1); i++) {
    const prefix = parts.slice(0, i).join("/");
    const node = tree.get(prefix);
    if (node && node.type !== "dir") {
      throw new IagoError(`Cannot ${what}: "/${prefix}" is not a directory in the image`, {
        at,
        hint,
      });
    }
  }
}

/** `promise`'s value; an `IagoError` without a location gets `at`. */
async function atLine<T>(promise: Promise<T>, at: SourceLocation | undefined): Promise<T> {
  try {
    return await promise;
  } catch (err) {
    if (!(err instanceof IagoError) || err.at || !at) throw err;
    throw new IagoError(err.message, { at, hint: err.hint, cause: err.cause });
  }
}

function dirOf(
  tree: FileTree,
): (path: string) => { mode: number; uid: number; gid: number } | undefined {
  return (path) => {
    const node = tree.get(path);
    return node?.type === "dir" ? { mode: node.mode, uid: node.uid, gid: node.gid } : undefined;
  };
}

function envMap(env: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of env) {
    const eq = e.indexOf("=");
    if (eq > 0) out.set(e.slice(0, eq), e.slice(eq + 1));
  }
  return out;
}

/** BuildKit's automatic platform ARGs. */
function platformArgs(p: Platform): Record<string, string> {
  const build = { os: "linux", architecture: Deno.build.arch === "aarch64" ? "arm64" : "amd64" };
  return {
    TARGETPLATFORM: formatPlatform(p),
    TARGETOS: p.os,
    TARGETARCH: p.architecture,
    TARGETVARIANT: p.variant ?? "",
    BUILDPLATFORM: formatPlatform(build),
    BUILDOS: build.os,
    BUILDARCH: build.architecture,
    BUILDVARIANT: "",
  };
}
