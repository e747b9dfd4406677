/**
 * A fast reader for the YAML that Butane configs are made of: block mappings and sequences,
 * plain and single-line quoted scalars, literal block scalars and single-line flow collections.
 * It gives exactly the tree the port of yaml.v3 (./goyaml/) gives (same values, same positions)
 * and declines everything else (anchors, tags, folded or multi-line scalars, tabs, directives,
 * errors) by returning undefined, so `readYaml` falls back to the port, which also words the
 * errors. The port reads byte by byte as yaml.v3 does; this reads whole lines, several times
 * faster.
 */
import { type Pos, YMap, YScalar, YSeq, type YValue } from "./yaml_tree.ts";
import {
  doubleQuoted,
  Flow,
  INDICATOR_START,
  isEmptyOrComment,
  NULLS,
  singleQuoted,
  Unsupported,
  unsupported,
} from "./yaml_fast_flow.ts";

/** The first document of `text`, or undefined when this reader does not handle it. */
export function readYamlFast(text: string): YValue | undefined {
  if (text.includes("\r") || text.includes("\t") || text.charCodeAt(0) === 0xfeff) return undefined;
  try {
    return new Reader(text).document();
  } catch (err) {
    if (err instanceof Unsupported) return undefined;
    throw err;
  }
}

class Reader {
  private readonly lines: string[];
  private line = 0;

  constructor(text: string) {
    this.lines = text.split("\n");
  }

  document(): YValue {
    // A document start marker alone on its line is allowed; directives and content after it are not.
    this.skipBlank();
    if (this.line < this.lines.length) {
      const l = this.lines[this.line];
      if (l.startsWith("%")) unsupported();
      if (isMarker(l, "---")) {
        if (!isEmptyOrComment(l.slice(3))) unsupported();
        this.line++;
      }
    }
    this.skipBlank();
    if (this.atEnd()) return null;
    const indent = indentOf(this.lines[this.line]);
    if (indent !== 0) unsupported();
    const value = this.blockNodeAt(0, -1);
    this.skipBlank();
    if (!this.atEnd()) unsupported();
    return value;
  }

  /** True at end of input or at the next document's marker. */
  private atEnd(): boolean {
    if (this.line >= this.lines.length) return true;
    const l = this.lines[this.line];
    return isMarker(l, "---") || isMarker(l, "...");
  }

  private skipBlank(): void {
    while (this.line < this.lines.length && isEmptyOrComment(this.lines[this.line])) this.line++;
  }

  /** The block node starting at column `col` of the current line; `parent` is the parent's indent. */
  private blockNodeAt(col: number, parent: number): YValue {
    const l = this.lines[this.line];
    const rest = l.slice(col);
    if (rest === "-" || rest.startsWith("- ")) return this.sequence(col);
    if (keyEnd(rest) !== undefined) return this.mapping(col);
    return this.inlineValue(col, parent);
  }

  /** The node below a key or `-` whose value starts on a later line. */
  private nestedNode(parent: number, sameIndentSeq: boolean): YValue {
    const save = this.line;
    this.skipBlank();
    if (this.atEnd()) return null;
    const l = this.lines[this.line];
    const indent = indentOf(l);
    const content = l.slice(indent);
    const isSeq = content === "-" || content.startsWith("- ");
    if (indent > parent || (sameIndentSeq && indent === parent && isSeq)) {
      return this.blockNodeAt(indent, parent);
    }
    this.line = save;
    return null;
  }

  private sequence(col: number): YSeq {
    const seq = new YSeq(this.pos(col));
    for (;;) {
      const l = this.lines[this.line];
      let c = col + 1;
      while (l.charCodeAt(c) === 32) c++;
      const leaf = c >= l.length || l[c] === "#" ? this.pos(col + 1) : this.pos(c);
      let item: YValue;
      if (c >= l.length || l[c] === "#") {
        if (c < l.length && l[c - 1] !== " ") unsupported();
        this.line++;
        item = this.nestedNode(col, false);
      } else {
        item = this.blockNodeAt(c, col);
      }
      if (item === null) seq.leafPos.set(seq.items.length, leaf);
      seq.items.push(item);
      this.skipBlank();
      if (this.atEnd()) break;
      const next = this.lines[this.line];
      const indent = indentOf(next);
      if (indent !== col) {
        if (indent > col) unsupported();
        break;
      }
      const content = next.slice(indent);
      if (!(content === "-" || content.startsWith("- "))) break;
    }
    return seq;
  }

  private mapping(col: number): YMap {
    const map = new YMap(this.pos(col));
    for (;;) {
      const l = this.lines[this.line];
      const rest = l.slice(col);
      const end = keyEnd(rest);
      if (end === undefined) unsupported();
      // yaml.v3 gives up on a simple key whose ':' is over 1024 characters on: the port words it.
      if (end > 1000) unsupported();
      const key = keyText(rest.slice(0, end));
      const keyPos = this.pos(col);
      // A repeated key is yaml.v3's type error, in decode order: the port records it.
      if (map.keyPos.has(key)) unsupported();
      if (key === "<<") unsupported();
      map.keyPos.set(key, keyPos);
      if (NULLS.has(rest.slice(0, end))) map.nullKeys.add(key);
      let c = col + end + 1;
      while (l.charCodeAt(c) === 32) c++;
      let value: YValue;
      // Where a null value is: after the colon when nothing is written, else the scalar.
      let leaf: Pos;
      if (c >= l.length || l[c] === "#") {
        if (c < l.length && l[c - 1] !== " ") unsupported();
        leaf = this.pos(col + end + 1);
        this.line++;
        value = this.nestedNode(col, true);
      } else {
        leaf = this.pos(c);
        value = this.inlineValue(c, col);
      }
      map.entries.set(key, value);
      if (value === null) map.leafPos.set(key, leaf);
      this.skipBlank();
      if (this.atEnd()) break;
      const next = this.lines[this.line];
      const indent = indentOf(next);
      if (indent !== col) {
        if (indent > col) unsupported();
        break;
      }
      const content = next.slice(indent);
      if (content === "-" || content.startsWith("- ")) break;
    }
    return map;
  }

