/**
 * A JSON reader that fails the way Go's `encoding/json` does, because `ignition-validate`
 * prints Go's own messages (`invalid character 'x' after object key`) and byte offsets. It keeps
 * what `JSON.parse` throws away: key order, duplicate keys, number literals as written and the
 * byte offset of every value, so findings can be placed at `line L col C` like Ignition does.
 */

export type JNode =
  | { t: "obj"; entries: JEntry[]; start: number; end: number }
  | { t: "arr"; items: JNode[]; start: number; end: number }
  | { t: "str"; v: string; start: number; end: number }
  | { t: "num"; raw: string; start: number; end: number }
  | { t: "bool"; v: boolean; start: number; end: number }
  | { t: "null"; start: number; end: number };

export interface JEntry {
  key: string;
  keyStart: number;
  value: JNode;
}

/** A syntax error as Go reports it: message and the byte offset Go's scanner stopped at. */
export interface GoSyntaxError {
  message: string;
  offset: number;
}

const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isHex = (c: number) => isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);

/** Go's `quoteChar`: how the scanner names an offending byte. */
export function quoteChar(c: number): string {
  if (c === 0x27) return `'\\''`;
  if (c === 0x22) return `'"'`;
  return `'${goQuoteRune(c)}'`;
}

function goQuoteRune(r: number): string {
  switch (r) {
    case 0x07:
      return "\\a";
    case 0x08:
      return "\\b";
    case 0x0c:
      return "\\f";
    case 0x0a:
      return "\\n";
    case 0x0d:
      return "\\r";
    case 0x09:
      return "\\t";
    case 0x0b:
      return "\\v";
    case 0x5c:
      return "\\\\";
  }
  if (r < 0x20 || r === 0x7f) return `\\x${r.toString(16).padStart(2, "0")}`;
  // strconv.IsPrint is false for C1 controls, no-break space and soft hyphen.
  if ((r >= 0x80 && r <= 0xa0) || r === 0xad) return `\\u${r.toString(16).padStart(4, "0")}`;
  return String.fromCodePoint(r);
}

class SyntaxFailure extends Error {
  constructor(readonly goMessage: string, readonly offset: number) {
    super(goMessage);
  }
}

const decoder = new TextDecoder();

/** Parses `bytes` like Go's `json.Unmarshal` validates them; returns the tree or Go's error. */
export function parseGoJson(bytes: Uint8Array): { node?: JNode; error?: GoSyntaxError } {
  const p = new Parser(bytes);
  try {
    p.skipSpace();
    const node = p.value();
    p.skipSpace();
    if (p.pos < bytes.length) p.fail("after top-level value");
    return { node };
  } catch (e) {
    if (e instanceof SyntaxFailure) return { error: { message: e.goMessage, offset: e.offset } };
    throw e;
  }
}

class Parser {
  pos = 0;
  constructor(readonly b: Uint8Array) {}

  /** Fails at the current byte; Go's offset counts the offending byte itself. */
  fail(context: string): never {
    if (this.pos >= this.b.length) this.eof();
    throw new SyntaxFailure(
      `invalid character ${quoteChar(this.b[this.pos])} ${context}`,
      this.pos + 1,
    );
  }

  eof(): never {
    throw new SyntaxFailure("unexpected end of JSON input", this.b.length);
  }

  skipSpace() {
    while (this.pos < this.b.length && isSpace(this.b[this.pos])) this.pos++;
  }

  /** The next byte after white space; the end of input here is Go's "unexpected end". */
  peek(): number {
    this.skipSpace();
    if (this.pos >= this.b.length) this.eof();
    return this.b[this.pos];
  }

  value(): JNode {
    if (this.pos >= this.b.length) this.eof();
    const c = this.b[this.pos];
    const start = this.pos;
    if (c === 0x7b) return this.object();
    if (c === 0x5b) return this.array();
    if (c === 0x22) {
      const v = this.string();
      return { t: "str", v, start, end: this.pos };
    }
    if (c === 0x2d || isDigit(c)) return this.number();
    if (c === 0x74) return this.literal("true", { t: "bool", v: true, start, end: 0 });
    if (c === 0x66) return this.literal("false", { t: "bool", v: false, start, end: 0 });
    if (c === 0x6e) return this.literal("null", { t: "null", start, end: 0 });
    this.fail("looking for beginning of value");
  }

  literal(word: string, node: JNode): JNode {
    this.pos++;
    for (let i = 1; i < word.length; i++) {
      if (this.pos >= this.b.length) this.eof();
      if (this.b[this.pos] !== word.charCodeAt(i)) {
        this.fail(`in literal ${word} (expecting '${word[i]}')`);
      }
      this.pos++;
    }
    node.end = this.pos;
    return node;
  }

  number(): JNode {
    const start = this.pos;
    const b = this.b;
    const at = () => (this.pos < b.length ? b[this.pos] : -1);
    if (at() === 0x2d) {
      this.pos++;
      if (this.pos >= b.length) this.eof();
      if (!isDigit(at())) this.fail("in numeric literal");
    }
    if (at() === 0x30) this.pos++;
    else while (isDigit(at())) this.pos++;
    if (at() === 0x2e) {
      this.pos++;
      if (this.pos >= b.length) this.eof();
      if (!isDigit(at())) this.fail("after decimal point in numeric literal");
      while (isDigit(at())) this.pos++;
    }
    if (at() === 0x65 || at() === 0x45) {
      this.pos++;
      if (at() === 0x2b || at() === 0x2d) this.pos++;
      if (this.pos >= b.length) this.eof();
      if (!isDigit(at())) this.fail("in exponent of numeric literal");
      while (isDigit(at())) this.pos++;
    }
    const raw = decoder.decode(b.subarray(start, this.pos));
    return { t: "num", raw, start, end: this.pos };
  }

