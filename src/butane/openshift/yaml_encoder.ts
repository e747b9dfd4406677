/**
 * gopkg.in/yaml.v3's Encoder (v3.0.1, `SetIndent(2)`) for JSON values, which is how butane writes
 * a MachineConfig: it marshals the Go struct to JSON, unmarshals that into `interface{}` and
 * encodes the result (config/util `TranslateBytesYAML`). So mappings have their keys in yaml.v3's
 * natural order, numbers are float64s (`1e+06`), and each string takes the style libyaml's
 * emitter allows it: plain, single-quoted, double-quoted with its escapes, or a literal block.
 * Lines are never folded (yaml.v3's encoder has no width limit).
 *
 * The emitter's state machine is followed for the events such values produce (block mappings and
 * sequences, flow only for empty ones, implicit untagged scalars, no comments or anchors), with
 * the same column and indentation bookkeeping, so spacing comes out exactly as libyaml's.
 */
import { BOOLS, FLOATS, NULLS } from "../goyaml/compose.ts";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const BEST_INDENT = 2;

type Style = "plain" | "single" | "double" | "literal";

/** The YAML document yaml.v3 writes for `value` (JSON data), ending in a newline. */
export function encodeYaml(value: unknown): string {
  const e = new Emitter();
  e.node(value as Json, {});
  // Document end: a final line break unless one was just written.
  e.writeIndent();
  return e.out.join("");
}

interface NodeContext {
  simpleKey?: boolean;
  /** The node is an item of a block sequence (its first indent only skips the `- `). */
  sequenceItem?: boolean;
}

class Emitter {
  out: string[] = [];
  private column = 0;
  private indent = -1;
  private indents: number[] = [];
  private whitespace = true;
  private indention = true;

  node(value: Json, ctx: NodeContext): void {
    if (Array.isArray(value)) this.sequence(value, ctx);
    else if (value !== null && typeof value === "object") this.mapping(value, ctx);
    else this.scalar(value, ctx);
  }

  private sequence(items: Json[], ctx: NodeContext): void {
    // Only an empty collection is written in flow style, so nothing is ever inside a flow one.
    if (items.length === 0) {
      this.writeIndicator("[", true, true, false);
      this.writeIndicator("]", false, false, false);
      return;
    }
    this.increaseIndent(false, ctx);
    for (const item of items) {
      this.writeIndent();
      this.writeIndicator("-", true, false, true);
      this.node(item, { sequenceItem: true });
    }
    this.popIndent();
  }

  private mapping(map: { [key: string]: Json }, ctx: NodeContext): void {
    const keys = Object.keys(map).sort(compareKeys);
    if (keys.length === 0) {
      this.writeIndicator("{", true, true, false);
      this.writeIndicator("}", false, false, false);
      return;
    }
    this.increaseIndent(false, ctx);
    for (const key of keys) {
      this.writeIndent();
      const k = analyze(key);
      // libyaml's `check_simple_key`: one line, at most 128 bytes.
      if (!k.multiline && utf8Length(key) <= 128) {
        this.scalar(key, { simpleKey: true });
        this.writeIndicator(":", false, false, false);
      } else {
        this.writeIndicator("?", true, false, true);
        this.scalar(key, {});
        this.writeIndent();
        this.writeIndicator(":", true, false, true);
      }
      this.node(map[key], {});
    }
    this.popIndent();
  }

  private scalar(value: null | boolean | number | string, ctx: NodeContext): void {
    const [text, requested] = scalarText(value);
    const a = analyze(text);
    const style = selectStyle(requested, text, a, ctx.simpleKey === true);
    this.increaseIndent(true, ctx);
    if (style === "plain") this.writePlain(text);
    else if (style === "single") this.writeSingleQuoted(text);
    else if (style === "double") this.writeDoubleQuoted(text);
    else this.writeLiteral(text);
    this.popIndent();
  }

