/**
 * The modules the lean entry loads only when it needs them: the full CLI (main.ts: Stricli and
 * every command), for the arguments the lean entry does not answer, and `iago butane`'s handler
 * (lean/butane.ts, with the translator). (`iago list`'s quick way is code of the entry itself:
 * its ~10 KB cost `--version` nothing measurable, and loading a module of its own cost `list`
 * more than the rest of its start-up over its Deno floor.)
 *
 * From source they are imported as they are. In the release bundle (scripts/release.ts) they are
 * not code of the file Deno runs but a comment in it: Deno loads every function of that file at
 * each start, even from its code cache (about 3 ms per 250 KB of code here), and `iago butane`
 * should not pay that for the 1 MB it never runs. A comment costs less, not nothing: at every start
 * Deno reads the file into a buffer it grows, copies it, checks it is UTF-8, hashes it twice (for
 * its caches) and copies it into V8, some 8 instructions a byte
 * (callgrind), so the comment is packed as small as it goes ({@link PACKED}). The first command
 * that needs one unpacks it into the user's cache directory (`$XDG_CACHE_HOME/iago`, else
 * `~/.cache/iago`: a file per module and build, replacing an older build's), and every later one
 * imports it from there, where Deno keeps its code cache, but only from a file and directory of
 * one owner that nobody else may write ({@link ownedByUser}): code planted there would run with
 * iago's permissions. Where no such cache directory can be had it is imported from memory: the same
 * code, compiled anew at each run. A compiled binary has them as modules of their own beside the
 * entry.
 */
import { dirname, join } from "node:path";
import { writeFileAtomic } from "../fsutil.ts";
import { fromCommentText } from "./comment_text.ts";

export type FullCli = typeof import("./main.ts");
export type ButaneCommand = typeof import("./lean/butane.ts");

/**
 * The modules of the release bundle that are not code of the file Deno runs: their bundles one
 * after another, brotli-compressed as one (the full CLI holds the translator that `iago
 * butane`'s module is: together they take 30 KB less, which every start reads), as text a
 * comment can hold (./comment_text.ts). scripts/release.ts puts it in place of the sentinel as
 * the comment of a function whose source text is read here: a string literal would be copied
 * in and out of Deno's code cache at every start, a comment costs nothing until read.
 */
const PACKED = () => "__IAGO_PACKED__";

/**
 * A module {@link PACKED} holds: its `id`, `HASH-BYTES` (a SHA-256 prefix and the size of the
 * code), which names its unpacked file, and `at`, where its code starts in what PACKED unpacks
 * to. From source, `source` is imported instead.
 */
interface Packed {
  name: string;
  id: string;
  at: string;
  source: string;
  /** The module this one imports, by its unpacked file's name (scripts/shared_modules.ts). */
  imports?: Packed;
}

// `iago butane`: the translator, with its functions compiled into the module's code cache
// (scripts/eager.ts), which only this command deserializes.
const BUTANE_COMMAND: Packed = {
  name: "butane",
  id: "__IAGO_PACKED_ID_butane__",
  at: "__IAGO_PACKED_AT_butane__",
  source: "./lean/butane.ts",
};

// The full CLI, which imports the translator and what else it shares from `iago butane`'s.
const FULL_CLI: Packed = {
  name: "cli",
  id: "__IAGO_PACKED_ID_cli__",
  at: "__IAGO_PACKED_AT_cli__",
  source: "./main.ts",
  imports: BUTANE_COMMAND,
};

/** Loads the full CLI; `env` locates the cache directory in a release bundle. */
export async function loadFullCli(
  env: Record<string, string | undefined> = Deno.env.toObject(),
): Promise<FullCli> {
  return await load(FULL_CLI, env);
}

/** Loads `iago butane`'s handler and the translator, as {@link loadFullCli} the full CLI. */
export async function loadButaneCommand(
  env: Record<string, string | undefined>,
): Promise<ButaneCommand> {
  return await load(BUTANE_COMMAND, env);
}

async function load<T>(module: Packed, env: Record<string, string | undefined>): Promise<T> {
  if (module.id.startsWith("__")) {
    // Not a literal: the bundler must leave the module out of the lean entry's bundle.
    const source = module.source;
    return await import(source);
  }
  if (module.id === "included") {
    // A compiled binary (scripts/release.ts compileLayout): the module is a file beside it.
    return await import(new URL(`./iago-${module.name}.js`, import.meta.url).href);
  }
  const cache = cacheDir(env);
  if (cache !== undefined) {
    // What the module imports first: its file must be there when the module's is imported.
    const needed = module.imports ? [module.imports, module] : [module];
    const files: string[] = [];
    for (const packed of needed) {
      const file = await unpacked(packed, cache);
      if (file === undefined) break;
      files.push(file);
    }
    if (files.length === needed.length) {
      const loaded = await importUnpacked<T>(files.at(-1)!, files.slice(0, -1));
      if (loaded !== undefined) return loaded;
    }
  }
  return await import(await inMemory(module));
}

/**
 * `module`'s file in `cache`, unpacked there unless it is already, or `undefined` when it cannot
 * be used (not the user's, or not writable).
 */