  string(): string {
    const b = this.b;
    this.pos++;
    const start = this.pos;
    let simple = true;
    for (;;) {
      if (this.pos >= b.length) this.eof();
      const c = b[this.pos];
      if (c === 0x22) break;
      if (c === 0x5c) {
        simple = false;
        this.pos++;
        if (this.pos >= b.length) this.eof();
        const e = b[this.pos];
        if (e === 0x75) {
          for (let i = 0; i < 4; i++) {
            this.pos++;
            if (this.pos >= b.length) this.eof();
            if (!isHex(b[this.pos])) this.fail("in \\u hexadecimal character escape");
          }
        } else if (!'bfnrt\\/"'.includes(String.fromCharCode(e))) {
          this.fail("in string escape code");
        }
      } else if (c < 0x20) {
        this.fail("in string literal");
      }
      this.pos++;
    }
    const body = b.subarray(start, this.pos);
    this.pos++;
    if (simple) return decoder.decode(body);
    return unescapeGo(decoder.decode(body));
  }

  object(): JNode {
    const start = this.pos;
    this.pos++;
    const entries: JEntry[] = [];
    if (this.peek() === 0x7d) {
      this.pos++;
      return { t: "obj", entries, start, end: this.pos };
    }
    for (;;) {
      if (this.peek() !== 0x22) this.fail("looking for beginning of object key string");
      const keyStart = this.pos;
      const key = this.string();
      if (this.peek() !== 0x3a) this.fail("after object key");
      this.pos++;
      this.skipSpace();
      const value = this.value();
      entries.push({ key, keyStart, value });
      const c = this.peek();
      if (c === 0x2c) {
        this.pos++;
        continue;
      }
      if (c === 0x7d) {
        this.pos++;
        return { t: "obj", entries, start, end: this.pos };
      }
      this.fail("after object key:value pair");
    }
  }

  array(): JNode {
    const start = this.pos;
    this.pos++;
    const items: JNode[] = [];
    if (this.peek() === 0x5d) {
      this.pos++;
      return { t: "arr", items, start, end: this.pos };
    }
    for (;;) {
      this.skipSpace();
      items.push(this.value());
      const c = this.peek();
      if (c === 0x2c) {
        this.pos++;
        continue;
      }
      if (c === 0x5d) {
        this.pos++;
        return { t: "arr", items, start, end: this.pos };
      }
      this.fail("after array element");
    }
  }
}

/** Decodes JSON escapes; lone surrogates become U+FFFD as in Go. */
function unescapeGo(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c !== "\\") {
      out += c;
      continue;
    }
    const e = s[++i];
    switch (e) {
      case "b":
        out += "\b";
        break;
      case "f":
        out += "\f";
        break;
      case "n":
        out += "\n";
        break;
      case "r":
        out += "\r";
        break;
      case "t":
        out += "\t";
        break;
      case "u": {
        let cu = parseInt(s.slice(i + 1, i + 5), 16);
        i += 4;
        if (cu >= 0xd800 && cu < 0xdc00) {
          const next = s.slice(i + 1, i + 3) === "\\u" ? parseInt(s.slice(i + 3, i + 7), 16) : -1;
          if (next >= 0xdc00 && next < 0xe000) {
            out += String.fromCharCode(cu, next);
            i += 6;
            break;
          }
          cu = 0xfffd;
        } else if (cu >= 0xdc00 && cu < 0xe000) {
          cu = 0xfffd;
        }
        out += String.fromCharCode(cu);
        break;
      }
      default:
        out += e;
    }
  }
  return out;
}

/** Converts a JS value (as the translator builds it) into the same tree, without offsets. */
export function nodeFromValue(v: unknown): JNode {
  if (v === null || v === undefined) return { t: "null", start: -1, end: -1 };
  if (typeof v === "string") return { t: "str", v, start: -1, end: -1 };
  if (typeof v === "number") return { t: "num", raw: JSON.stringify(v), start: -1, end: -1 };
  if (typeof v === "bigint") return { t: "num", raw: String(v), start: -1, end: -1 };
  if (typeof v === "boolean") return { t: "bool", v, start: -1, end: -1 };
  if (Array.isArray(v)) return { t: "arr", items: v.map(nodeFromValue), start: -1, end: -1 };
  const entries: JEntry[] = [];
  for (const [key, value] of Object.entries(v as Record<string, unknown>)) {
    if (value === undefined) continue;
    entries.push({ key, keyStart: -1, value: nodeFromValue(value) });
  }
  return { t: "obj", entries, start: -1, end: -1 };
}

/** Go `vcontext` line/column of a byte offset: 1-based; 0/0 when the offset is past the end. */
export function lineCol(bytes: Uint8Array, offset: number): { line: number; col: number } {
  if (offset < 0 || offset >= bytes.length) return { line: 0, col: 0 };
  let line = 1;
  let col = 1;
  for (let i = 0; i < offset; i++) {
    col++;
    if (bytes[i] === 0x0a) {
      line++;
      col = 1;
    }
  }
  return { line, col };
}