  /** libyaml's `increase_indent` with yaml.v3's change for sequence items. */
  private increaseIndent(flow: boolean, ctx: NodeContext): void {
    this.indents.push(this.indent);
    if (this.indent < 0) {
      this.indent = flow ? BEST_INDENT : 0;
    } else if (ctx.sequenceItem) {
      this.indent += 2;
    } else {
      this.indent = BEST_INDENT * Math.floor((this.indent + BEST_INDENT) / BEST_INDENT);
    }
  }

  private popIndent(): void {
    this.indent = this.indents.pop()!;
  }

  writeIndent(): void {
    const indent = Math.max(this.indent, 0);
    if (!this.indention || this.column > indent || (this.column === indent && !this.whitespace)) {
      this.putBreak();
    }
    while (this.column < indent) this.put(" ");
    this.whitespace = true;
  }

  private writeIndicator(
    indicator: string,
    needWhitespace: boolean,
    isWhitespace: boolean,
    isIndention: boolean,
  ): void {
    if (needWhitespace && !this.whitespace) this.put(" ");
    this.put(indicator);
    this.whitespace = isWhitespace;
    this.indention = this.indention && isIndention;
  }

  /** Writes characters that contain no line break (the column counts characters). */
  private put(s: string): void {
    this.out.push(s);
    for (const _ of s) this.column++;
  }

  private putBreak(): void {
    this.out.push("\n");
    this.column = 0;
    this.indention = true;
  }

  /** libyaml's `write_break`: `\n` as a line break, other breaks copied as they are. */
  private writeBreak(c: string): void {
    this.out.push(c);
    this.column = 0;
    this.indention = true;
  }

  private writePlain(text: string): void {
    if (text.length > 0 && !this.whitespace) this.put(" ");
    let breaks = false;
    for (const c of text) {
      if (isBreak(c)) {
        if (!breaks && c === "\n") this.putBreak();
        this.writeBreak(c);
        breaks = true;
      } else {
        if (breaks) this.writeIndent();
        this.put(c);
        this.indention = false;
        breaks = false;
      }
    }
    if (text.length > 0) this.whitespace = false;
    this.indention = false;
  }

  private writeSingleQuoted(text: string): void {
    this.writeIndicator("'", true, false, false);
    let breaks = false;
    for (const c of text) {
      if (isBreak(c)) {
        if (!breaks && c === "\n") this.putBreak();
        this.writeBreak(c);
        breaks = true;
      } else {
        if (breaks) this.writeIndent();
        this.put(c === "'" ? "''" : c);
        this.indention = false;
        breaks = false;
      }
    }
    this.writeIndicator("'", false, false, false);
    this.whitespace = false;
    this.indention = false;
  }

  private writeDoubleQuoted(text: string): void {
    this.writeIndicator('"', true, false, false);
    // libyaml tests for a BOM at the start of the value, not at each character: a value that
    // starts with one has every character escaped.
    const bom = text.startsWith("\ufeff");
    for (const c of text) {
      const cp = c.codePointAt(0)!;
      if (!isPrintable(cp) || bom || isBreak(c) || c === '"' || c === "\\") {
        this.put("\\" + escapeFor(cp));
      } else {
        this.put(c);
      }
    }
    this.writeIndicator('"', false, false, false);
    this.whitespace = false;
    this.indention = false;
  }

  private writeLiteral(text: string): void {
    this.writeIndicator("|", true, false, false);
    this.blockScalarHints(text);
    this.whitespace = true;
    let breaks = true;
    for (const c of text) {
      if (isBreak(c)) {
        if (c === "\n") this.putBreak();
        else this.writeBreak(c);
        breaks = true;
      } else {
        if (breaks) this.writeIndent();
        this.put(c);
        this.indention = false;
        breaks = false;
      }
    }
  }

  /** The indentation indicator (a leading space or break) and the chomping indicator. */
  private blockScalarHints(text: string): void {
    const chars = [...text];
    if (chars.length > 0 && (chars[0] === " " || isBreak(chars[0]))) {
      this.writeIndicator(String(BEST_INDENT), false, false, false);
    }
    let chomp = "";
    if (chars.length === 0 || !isBreak(chars[chars.length - 1])) chomp = "-";
    else if (chars.length === 1 || isBreak(chars[chars.length - 2])) chomp = "+";
    if (chomp) this.writeIndicator(chomp, false, false, false);
  }
}