async function unpacked(module: Packed, cache: string): Promise<string | undefined> {
  const file = join(cache, unpackedName(module.name, module.id));
  // (Synchronous calls: each asynchronous one is a trip to Deno's thread pool, at every start.)
  const size = Number(module.id.split("-")[1]);
  let info = lstatOf(file);
  if (info === undefined) {
    await unpackTo(module, file);
    info = lstatOf(file);
  }
  const ours = info !== undefined && ownedByUser(file, info);
  if (ours && info!.size !== size) {
    await unpackTo(module, file);
    info = lstatOf(file);
  }
  return ours && info?.isFile && info.size === size ? file : undefined;
}

/**
 * A `blob:` URL of `module`'s code, whose import of another module is pointed at a `blob:` URL
 * of that one's: the code from memory, where no cache directory can be had.
 */
async function inMemory(module: Packed): Promise<string> {
  let code = await unpack(module);
  if (module.imports) {
    const file = JSON.stringify(`./${unpackedName(module.imports.name, module.imports.id)}`);
    code = code.replaceAll(file, JSON.stringify(await inMemory(module.imports)));
  }
  return URL.createObjectURL(new Blob([code], { type: "text/javascript" }));
}

/** Writes `module` to `file` and removes what older builds unpacked of it beside it. */
async function unpackTo(module: Packed, file: string): Promise<void> {
  try {
    await writeFileAtomic(file, await unpack(module), { mkdirMode: 0o700 });
    const dir = dirname(file);
    for await (const entry of Deno.readDir(dir)) {
      const older = entry.name.startsWith(`${module.name}-`) && entry.name.endsWith(".js");
      if (older && join(dir, entry.name) !== file) {
        await Deno.remove(join(dir, entry.name)).catch(() => {});
      }
    }
  } catch {
    // Not writable: the caller imports the code from memory.
  }
}

/** The name of module `name`'s unpacked file for build `id` (scripts/release.ts imports it). */
export function unpackedName(name: string, id: string): string {
  return `${name}-${id}.js`;
}

/** Where modules are unpacked, if the user has a cache directory. */
function cacheDir(env: Record<string, string | undefined>): string | undefined {
  const cache = env.XDG_CACHE_HOME || (env.HOME ? join(env.HOME, ".cache") : "");
  return cache.startsWith("/") ? join(cache, "iago") : undefined;
}

/**
 * `module`'s code, packed by scripts/release.ts: brotli, as comment text. The stream is
 * decompressed only up to the module's end.
 */
async function unpack(module: Packed): Promise<string> {
  const start = Number(module.at);
  const end = start + Number(module.id.split("-")[1]);
  const code = new Uint8Array(end - start);
  const stream = new Blob([fromCommentText(PACKED())]).stream()
    .pipeThrough(new DecompressionStream("brotli"));
  const reader = stream.getReader();
  let read = 0;
  while (read < end) {
    const { done, value } = await reader.read();
    if (done) {
      throw new Error(`Cannot unpack iago's ${module.name} module: the packed code ends early`);
    }
    const from = Math.max(start - read, 0);
    const to = Math.min(end - read, value.length);
    if (from < to) code.set(value.subarray(from, to), read + from - start);
    read += value.length;
  }
  await reader.cancel();
  return new TextDecoder().decode(code);
}

/**
 * Whether `file` (whose lstat is `info`) and its directory belong to one user and only they may
 * write them: a regular file (not a link), neither it nor the directory group- or
 * world-writable, the file owned by the directory's owner. (This process's user cannot be
 * known: `Deno.uid()` needs `--allow-sys`, and Deno refuses /proc/self and /proc/PID to all
 * but `--allow-all`, which iago never has; the attempt cost every start a refused call and the
 * building of its error, ~1.3M instructions.)
 */
function ownedByUser(file: string, info: Deno.FileInfo): boolean {
  try {
    const dir = Deno.statSync(dirname(file));
    const writableByOthers = ((info.mode ?? 0) | (dir.mode ?? 0)) & 0o022;
    return info.isFile && !writableByOthers && info.uid === dir.uid;
  } catch {
    return false;
  }
}

/**
 * Imports the unpacked `file`, which imports the unpacked files `imported`, or says `undefined`
 * when one of them is gone: another build of iago, started at the same moment, removes it as
 * an older build's (unpackTo) between the checks and the import, and the caller imports the
 * same code from memory. Any other failure stands.
 */
export async function importUnpacked<T>(
  file: string,
  imported: string[] = [],
): Promise<T | undefined> {
  try {
    return await import(toFileUrl(file));
  } catch (err) {
    if ([file, ...imported].some((path) => lstatOf(path) === undefined)) return undefined;
    throw err;
  }
}

function lstatOf(path: string): Deno.FileInfo | undefined {
  try {
    return Deno.lstatSync(path);
  } catch {
    return undefined;
  }
}

/**
 * The `file:` URL of the absolute, normalized `path`, its segments percent-encoded (written
 * out, not by `new URL`, whose code Deno compiles at its first use, ~0.9M instructions).
 */
function toFileUrl(path: string): string {
  return `file://${path.split("/").map(encodeURIComponent).join("/")}`;
}
