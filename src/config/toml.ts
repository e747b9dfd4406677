/**
 * TOML reading with positions. smol-toml parses and reports syntax errors with line and column;
 * it gives no positions for keys, so `keyPositions` scans the (already valid) text once and
 * records where each table header and each key starts, for errors about values.
 */
import { parse, TomlError } from "smol-toml";
import { IagoError, type SourceLocation } from "../errors.ts";

/** A parsed TOML document and the positions of its keys. */
export interface TomlDocument {
  /** The workspace-relative file name used in messages. */
  file: string;
  data: Record<string, unknown>;
  positions: Map<string, { line: number; col: number }>;
}

/**
 * Parses TOML text. Throws an `IagoError` at `file:line:col` when the text is not valid TOML.
 */
export function parseToml(text: string, file: string): TomlDocument {
  let data: Record<string, unknown>;
  try {
    data = parse(text) as Record<string, unknown>;
  } catch (err) {
    if (err instanceof TomlError) {
      const reason = err.message.split("\n")[0].replace(/^Invalid TOML document: /, "");
      throw new IagoError(`Invalid TOML: ${reason}`, {
        at: { file, line: err.line, col: err.column },
        hint: tomlHint(reason),
        cause: err,
      });
    }
    throw err;
  }
  return { file, data, positions: keyPositions(text) };
}

function tomlHint(reason: string): string {
  if (/redefine/.test(reason)) return "each key and each [section] may appear only once";
  if (/string/.test(reason)) return 'strings are quoted ("text"); close the quote on the same line';
  return "see https://toml.io for the syntax";
}

/** The map key of a path of table and key names. */
export function pathKey(path: readonly (string | number)[]): string {
  return path.join("\u0000");
}

/**
 * Where the key at `path` (or its nearest enclosing table or key) is written, as a location in
 * `doc.file`. Array indexes in `path` are ignored: an element is reported at its key.
 */
export function locate(doc: TomlDocument, path: readonly PropertyKey[]): SourceLocation {
  const names = path.filter((p): p is string => typeof p === "string");
  for (let n = names.length; n > 0; n--) {
    const pos = doc.positions.get(pathKey(names.slice(0, n)));
    if (pos) return { file: doc.file, line: pos.line, col: pos.col };
  }
  return { file: doc.file };
}

/**
 * Positions (1-based line and column) of every table header and key in a valid TOML text,
 * keyed by `pathKey` of its full path. Array-of-tables entries are recorded under the array's
 * name (the first entry wins).
 */
export function keyPositions(text: string): Map<string, { line: number; col: number }> {
  return new KeyScanner(text).scan();
}

class KeyScanner {
  private i = 0;
  private readonly lineStarts: number[] = [0];
  private readonly found = new Map<string, { line: number; col: number }>();

  constructor(private readonly text: string) {
    for (let k = 0; k < text.length; k++) if (text[k] === "\n") this.lineStarts.push(k + 1);
  }

  scan(): Map<string, { line: number; col: number }> {
    let table: string[] = [];
    while (this.skipBlank(true), this.i < this.text.length) {
      const start = this.i;
      if (this.text[this.i] === "[") {
        const double = this.text[this.i + 1] === "[";
        this.i += double ? 2 : 1;
        table = this.readKey();
        this.i += double ? 2 : 1;
        // `[a.b]` also writes table `a`, which an error about `a` must find.
        for (let n = 1; n <= table.length; n++) this.record(table.slice(0, n), start);
      } else {
        this.readKeyValue(table);
      }
      this.skipToLineEnd();
    }
    return this.found;
  }

  private readKeyValue(prefix: string[]): void {
    const start = this.i;
    const key = [...prefix, ...this.readKey()];
    // `a.b = 1` also writes table `a`, which an error about `a` must find.
    for (let n = prefix.length + 1; n <= key.length; n++) this.record(key.slice(0, n), start);
    this.skipBlank(false);
    if (this.text[this.i] === "=") this.i++;
    this.skipBlank(false);
    this.skipValue(key);
  }

  private record(path: string[], index: number): void {
    const k = pathKey(path);
    if (this.found.has(k)) return;
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= index) lo = mid;
      else hi = mid - 1;
    }
    this.found.set(k, { line: lo + 1, col: index - this.lineStarts[lo] + 1 });
  }

  /** A dotted key: bare, "basic" or 'literal' parts separated by dots. */
  private readKey(): string[] {
    const parts: string[] = [];
    for (;;) {
      this.skipBlank(false);
      const c = this.text[this.i];
      if (c === '"' || c === "'") {
        const end = this.stringEnd(this.i, c);
        const raw = this.text.slice(this.i, end);
        parts.push(c === '"' ? JSON.parse(raw) : raw.slice(1, -1));
        this.i = end;
      } else {
        const m = /^[A-Za-z0-9_-]+/.exec(this.text.slice(this.i, this.i + 256));
        parts.push(m ? m[0] : "");
        this.i += m ? m[0].length : 0;
      }
      this.skipBlank(false);
      if (this.text[this.i] !== ".") return parts;
      this.i++;
    }
  }

  /** Index just past a one-line string that starts at `from` with `quote`. */
  private stringEnd(from: number, quote: string): number {
    let k = from + 1;
    while (k < this.text.length && this.text[k] !== quote) {
      k += this.text[k] === "\\" && quote === '"' ? 2 : 1;
    }
    return k + 1;
  }

  private skipValue(key: string[]): void {
    const t = this.text;
    const c = t[this.i];
    if (t.startsWith('"""', this.i) || t.startsWith("'''", this.i)) {
      const q = t.slice(this.i, this.i + 3);
      let k = this.i + 3;
      while (k < t.length && !t.startsWith(q, k)) k += t[k] === "\\" && q === '"""' ? 2 : 1;
      k += 3;
      while (t[k] === q[0]) k++;
      this.i = k;
    } else if (c === '"' || c === "'") {
      this.i = this.stringEnd(this.i, c);
    } else if (c === "[") {
      this.i++;
      while (this.skipBlank(true), this.i < t.length && t[this.i] !== "]") {
        if (t[this.i] === ",") this.i++;
        else this.skipValue(key);
      }
      this.i++;
    } else if (c === "{") {
      this.i++;
      while (this.skipBlank(false), this.i < t.length && t[this.i] !== "}") {
        if (t[this.i] === ",") this.i++;
        else this.readKeyValue(key);
      }
      this.i++;
    } else {
      while (this.i < t.length && !",]}\n#".includes(t[this.i])) this.i++;
    }
  }

  /** Skips spaces and tabs, and with `newlines` also line ends and comments. */
  private skipBlank(newlines: boolean): void {
    const t = this.text;
    while (this.i < t.length) {
      const c = t[this.i];
      if (c === " " || c === "\t") this.i++;
      else if (newlines && (c === "\n" || c === "\r")) this.i++;
      else if (newlines && c === "#") this.skipToLineEnd();
      else return;
    }
  }

  private skipToLineEnd(): void {
    const t = this.text;
    while (this.i < t.length && t[this.i] !== "\n") this.i++;
  }
}
