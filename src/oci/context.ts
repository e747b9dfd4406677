/**
 * The build context: the directory COPY and ADD read from, minus what `.containerignore` (or
 * `.dockerignore`) leaves out. Nothing outside it can be read: `..` sources are refused, named
 * sources are resolved with their symlinks and must stay inside, and symlinks inside copied
 * directories are copied as links, refused when a relative target climbs out of the context.
 *
 * File modes are taken the way git records them, so every checkout gives the same layer:
 * 0755 for executables, 0644 for other files, 0755 for directories (`--chmod` sets others).
 */
import { join, posix } from "node:path";
import { IagoError, type SourceLocation } from "../errors.ts";
import { hasWildcard, IgnoreRules, patternRegex } from "./ignore.ts";

export interface ContextEntry {
  /** Path relative to the context root, `/`-separated; "" for the root. */
  rel: string;
  abs: string;
  type: "file" | "dir" | "symlink";
  /** Normalised permission bits (see the module comment). */
  mode: number;
  size: number;
  linkname?: string;
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

  /** Opens `dir` as a context, reading `.containerignore`, else `.dockerignore`. */
  static async open(dir: string): Promise<BuildContext> {
    const root = await Deno.realPath(dir);
    for (const name of [".containerignore", ".dockerignore"]) {
      try {
        const text = await Deno.readTextFile(join(root, name));
        return new BuildContext(root, IgnoreRules.parse(text), name);
      } catch (err) {
        if (!(err instanceof Deno.errors.NotFound)) throw err;
      }
    }
    return new BuildContext(root, new IgnoreRules([]));
  }

  /**
   * The entries a COPY/ADD source names (wildcards expanded, sorted). Throws an `IagoError` at
   * `at` when the source leaves the context, matches nothing, or is ignored.
   */
  async sources(src: string, at: SourceLocation): Promise<ContextEntry[]> {
    const clean = posix.normalize(src).replace(/^\/+/, "");
    if (clean === ".." || clean.startsWith("../")) {
      throw new IagoError(`COPY source "${src}" is outside the build context`, {
        at,
        hint: "sources are relative to the container's directory; move the file into it",
      });
    }
    const rel = clean === "." ? "" : clean.replace(/\/+$/, "");
    if (hasWildcard(rel)) {
      const regex = patternRegex(rel);
      const all = await this.walk("", at);
      const found = all.filter((e) => regex.test(e.rel));
      if (found.length === 0) {
        throw new IagoError(`COPY source "${src}" matches no file in the build context`, { at });
      }
      return found;
    }
    if (rel !== "" && this.ignore.ignores(rel)) {
      throw new IagoError(`COPY source "${src}" is excluded by ${this.ignoreFile}`, {
        at,
        hint: `remove it from ${this.ignoreFile} or add a "!${rel}" line`,
      });
    }
    const abs = join(this.root, rel);
    let real: string;
    try {
      real = await Deno.realPath(abs);
    } catch {
      throw new IagoError(`COPY source "${src}" not found in the build context`, {
        at,
        hint: "sources are relative to the container's directory",
      });
    }
    if (real !== this.root && !real.startsWith(this.root + "/")) {
      throw new IagoError(`COPY source "${src}" is a symlink pointing outside the build context`, {
        at,
        hint: "copy the file into the container's directory instead of linking to it",
      });
    }
    const info = await Deno.stat(real);
    return [entryOf(rel, real, info)];
  }

  /**
   * Everything below directory `rel` (not `rel` itself), sorted, ignored paths left out, paths
   * relative to the context root.
   */
  async walk(rel: string, at: SourceLocation): Promise<ContextEntry[]> {
    const out: ContextEntry[] = [];
    const visit = async (dirRel: string) => {
      const dirAbs = join(this.root, dirRel);
      const names: string[] = [];
      for await (const e of Deno.readDir(dirAbs)) names.push(e.name);
      names.sort();
      for (const name of names) {
        const childRel = dirRel ? `${dirRel}/${name}` : name;
        const ignored = this.ignore.ignores(childRel);
        const abs = join(dirAbs, name);
        const info = await Deno.lstat(abs);
        if (info.isDirectory) {
          if (ignored && !this.ignore.hasExceptions) continue;
          if (!ignored) out.push(entryOf(childRel, abs, info));
          await visit(childRel);
          continue;
        }
        if (ignored) continue;
        if (info.isSymlink) {
          const target = await Deno.readLink(abs);
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
        } else if (info.isFile) {
          out.push(entryOf(childRel, abs, info));
        }
      }
    };
    await visit(rel);
    return out;
  }
}

function entryOf(rel: string, abs: string, info: Deno.FileInfo): ContextEntry {
  if (info.isDirectory) return { rel, abs, type: "dir", mode: 0o755, size: 0 };
  const exec = ((info.mode ?? 0o644) & 0o111) !== 0;
  return { rel, abs, type: "file", mode: exec ? 0o755 : 0o644, size: info.size };
}
