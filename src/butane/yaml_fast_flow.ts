/**
 * The scalar and flow-collection pieces of the fast YAML reader: single-line quoted scalars (with
 * YAML's escapes) and single-line flow sequences and mappings. Anything else is declined with
 * `Unsupported`, so the caller falls back to the yaml.v3 port.
 */
import { YMap, YScalar, YSeq, type YValue } from "./yaml_tree.ts";

/** Thrown for YAML the fast reader leaves to the library. */
export class Unsupported extends Error {}

export const NULLS = new Set(["", "~", "null", "Null", "NULL"]);
/** Characters that cannot start a plain scalar (some can when followed by a non-space). */
export const INDICATOR_START = new Set([..."-?:,[]{}#&*!|>'\"%@`"]);

export function unsupported(): never {
  throw new Unsupported();
}

/** A single-line flow collection. */
export class Flow {
  private i: number;
  constructor(private readonly s: string, start: number, private readonly lineIndex: number) {
    this.i = start;
  }

  node(): YValue {
    this.ws();
    const ch = this.s[this.i];
    const pos = { line: this.lineIndex + 1, col: this.i + 1 };
    if (ch === "[") {
      this.i++;
      const seq = new YSeq(pos);
      this.ws();
      if (this.s[this.i] === "]") {
        this.i++;
        return seq;
      }
      for (;;) {
        this.ws();
        const leaf = { line: this.lineIndex + 1, col: this.i + 1 };
        const item = this.node();
        this.ws();
        if (this.s[this.i] === ":") unsupported();
        if (item === null) seq.leafPos.set(seq.items.length, leaf);
        seq.items.push(item);
        if (this.s[this.i] === ",") {
          this.i++;
          this.ws();
          if (this.s[this.i] === "]") unsupported();
          continue;
        }
        if (this.s[this.i] === "]") {
          this.i++;
          return seq;
        }
        unsupported();
      }
    }
    if (ch === "{") {
      this.i++;
      const map = new YMap(pos);
      this.ws();
      if (this.s[this.i] === "}") {
        this.i++;
        return map;
      }
      for (;;) {
        this.ws();
        const keyPos = { line: this.lineIndex + 1, col: this.i + 1 };
        const keyStart = this.i;
        const keyNode = this.scalar(true);
        if (!(keyNode instanceof YScalar) && keyNode !== null) unsupported();
        // A simple key may span 1024 characters in yaml.v3 (see yaml_fast.ts).
        if (this.i - keyStart > 1000) unsupported();
        const key = keyNode === null ? "" : keyNode.text;
        if (keyNode === null || map.keyPos.has(key)) unsupported();
        this.ws();
        if (this.s[this.i] !== ":") unsupported();
        this.i++;
        const next = this.s[this.i];
        if (next !== " " && next !== "," && next !== "}" && next !== undefined) unsupported();
        this.ws();
        let value: YValue = null;
        const leaf = { line: this.lineIndex + 1, col: this.i + 1 };
        if (this.s[this.i] !== "," && this.s[this.i] !== "}") value = this.node();
        else unsupported(); // an empty flow value: where libyaml puts it is not worth matching
        map.keyPos.set(key, keyPos);
        map.entries.set(key, value);
        if (value === null) map.leafPos.set(key, leaf);
        this.ws();
        if (this.s[this.i] === ",") {
          this.i++;
          this.ws();
          if (this.s[this.i] === "}") unsupported();
          continue;
        }
        if (this.s[this.i] === "}") {
          this.i++;
          return map;
        }
        unsupported();
      }
    }
    return this.scalar(false);
  }

  private scalar(isKey: boolean): YValue {
    const pos = { line: this.lineIndex + 1, col: this.i + 1 };
    const ch = this.s[this.i];
    if (ch === "'" || ch === '"') {
      const [text, end] = ch === "'" ? singleQuoted(this.s, this.i) : doubleQuoted(this.s, this.i);
      this.i = end;
      return new YScalar(text, false, pos);
    }
    if (ch === undefined || INDICATOR_START.has(ch)) {
      if (!(ch === "-" && this.s[this.i + 1] !== " " && this.s[this.i + 1] !== undefined)) {
        unsupported();
      }
    }
    const start = this.i;
    while (this.i < this.s.length) {
      const c = this.s[this.i];
      if (c === "," || c === "]" || c === "}" || c === "[" || c === "{") break;
      if (c === ":" && (isKey || /[ ,\]}]/.test(this.s[this.i + 1] ?? " "))) break;
      if (c === "#" && this.s[this.i - 1] === " ") unsupported();
      this.i++;
    }
    const text = this.s.slice(start, this.i).trimEnd();
    if (NULLS.has(text)) return null;
    return new YScalar(text, true, pos);
  }

  private ws(): void {
    while (this.s.charCodeAt(this.i) === 32) this.i++;
  }

  expectEnd(): void {
    if (!isEmptyOrComment(this.s.slice(this.i))) unsupported();
  }
}

/** A single-quoted scalar starting at `start` that closes on the same line: [text, index after]. */
export function singleQuoted(s: string, start: number): [string, number] {
  let out = "";
  let i = start + 1;
  for (;;) {
    const j = s.indexOf("'", i);
    if (j < 0) unsupported();
    out += s.slice(i, j);
    if (s[j + 1] === "'") {
      out += "'";
      i = j + 2;
      continue;
    }
    return [out, j + 1];
  }
}

const ESCAPES: Record<string, string> = {
  "0": "\0",
  a: "\x07",
  b: "\b",
  t: "\t",
  n: "\n",
  v: "\v",
  f: "\f",
  r: "\r",
  e: "\x1b",
  " ": " ",
  '"': '"',
  "'": "'",
  "\\": "\\",
  N: "\u0085",
  _: "\u00a0",
  L: "\u2028",
  P: "\u2029",
};

/** A double-quoted scalar that closes on the same line: [text, index after]. */
export function doubleQuoted(s: string, start: number): [string, number] {
  let out = "";
  let i = start + 1;
  while (i < s.length) {
    const c = s[i];
    if (c === '"') return [out, i + 1];
    if (c !== "\\") {
      out += c;
      i++;
      continue;
    }
    const e = s[i + 1];
    if (e === undefined) unsupported();
    if (e in ESCAPES) {
      out += ESCAPES[e];
      i += 2;
      continue;
    }
    const len = e === "x" ? 2 : e === "u" ? 4 : e === "U" ? 8 : 0;
    if (!len) unsupported();
    const hex = s.slice(i + 2, i + 2 + len);
    if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== len) unsupported();
    const cp = parseInt(hex, 16);
    // yaml.v3 refuses surrogates and code points past Unicode: the port words it.
    if ((cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) unsupported();
    out += String.fromCodePoint(cp);
    i += 2 + len;
  }
  unsupported();
}

export function isEmptyOrComment(s: string): boolean {
  const t = s.trimStart();
  return t === "" || t.startsWith("#");
}