/** The text yaml.v3 writes for a scalar and the style it asks the emitter for. */
function scalarText(value: null | boolean | number | string): [string, Style] {
  if (value === null) return ["null", "plain"];
  if (typeof value === "boolean") return [value ? "true" : "false", "plain"];
  if (typeof value === "number") return [formatFloat(value), "plain"];
  // yaml.v3's `stringv`: text that would read back as another type, or as a YAML 1.1 bool or
  // base-60 float, is quoted; text with a newline asks for a literal block.
  if (value.includes("\n")) return [value, "literal"];
  const plain = resolvesToString(value) && !isBase60Float(value) && !OLD_BOOLS.has(value);
  return [value, plain ? "plain" : "double"];
}

interface Analysis {
  multiline: boolean;
  blockPlainAllowed: boolean;
  singleQuotedAllowed: boolean;
  blockAllowed: boolean;
}

/** libyaml's `analyze_scalar`: which styles can carry `text` unchanged. */
function analyze(text: string): Analysis {
  if (text.length === 0) {
    return {
      multiline: false,
      blockPlainAllowed: true,
      singleQuotedAllowed: true,
      blockAllowed: false,
    };
  }
  let blockIndicators = false;
  let lineBreaks = false;
  let specialCharacters = false;
  let tabCharacters = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  let previousSpace = false;
  let previousBreak = false;
  if (text.startsWith("---") || text.startsWith("...")) blockIndicators = true;
  const chars = [...text];
  let precededByWhitespace = true;
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i];
    const followedByWhitespace = i + 1 >= chars.length || isBlank(chars[i + 1]) ||
      isBreak(chars[i + 1]);
    // The characters that make plain text read as YAML syntax in block context (libyaml also
    // tracks flow context, which this encoder never writes scalars in).
    if (i === 0) {
      if ("#,[]{}&*!|>'\"%@`".includes(c)) blockIndicators = true;
      else if ((c === "?" || c === ":" || c === "-") && followedByWhitespace) {
        blockIndicators = true;
      }
    } else if (c === ":" && followedByWhitespace) {
      blockIndicators = true;
    } else if (c === "#" && precededByWhitespace) {
      blockIndicators = true;
    }
    if (c === "\t") tabCharacters = true;
    else if (!isPrintable(c.codePointAt(0)!)) specialCharacters = true;
    if (c === " ") {
      if (i === 0) leadingSpace = true;
      if (i === chars.length - 1) trailingSpace = true;
      if (previousBreak) breakSpace = true;
      previousSpace = true;
      previousBreak = false;
    } else if (isBreak(c)) {
      lineBreaks = true;
      if (i === 0) leadingBreak = true;
      if (i === chars.length - 1) trailingBreak = true;
      if (previousSpace) spaceBreak = true;
      previousSpace = false;
      previousBreak = true;
    } else {
      previousSpace = false;
      previousBreak = false;
    }
    precededByWhitespace = isBlank(c) || isBreak(c) || c === "\0";
  }
  const a: Analysis = {
    multiline: lineBreaks,
    blockPlainAllowed: true,
    singleQuotedAllowed: true,
    blockAllowed: true,
  };
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) a.blockPlainAllowed = false;
  if (trailingSpace) a.blockAllowed = false;
  if (breakSpace || spaceBreak || tabCharacters || specialCharacters) {
    a.blockPlainAllowed = a.singleQuotedAllowed = false;
  }
  if (spaceBreak || specialCharacters) a.blockAllowed = false;
  if (lineBreaks || blockIndicators) a.blockPlainAllowed = false;
  return a;
}

/** libyaml's `select_scalar_style` for an implicit, untagged scalar in block context. */
function selectStyle(requested: Style, text: string, a: Analysis, simpleKey: boolean): Style {
  let style = requested;
  if (simpleKey && a.multiline) style = "double";
  if (style === "plain") {
    if (!a.blockPlainAllowed) style = "single";
    if (text.length === 0 && simpleKey) style = "single";
  }
  if (style === "single" && !a.singleQuotedAllowed) style = "double";
  if (style === "literal" && (!a.blockAllowed || simpleKey)) style = "double";
  return style;
}

