/**
 * The build context: the directory COPY and ADD read from, minus what `.containerignore` (or
 * `.dockerignore`) leaves out. Nothing outside it can be read, and one rule holds for every
 * source a COPY or ADD names, by name or by wildcard: `..` is refused, symlinks are followed
 * (as buildah and BuildKit follow a named or matched source) and what they lead to must be
 * inside the context and not excluded. Symlinks inside copied directories are copied as links,
 * refused when a relative target climbs out of the context. The ignore file itself must be a
 * file of the context.
 *
 * File modes are taken the way git records them, so every checkout gives the same layer:
 * 0755 for executables, 0644 for other files, 0755 for directories (`--chmod` sets others).
 */
import { join, posix, relative } from "node:path";
import { IagoError, type SourceLocation } from "../errors.ts";
import { hasWildcard, IgnoreRules, PatternError, patternRegex } from "./ignore.ts";

export interface ContextEntry {
  /** Path relative to the context root, `/`-separated; "" for the root. */
  rel: string;
  abs: string;
  type: "file" | "dir" | "symlink" | "fifo" | "char" | "block";
  /** Normalised permission bits (see the module comment). */
  mode: number;
  size: number;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
}

/** A source a COPY or ADD names: what it leads to, and the name it is copied under. */
export interface ContextSource extends ContextEntry {
  /** The last component of the path as named or matched ("" for the context root). */
  name: string;
}

export class BuildContext {
  readonly root: string;
  readonly ignore: IgnoreRules;
  /** The ignore file in use, for messages. */
  readonly ignoreFile?: string;

  private constructor(root: string, ignore: IgnoreRules, ignoreFile?: string) {
    this.root = root;
    this.ignore = ignore;
    this.ignoreFile = ignoreFile;
  }

  /**
   * Opens `dir` as a context, reading `.containerignore`, else `.dockerignore`; `shown` is the
   * directory as messages name it. Throws an `IagoError` at the ignore file's line for a bad
   * pattern, and when the ignore file leads out of the context (without reading it).
   */
  static async open(dir: string, shown = dir): Promise<BuildContext> {
    const root = await Deno.realPath(dir);
    for (const name of [".containerignore", ".dockerignore"]) {
      const file = `${shown}/${name}`;
      let real: string;
      try {
        real = await Deno.realPath(join(root, name));
      } catch (err) {
        if (err instanceof Deno.errors.NotFound) continue;
        throw err;
      }
      if (!inside(root, real)) {
        throw new IagoError(`${file} is a symlink pointing outside the build context`, {
          hint: `make ${name} a file of the container's directory`,
        });
      }
      if (!(await Deno.stat(real)).isFile) {
        throw new IagoError(`${file} is not a file`, {
          hint: `${name} lists the paths a build leaves out, one pattern a line`,
        });
      }
      try {
        return new BuildContext(root, IgnoreRules.parse(await Deno.readTextFile(real)), name);
      } catch (err) {
        if (!(err instanceof PatternError)) throw err;
        throw new IagoError(err.message, { at: { file, line: err.line }, hint: err.hint });
      }
    }
    return new BuildContext(root, new IgnoreRules([]));
  }

  /**
   * The entries a COPY/ADD source names (wildcards expanded, sorted), each followed through
   * its symlinks. Throws an `IagoError` at `at` when the source or what it leads to leaves the
   * context or is excluded, or when nothing matches; messages name the instruction, `keyword`.
   */
  async sources(src: string, at: SourceLocation, keyword = "COPY"): Promise<ContextSource[]> {
    const clean = posix.normalize(src).replace(/^\/+/, "");
    if (clean === ".." || clean.startsWith("../")) {
      throw new IagoError(`${keyword} source "${src}" is outside the build context`, {
        at,
        hint: "sources are relative to the container's directory; move the file into it",
      });
    }
    const rel = clean === "." ? "" : clean.replace(/\/+$/, "");
    if (!hasWildcard(rel)) return [await this.#follow(src, rel, at, keyword)];
    let regex: RegExp;
    try {
      regex = patternRegex(rel);
    } catch (err) {
      if (!(err instanceof PatternError)) throw err;
      throw new IagoError(err.message, { at, hint: err.hint });
    }
    const found = this.walk("", at).filter((e) => regex.test(e.rel));
    if (found.length === 0) {
      throw new IagoError(`${keyword} source "${src}" matches no file in the build context`, {
        at,
      });
    }
    const out: ContextSource[] = [];
    for (const e of found) {
      out.push(
        e.type === "symlink"
          ? await this.#follow(src, e.rel, at, keyword)
          : { ...e, name: posix.basename(e.rel) },
      );
    }
    return out;
  }

  /**
   * The one rule for a named path (`src`) or a wildcard's match (`rel` of `src`): neither it nor
   * what its symlinks lead to may be excluded, and what they lead to must exist inside the
   * context.
   */
  async #follow(
    src: string,
    rel: string,
    at: SourceLocation,
    keyword: string,
  ): Promise<ContextSource> {
    const what = hasWildcard(src)
      ? `${keyword} source "${src}" matches "${rel}", which`
      : `${keyword} source "${src}"`;
    const excluded = (path: string) => {
      const how = path === rel ? "is" : `leads to "${path}", which is`;
      return new IagoError(`${what} ${how} excluded by ${this.ignoreFile}`, {
        at,
        hint: `remove it from ${this.ignoreFile} or add a "!${path}" line`,
      });
    };
    if (rel !== "" && this.ignore.ignores(rel)) throw excluded(rel);
    let real: string;
    try {
      real = await Deno.realPath(join(this.root, rel));
    } catch {
      throw new IagoError(
        `${what} ${hasWildcard(src) ? "is a broken symlink" : "not found in the build context"}`,
        { at, hint: "sources are relative to the container's directory" },
      );
    }
    if (!inside(this.root, real)) {
      throw new IagoError(`${what} is a symlink pointing outside the build context`, {
        at,
        hint: "copy the file into the container's directory instead of linking to it",
      });
    }
    const realRel = relative(this.root, real);
    if (realRel !== "" && this.ignore.ignores(realRel)) throw excluded(realRel);
    const entry = entryOf(realRel, real, await Deno.stat(real));
    if (!entry) {
      throw new IagoError(`${what} is a socket, which an image layer cannot hold`, { at });
    }
    return { ...entry, name: posix.basename(rel) };
  }

