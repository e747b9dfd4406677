/**
 * Symlinks followed inside a root that is not the host's: an image's tree, or what an archive
 * has placed so far. Lookups go through the caller's map, never the disk.
 */

/** What is at a path of the root (relative, normalised), or undefined when nothing is. */
export type LinkLookup = (path: string) => { type: string; linkname?: string } | undefined;

/** How many symlinks one lookup follows, as Linux does (ELOOP after 40). */
const MAX_HOPS = 40;

/**
 * `path` with every symlink among its components, and the last one too when `followLast`,
 * replaced by its target as the kernel resolves it inside the root: `..` never climbs above
 * the root, absolute targets start there, and past a missing component the rest is taken as
 * written. Returns the relative path ("" for the root) and `via`, the first symlink gone
 * through. Past {@link MAX_HOPS} symlinks, throws what `tooMany` makes, or without it stops
 * following and takes the rest as written.
 */
export function resolveLinks(
  path: string,
  followLast: boolean,
  lookup: LinkLookup,
  tooMany?: () => Error,
): { path: string; via?: string } {
  let parts = path.split("/");
  let out: string[] = [];
  let via: string | undefined;
  let hops = 0;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if (part === "" || part === ".") continue;
    if (part === "..") {
      out.pop();
      continue;
    }
    const here = [...out, part].join("/");
    const node = lookup(here);
    const last = parts.slice(i + 1).every((p) => p === "" || p === ".");
    if (node?.type === "symlink" && (!last || followLast)) {
      if (hops === MAX_HOPS) {
        if (tooMany) throw tooMany();
        out.push(part);
        continue;
      }
      hops++;
      via ??= here;
      const target = node.linkname ?? "";
      parts = [
        ...(target.startsWith("/") ? [] : out),
        ...target.split("/"),
        ...parts.slice(i + 1),
      ];
      out = [];
      i = -1;
      continue;
    }
    out.push(part);
  }
  return { path: out.join("/"), via };
}