/** libyaml's `is_printable` on a code point (UTF-8 sequences of four bytes are not). */
function isPrintable(cp: number): boolean {
  return cp === 0x0a || (cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa0 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd && cp !== 0xfeff);
}

function isBreak(c: string): boolean {
  return c === "\r" || c === "\n" || c === "\u0085" || c === "\u2028" || c === "\u2029";
}

function isBlank(c: string): boolean {
  return c === " " || c === "\t";
}

const ESCAPES: Record<number, string> = {
  0x00: "0",
  0x07: "a",
  0x08: "b",
  0x09: "t",
  0x0a: "n",
  0x0b: "v",
  0x0c: "f",
  0x0d: "r",
  0x1b: "e",
  0x22: '"',
  0x5c: "\\",
  0x85: "N",
  0xa0: "_",
  0x2028: "L",
  0x2029: "P",
};

/** What follows the backslash for an escaped code point in a double-quoted scalar. */
function escapeFor(cp: number): string {
  const named = ESCAPES[cp];
  if (named !== undefined) return named;
  const hex = cp.toString(16).toUpperCase();
  if (cp <= 0xff) return "x" + hex.padStart(2, "0");
  if (cp <= 0xffff) return "u" + hex.padStart(4, "0");
  return "U" + hex.padStart(8, "0");
}

function utf8Length(s: string): number {
  return new TextEncoder().encode(s).length;
}

const OLD_BOOLS = new Set([
  "y",
  "Y",
  "yes",
  "Yes",
  "YES",
  "on",
  "On",
  "ON",
  "n",
  "N",
  "no",
  "No",
  "NO",
  "off",
  "Off",
  "OFF",
]);

function isBase60Float(s: string): boolean {
  return /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/.test(s);
}

/** What yaml.v3 resolves as null, a bool or a special float, as its decoder does. */
const RESOLVED_SPECIALS = new Set([...NULLS, ...BOOLS, ...FLOATS]);

/** Whether yaml.v3's `resolve` reads plain `s` back as a string (not a number, bool, null, ...). */
function resolvesToString(s: string): boolean {
  const first = s.charAt(0);
  // Only these first characters (or none) make yaml.v3 look further; `<<` is text.
  const hinted = /^[-+0-9yYnNtTfFoO~.]$/.test(first) || s === "";
  if (!hinted) return true;
  if (RESOLVED_SPECIALS.has(s)) return false;
  if (first === ".") return !isGoFloat(s);
  if (!/^[-+0-9]$/.test(first)) return true;
  if (isTimestamp(s)) return false;
  const plain = s.replaceAll("_", "");
  if (isGoInt(plain)) return false;
  if (/^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/.test(plain) && isGoFloat(plain)) {
    return false;
  }
  if (/^0b[01]+$/.test(plain) || /^-0b[01]+$/.test(plain)) return false;
  if (/^-?0o[0-7]+$/.test(plain)) return false;
  return true;
}

/**
 * Go's `strconv.ParseInt(s, 0, 64)` or `ParseUint(s, 0, 64)` succeeding: a sign (ParseInt
 * only), then `0x`/`0o`/`0b` digits, a leading-zero octal, or decimal, in range.
 */
function isGoInt(s: string): boolean {
  const m = s.match(/^([-+]?)(.*)$/)!;
  const body = m[2];
  let digits: string;
  let prefix: string;
  if (/^0[xX]/.test(body)) [digits, prefix] = [body.slice(2), "0x"];
  else if (/^0[bB]/.test(body)) [digits, prefix] = [body.slice(2), "0b"];
  else if (/^0[oO]/.test(body)) [digits, prefix] = [body.slice(2), "0o"];
  else if (body.length > 1 && body[0] === "0") [digits, prefix] = [body.slice(1), "0o"];
  else [digits, prefix] = [body, ""];
  const valid = prefix === "0x"
    ? /^[0-9a-fA-F]+$/
    : prefix === "0o"
    ? /^[0-7]+$/
    : prefix === "0b"
    ? /^[01]+$/
    : /^[0-9]+$/;
  if (!valid.test(digits)) return false;
  const n = BigInt(prefix + digits);
  if (m[1] === "-") return n <= 2n ** 63n;
  if (m[1] === "+") return n < 2n ** 63n;
  return n < 2n ** 64n;
}