  /**
   * Everything below directory `rel` (not `rel` itself), sorted, ignored paths left out, paths
   * relative to the context root.
   */
  walk(rel: string, at: SourceLocation): ContextEntry[] {
    const out: ContextEntry[] = [];
    // Synchronous calls: a context has thousands of entries, and each asynchronous call is a
    // round trip through Deno's thread pool that a loaded machine makes slow (3000 lstat: 6.8 s
    // one after the other, 0.34 s synchronous, at load 50); the kernel answers from its cache.
    const visit = (dirRel: string) => {
      const dirAbs = join(this.root, dirRel);
      const names: string[] = [];
      for (const e of Deno.readDirSync(dirAbs)) names.push(e.name);
      names.sort();
      for (const name of names) {
        const childRel = dirRel ? `${dirRel}/${name}` : name;
        const ignored = this.ignore.ignores(childRel);
        const abs = join(dirAbs, name);
        const info = Deno.lstatSync(abs);
        if (info.isDirectory) {
          if (ignored && !this.ignore.hasExceptions) continue;
          if (!ignored) out.push(entryOf(childRel, abs, info)!);
          visit(childRel);
          continue;
        }
        if (ignored) continue;
        if (info.isSymlink) {
          const target = Deno.readLinkSync(abs);
          if (!target.startsWith("/")) {
            const resolved = posix.normalize(posix.join(dirRel, target));
            if (resolved === ".." || resolved.startsWith("../")) {
              throw new IagoError(
                `Symlink "${childRel}" -> "${target}" points outside the build context`,
                { at, hint: "make it point inside the context, or use an absolute target" },
              );
            }
          }
          out.push({ rel: childRel, abs, type: "symlink", mode: 0o777, size: 0, linkname: target });
        } else {
          // Sockets are left out, as buildah and the Docker CLI leave them out.
          const entry = entryOf(childRel, abs, info);
          if (entry) out.push(entry);
        }
      }
    };
    visit(rel);
    return out;
  }
}

function inside(root: string, path: string): boolean {
  return path === root || path.startsWith(root + "/");
}

/**
 * The entry of a stat result: files, directories, FIFOs and devices (a FIFO is never read, so a
 * COPY of one cannot block); undefined for a socket.
 */
function entryOf(rel: string, abs: string, info: Deno.FileInfo): ContextEntry | undefined {
  if (info.isDirectory) return { rel, abs, type: "dir", mode: 0o755, size: 0 };
  const mode = ((info.mode ?? 0o644) & 0o111) !== 0 ? 0o755 : 0o644;
  if (info.isFile) return { rel, abs, type: "file", mode, size: info.size };
  if (info.isFifo) return { rel, abs, type: "fifo", mode, size: 0 };
  if (info.isCharDevice || info.isBlockDevice) {
    // Linux's dev_t: the minor number's low 8 bits, then 12 of the major's, then the rest.
    const dev = BigInt(info.rdev ?? 0);
    const devmajor = Number(((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn));
    const devminor = Number((dev & 0xffn) | ((dev >> 12n) & ~0xffn));
    const type = info.isCharDevice ? "char" : "block";
    return { rel, abs, type, mode, size: 0, devmajor, devminor };
  }
  return undefined;
}
