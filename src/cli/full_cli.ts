/**
 * The full CLI (main.ts: Stricli and every command), loaded only when the lean entry does not
 * answer the arguments.
 *
 * From source it is imported as is. In the release bundle (scripts/release.ts) it is not code
 * of the file Deno runs but a comment in it ({@link packed}): Deno loads every function of that
 * file at each start, even from its code cache (about 3 ms per 250 KB of code here), and
 * `iago butane` should not pay that for the 2 MB it never runs. The first command that needs
 * the full CLI unpacks it into the user's cache directory (`$XDG_CACHE_HOME/iago`, else
 * `~/.cache/iago`: one file per build, replacing an older build's), and every later one
 * imports it from there, where Deno keeps its code cache. Where no cache directory can be
 * written it is imported from memory: the same code, compiled anew at each run. A compiled
 * binary has it as a module of its own beside the entry.
 */
import { dirname, join } from "node:path";
import { writeFileAtomic } from "../fsutil.ts";

export type FullCli = typeof import("./main.ts");

/**
 * The full CLI's bundle, brotli-compressed, in base64: scripts/release.ts puts it in place of
 * the sentinel as the comment of a function whose source text is read here. A string literal
 * would be copied in and out of Deno's code cache at every start, a comment costs nothing
 * until it is read.
 */
const packed = (): string => "__IAGO_FULL_CLI__";
/** Replaced in the bundle by `HASH-BYTES`: a SHA-256 prefix and the size of the unpacked code. */
const PACKED_ID: string = "__IAGO_FULL_CLI_ID__";

/** Loads the full CLI; `env` locates the cache directory in a release bundle. */
export async function loadFullCli(
  env: Record<string, string | undefined> = Deno.env.toObject(),
): Promise<FullCli> {
  if (PACKED_ID.startsWith("__")) {
    // Not a literal: the bundler must leave main.ts out of the lean entry's bundle.
    const source = "./main.ts";
    return await import(source);
  }
  if (PACKED_ID === "included") {
    // A compiled binary (scripts/release.ts compileLayout): the full CLI is a module beside it.
    const beside = new URL("./iago-cli.js", import.meta.url).href;
    return await import(beside);
  }
  const file = unpackedFile(PACKED_ID, env);
  if (file !== undefined) {
    const size = Number(PACKED_ID.split("-")[1]);
    if (await sizeOf(file) !== size) await unpackTo(file);
    if (await sizeOf(file) === size) return await import(toFileUrl(file));
  }
  const code = await unpack(packed());
  return await import(URL.createObjectURL(new Blob([code], { type: "text/javascript" })));
}

/** Writes the full CLI to `file` and removes what older builds unpacked beside it. */
async function unpackTo(file: string): Promise<void> {
  try {
    await writeFileAtomic(file, await unpack(packed()), { mkdirMode: 0o755 });
    const dir = dirname(file);
    for await (const entry of Deno.readDir(dir)) {
      if (/^cli-.*\.js$/.test(entry.name) && join(dir, entry.name) !== file) {
        await Deno.remove(join(dir, entry.name)).catch(() => {});
      }
    }
  } catch {
    // Not writable: the caller imports the code from memory.
  }
}

/** Where the unpacked full CLI of build `id` lives, if the user has a cache directory. */
export function unpackedFile(
  id: string,
  env: Record<string, string | undefined>,
): string | undefined {
  const cache = env.XDG_CACHE_HOME || (env.HOME ? join(env.HOME, ".cache") : "");
  return cache.startsWith("/") ? join(cache, "iago", `cli-${id}.js`) : undefined;
}

/** The code packed by scripts/release.ts: base64 of brotli. */
export async function unpack(packed: string): Promise<string> {
  const bytes = Uint8Array.from(atob(packed), (c) => c.charCodeAt(0));
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("brotli"));
  return await new Response(stream).text();
}

async function sizeOf(path: string): Promise<number | undefined> {
  try {
    return (await Deno.stat(path)).size;
  } catch {
    return undefined;
  }
}

function toFileUrl(path: string): string {
  return new URL(`file://${path.split("/").map(encodeURIComponent).join("/")}`).href;
}