/** Go's `strconv.ParseFloat(s, 64)` succeeding on text of the YAML float shape (not overflowing). */
function isGoFloat(s: string): boolean {
  if (!/^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/.test(s)) return false;
  return Number.isFinite(Number(s));
}

/** yaml.v3's `parseTimestamp`: `YYYY-`, one of its four layouts, and Go's range checks. */
function isTimestamp(s: string): boolean {
  const m = s.match(
    /^(\d{4})-(\d{1,2})-(\d{1,2})(?:(?:[Tt](\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.\d+)?(?:Z|[-+]\d{2}:\d{2}))|(?: (\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.\d+)?))?$/,
  );
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const [hour, minute, second] = [m[4] ?? m[7] ?? "0", m[5] ?? m[8] ?? "0", m[6] ?? m[9] ?? "0"]
    .map(Number);
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  return day >= 1 && day <= days;
}

/** Go's `strconv.FormatFloat(f, 'g', -1, 64)`: shortest digits, exponent form from 1e+06. */
export function formatFloat(n: number): string {
  if (n === 0) return Object.is(n, -0) ? "-0" : "0";
  const sign = n < 0 ? "-" : "";
  const [mantissa, expText] = Math.abs(n).toExponential().split("e");
  const digits = mantissa.replace(".", "");
  const exp = Number(expText);
  if (exp < -4 || exp >= 6) {
    const frac = digits.length > 1 ? "." + digits.slice(1) : "";
    const e = Math.abs(exp);
    return `${sign}${digits[0]}${frac}e${exp < 0 ? "-" : "+"}${e < 10 ? "0" + e : e}`;
  }
  if (exp < 0) return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
  const whole = digits.slice(0, exp + 1).padEnd(exp + 1, "0");
  const frac = digits.slice(exp + 1);
  return sign + whole + (frac ? "." + frac : "");
}

/**
 * yaml.v3's key order (`keyList.Less`) for string keys: letters before other characters, runs
 * of digits compared as numbers.
 */
export function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  return keyLess(a, b) ? -1 : keyLess(b, a) ? 1 : 0;
}

function keyLess(a: string, b: string): boolean {
  const ar = [...a].map((c) => c.codePointAt(0)!);
  const br = [...b].map((c) => c.codePointAt(0)!);
  let digits = false;
  for (let i = 0; i < ar.length && i < br.length; i++) {
    if (ar[i] === br[i]) {
      digits = isDigit(ar[i]);
      continue;
    }
    const al = isLetter(ar[i]);
    const bl = isLetter(br[i]);
    if (al && bl) return ar[i] < br[i];
    if (al || bl) return digits ? al : bl;
    let an = 0n;
    let bn = 0n;
    if (ar[i] === 0x30 || br[i] === 0x30) {
      for (let j = i - 1; j >= 0 && isDigit(ar[j]); j--) {
        if (ar[j] !== 0x30) {
          an = 1n;
          bn = 1n;
          break;
        }
      }
    }
    let ai = i;
    for (; ai < ar.length && isDigit(ar[ai]); ai++) {
      an = BigInt.asIntN(64, an * 10n + BigInt(ar[ai] - 0x30));
    }
    let bi = i;
    for (; bi < br.length && isDigit(br[bi]); bi++) {
      bn = BigInt.asIntN(64, bn * 10n + BigInt(br[bi] - 0x30));
    }
    if (an !== bn) return an < bn;
    if (ai !== bi) return ai < bi;
    return ar[i] < br[i];
  }
  return ar.length < br.length;
}

function isLetter(cp: number): boolean {
  return /\p{L}/u.test(String.fromCodePoint(cp));
}

function isDigit(cp: number): boolean {
  return /\p{Nd}/u.test(String.fromCodePoint(cp));
}