  /** A value that starts at `col` on the current line (scalar, block scalar or flow). */
  private inlineValue(col: number, parent: number): YValue {
    const l = this.lines[this.line];
    const ch = l[col];
    const pos = this.pos(col);
    if (ch === "|") return this.literal(col, parent);
    if (ch === "[" || ch === "{") {
      const flow = new Flow(l, col, this.line);
      const value = flow.node();
      flow.expectEnd();
      this.line++;
      return value;
    }
    if (ch === "'" || ch === '"') {
      const [text, end] = ch === "'" ? singleQuoted(l, col) : doubleQuoted(l, col);
      if (!isEmptyOrComment(l.slice(end))) unsupported();
      this.line++;
      return new YScalar(text, false, pos);
    }
    if (
      INDICATOR_START.has(ch) &&
      !(/[-?:]/.test(ch) && l[col + 1] !== undefined && l[col + 1] !== " ")
    ) {
      unsupported();
    }
    let end = l.indexOf(" #", col);
    if (end < 0) end = l.length;
    const text = l.slice(col, end).trimEnd();
    if (text.includes(": ") || text.endsWith(":")) unsupported();
    this.line++;
    // Deeper content after a plain scalar is a continuation line (or an error): not ours.
    const save = this.line;
    this.skipBlank();
    if (!this.atEnd() && indentOf(this.lines[this.line]) > parent) unsupported();
    this.line = save;
    if (NULLS.has(text)) return null;
    return new YScalar(text, true, pos);
  }

  /** A literal block scalar, `|` or `|-` (keep chomping and indentation digits are declined). */
  private literal(col: number, parent: number): YScalar {
    const lines = this.lines;
    const pos = this.pos(col);
    const m = lines[this.line].slice(col).match(/^\|(-?)(\s+#.*)?\s*$/);
    if (!m) unsupported();
    const strip = m[1] === "-";
    this.line++;
    let indent = -1;
    for (let j = this.line; j < lines.length; j++) {
      if (lines[j].trim() === "") continue;
      indent = indentOf(lines[j]);
      break;
    }
    // libyaml's content indent is at least 1, also for a scalar at the top (`parent` -1).
    if (indent <= parent || indent < 1) indent = -1;
    const body: string[] = [];
    let i = this.line;
    for (; i < lines.length; i++) {
      const s = lines[i];
      if (s.trim() === "") {
        if (indent >= 0 && s.length > indent) unsupported();
        body.push("");
        continue;
      }
      if (indent < 0 || indentOf(s) < indent) break;
      body.push(s.slice(indent));
    }
    // Content running to the end of a file without a final newline: leave it to the library.
    if (i >= lines.length && lines[lines.length - 1] !== "") unsupported();
    this.line = i;
    let end = body.length;
    while (end > 0 && body[end - 1] === "") end--;
    let text = body.slice(0, end).join("\n");
    if (!strip && end > 0) text += "\n";
    return new YScalar(text, false, pos);
  }

  private pos(col: number): Pos {
    return { line: this.line + 1, col: col + 1 };
  }
}

/** Where a mapping key ends (the index of its `:`), or undefined when `s` is no `key:` line. */
function keyEnd(s: string): number | undefined {
  const ch = s[0];
  if (ch === "'" || ch === '"') {
    try {
      const [, end] = ch === "'" ? singleQuoted(s, 0) : doubleQuoted(s, 0);
      let j = end;
      while (s.charCodeAt(j) === 32) j++;
      if (s[j] === ":" && (j + 1 === s.length || s[j + 1] === " ")) {
        if (j !== end) unsupported();
        return j;
      }
    } catch (err) {
      if (err instanceof Unsupported) return undefined;
      throw err;
    }
    return undefined;
  }
  if (ch === undefined || ch === "#" || ch === "[" || ch === "{") return undefined;
  for (let j = 0; j < s.length; j++) {
    const c = s[j];
    if (c === "#" && j > 0 && s[j - 1] === " ") return undefined;
    if (c === ":" && (j + 1 === s.length || s[j + 1] === " ")) {
      if (j === 0) unsupported();
      const key = s.slice(0, j);
      if (key.endsWith(" ")) unsupported();
      if (INDICATOR_START.has(ch) && !(/[-?:]/.test(ch) && s[1] !== " ")) unsupported();
      return j;
    }
  }
  return undefined;
}

function keyText(raw: string): string {
  const ch = raw[0];
  if (ch === "'") return singleQuoted(raw, 0)[0];
  if (ch === '"') return doubleQuoted(raw, 0)[0];
  return raw;
}

function indentOf(s: string): number {
  let i = 0;
  while (s.charCodeAt(i) === 32) i++;
  return i;
}

function isMarker(l: string, marker: string): boolean {
  return l.startsWith(marker) && (l.length === 3 || l[3] === " ");
}
