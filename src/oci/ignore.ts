/**
 * `.containerignore` / `.dockerignore` with Docker's rules: one pattern per line, `#` comments,
 * patterns relative to the context root (a leading `/` is dropped, the pattern cleaned),
 * wildcards as Docker's patternmatcher reads them (`*`, `?`, `[...]` with `^` negating, `\`
 * escapes) plus `**` for any number of directories, `!` re-includes, the last matching line wins, and a pattern that matches a
 * directory matches everything below it.
 */
import { posix } from "node:path";

interface Rule {
  pattern: string;
  regex: RegExp;
  exclude: boolean;
}

/** A pattern that is no valid wildcard; `line` is set for a line of an ignore file. */
export class PatternError extends Error {
  constructor(readonly pattern: string, readonly reason: string, readonly line?: number) {
    super(`Invalid pattern "${pattern}": ${reason}`);
    this.name = "PatternError";
  }

  /** How to write the pattern instead. */
  get hint(): string {
    return 'a [...] class takes ranges in order, like [a-z]; write \\[ for a literal "["';
  }
}

export class IgnoreRules {
  readonly #rules: Rule[];

  /** Throws a `PatternError` naming the line (from 1) of the first invalid pattern. */
  constructor(lines: Iterable<string>) {
    this.#rules = [];
    let number = 0;
    for (const raw of lines) {
      number++;
      let line = raw.trim();
      if (line === "" || line.startsWith("#")) continue;
      let exclude = true;
      if (line.startsWith("!")) {
        exclude = false;
        line = line.slice(1).trim();
      }
      let pattern = posix.normalize(line).replace(/^\/+/, "").replace(/\/+$/, "");
      if (pattern === "." || pattern === "") pattern = "";
      if (pattern === "") continue;
      let regex: RegExp;
      try {
        regex = patternRegex(pattern);
      } catch (err) {
        if (!(err instanceof PatternError)) throw err;
        throw new PatternError(raw.trim(), err.reason, number);
      }
      this.#rules.push({ pattern, regex, exclude });
    }
  }

  /** Reads the rules from a file's text. */
  static parse(text: string): IgnoreRules {
    return new IgnoreRules(text.split(/\r?\n/));
  }

  /** True when nothing is ignored. */
  get empty(): boolean {
    return this.#rules.length === 0;
  }

  /** True when some rule re-includes (`!`): excluded directories must still be walked. */
  get hasExceptions(): boolean {
    return this.#rules.some((r) => !r.exclude);
  }

  /** Whether `path` (relative to the context, `/`-separated) is left out of the context. */
  ignores(path: string): boolean {
    let ignored = false;
    const parts = path.split("/");
    for (const rule of this.#rules) {
      // A pattern matching a parent directory matches its contents.
      let match = rule.regex.test(path);
      for (let n = parts.length - 1; n >= 1 && !match; n--) {
        match = rule.regex.test(parts.slice(0, n).join("/"));
      }
      if (match) ignored = rule.exclude;
    }
    return ignored;
  }
}

/**
 * A pattern as a regular expression over the whole path, translated the way Docker's
 * patternmatcher does: `*` and `?` stop at `/`, `**` crosses directories, classes are kept.
 * Throws a `PatternError` for a class the expression cannot hold (`[z-a]`).
 */
export function patternRegex(pattern: string): RegExp {
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "*") {
      if (pattern[i + 1] === "*") {
        i++;
        if (pattern[i + 1] === "/") {
          i++;
          re += "(?:.*/)?";
        } else {
          re += ".*";
        }
      } else {
        re += "[^/]*";
      }
    } else if (c === "?") {
      re += "[^/]";
    } else if (c === "[") {
      const end = pattern.indexOf("]", i + 2);
      if (end === -1) {
        re += "\\[";
        continue;
      }
      // Copied into the expression as Docker's matcher does: `[^a]` negates, `[!a]` is "! or a".
      const cls = pattern.slice(i + 1, end);
      re += `[${cls.replace(/\\(.)/g, "\\$1")}]`;
      i = end;
    } else if (c === "\\" && i + 1 < pattern.length) {
      re += escapeRegex(pattern[++i]);
    } else {
      re += escapeRegex(c);
    }
  }
  try {
    return new RegExp(`^${re}$`);
  } catch (err) {
    // "Invalid regular expression: /.../: Range out of order in character class"
    const reason = (err as Error).message.split(": ").at(-1)!;
    throw new PatternError(pattern, reason.charAt(0).toLowerCase() + reason.slice(1));
  }
}

function escapeRegex(c: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(c) ? `\\${c}` : c;
}

/** True when a COPY source uses wildcards. */
export function hasWildcard(path: string): boolean {
  return /[*?[]/.test(path);
}
