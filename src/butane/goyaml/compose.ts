/**
 * yaml.v3's node composer (decode.go's `parser`): the first document of the input as a tree
 * of nodes with yaml.v3's tags, styles and 1-based positions, and its error text exactly as
 * `yaml.Unmarshal` returns it (`yaml: line 5: did not find expected key`).
 */
import { Ev, type Event, EventParser } from "./parser.ts";
import { ErrorKind, Style } from "./scanner.ts";

export const enum Kind {
  DOCUMENT = 1,
  SEQUENCE,
  MAPPING,
  SCALAR,
  ALIAS,
}

export interface Node {
  kind: Kind;
  /** yaml.v3's short tag (`!!str`, `!!map`, `!custom`). */
  tag: string;
  value: string;
  /** Written with an explicit tag (`!!binary x`). */
  tagged: boolean;
  /** Quoted, literal or folded: a string whatever it says. */
  quoted: boolean;
  line: number;
  column: number;
  content: Node[];
  alias?: Node;
}

/** A failure with yaml.v3's message, `yaml: ...`. */
export class GoYamlError extends Error {
  constructor(message: string, readonly line?: number) {
    super(message);
    this.name = "GoYamlError";
  }
}

const LONG_PREFIX = "tag:yaml.org,2002:";

export function shortTag(tag: string): string {
  return tag.startsWith(LONG_PREFIX) ? "!!" + tag.slice(LONG_PREFIX.length) : tag;
}

export const NULLS = new Set(["", "~", "null", "Null", "NULL"]);
export const BOOLS = new Set(["true", "True", "TRUE", "false", "False", "FALSE"]);
export const FLOATS = new Set([
  ".inf",
  ".Inf",
  ".INF",
  "+.inf",
  "+.Inf",
  "+.INF",
  "-.inf",
  "-.Inf",
  "-.INF",
  ".nan",
  ".NaN",
  ".NAN",
]);

/**
 * The tag yaml.v3's `resolve("", value)` gives a plain scalar, following Go's strconv for
 * numbers (timestamps count as strings, as they do for every string field butane has).
 */
export function resolvePlainTag(value: string): string {
  if (NULLS.has(value)) return "!!null";
  if (BOOLS.has(value)) return "!!bool";
  if (FLOATS.has(value)) return "!!float";
  if (value === "<<") return "!!merge";
  const c = value.charAt(0);
  if (c === ".") return /^\.[0-9]+([eE][-+]?[0-9]+)?$/.test(value) ? "!!float" : "!!str";
  if (!/[-+0-9]/.test(c)) return "!!str";
  const plain = value.replaceAll("_", "");
  if (goParsesInt(plain)) return "!!int";
  // ParseFloat fails past float64's range, and yaml.v3 then keeps the text as a string.
  if (/^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/.test(plain)) {
    return Number.isFinite(Number(plain)) ? "!!float" : "!!str";
  }
  return "!!str";
}

const INT_SYNTAX = /^([-+]?)(0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO][0-7]+|0[0-7]*|[1-9][0-9]*)$/;

/** strconv.ParseInt(s, 0, 64) or ParseUint(s, 0, 64) accepts `s`. */
export function goParsesInt(s: string): boolean {
  return goParseInt(s) !== undefined;
}

/** The value of `s` when strconv.ParseInt(s, 0, 64) or ParseUint(s, 0, 64) accepts it. */
export function goParseInt(s: string): bigint | undefined {
  const m = INT_SYNTAX.exec(s);
  if (!m) return undefined;
  const d = m[2];
  const prefixed = d.length > 2 && /[xXbBoO]/.test(d[1]);
  const n = BigInt(
    prefixed
      ? "0" + d[1].toLowerCase() + d.slice(2)
      : d.length > 1 && d[0] === "0"
      ? "0o" + d.slice(1)
      : d,
  );
  if (m[1] === "-") return n <= 2n ** 63n ? -n : undefined;
  // ParseUint takes no sign; ParseInt takes "+" up to MaxInt64.
  return (m[1] === "+" ? n < 2n ** 63n : n < 2n ** 64n) ? n : undefined;
}

const EVENT_NAMES = [
  "none",
  "stream start",
  "stream end",
  "document start",
  "document end",
  "alias",
  "scalar",
  "sequence start",
  "sequence end",
  "mapping start",
  "mapping end",
];

// A value may start with U+FEFF: it is text there, not a byte order mark to drop.
const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });
const text = (b: number[] | undefined) => (b && b.length > 0 ? utf8.decode(new Uint8Array(b)) : "");

/** The first document of `input` as yaml.v3 composes it (null when there is none). */
export function composeFirstDocument(input: Uint8Array): Node | null {
  return new Composer(input.length === 0 ? new Uint8Array([0x0a]) : input).parse();
}

class Composer {
  private readonly p: EventParser;
  private event?: Event;
  private readonly anchors = new Map<string, Node>();
  private doneInit = false;

  constructor(input: Uint8Array) {
    this.p = new EventParser(input);
  }

  private fail(): never {
    const s = this.p.s;
    let line = 0;
    if (s.contextMark.line !== 0) {
      line = s.contextMark.line;
      if (s.error === ErrorKind.SCANNER) line++;
    } else if (s.problemMark.line !== 0) {
      line = s.problemMark.line;
      if (s.error === ErrorKind.SCANNER) line++;
    }
    const where = line !== 0 ? `line ${line}: ` : "";
    const msg = s.problem.length > 0 ? s.problem : "unknown problem parsing YAML content";
    throw new GoYamlError(`yaml: ${where}${msg}`, line || undefined);
  }

  private init(): void {
    if (this.doneInit) return;
    this.expect(Ev.STREAM_START);
    this.doneInit = true;
  }

  private expect(e: Ev): void {
    if (!this.event) {
      const ev = this.p.parse();
      if (!ev) this.fail();
      this.event = ev;
    }
    if (this.event.typ === Ev.STREAM_END) {
      throw new GoYamlError("yaml: attempted to go past the end of stream; corrupted value?");
    }
    if (this.event.typ !== e) {
      this.p.s.problem = `expected ${EVENT_NAMES[e]} event but got ${EVENT_NAMES[this.event.typ]}`;
      this.fail();
    }
    this.event = undefined;
  }

  private peek(): Ev {
    if (this.event) return this.event.typ;
    const ev = this.p.parse();
    if (!ev || this.p.s.error !== ErrorKind.NONE) this.fail();
    this.event = ev;
    return ev.typ;
  }

  parse(): Node | null {
    this.init();
    switch (this.peek()) {
      case Ev.SCALAR:
        return this.scalar();
      case Ev.ALIAS:
        return this.alias();
      case Ev.MAPPING_START:
        return this.mapping();
      case Ev.SEQUENCE_START:
        return this.sequence();
      case Ev.DOCUMENT_START:
        return this.document();
      case Ev.STREAM_END:
        return null;
      default:
        throw new Error(`internal error: attempted to parse unknown event: ${this.event?.typ}`);
    }
  }

  private node(kind: Kind, defaultTag: string, tag: string, value: string): Node {
    let tagged = false;
    if (tag !== "" && tag !== "!") {
      tag = shortTag(tag);
      tagged = true;
    } else if (defaultTag !== "") tag = defaultTag;
    else if (kind === Kind.SCALAR) tag = resolvePlainTag(value);
    const ev = this.event!;
    return {
      kind,
      tag,
      value,
      tagged,
      quoted: false,
      line: ev.start.line + 1,
      column: ev.start.column + 1,
      content: [],
    };
  }

  private child(parent: Node): Node {
    const n = this.parse()!;
    parent.content.push(n);
    return n;
  }

  private anchor(n: Node, anchor: number[] | undefined): void {
    if (anchor && anchor.length > 0) this.anchors.set(text(anchor), n);
  }

  private document(): Node {
    const n = this.node(Kind.DOCUMENT, "", "", "");
    this.expect(Ev.DOCUMENT_START);
    this.child(n);
    this.peek();
    this.expect(Ev.DOCUMENT_END);
    return n;
  }

  private alias(): Node {
    const n = this.node(Kind.ALIAS, "", "", text(this.event!.anchor));
    n.alias = this.anchors.get(n.value);
    if (!n.alias) throw new GoYamlError(`yaml: unknown anchor '${n.value}' referenced`);
    this.expect(Ev.ALIAS);
    return n;
  }

  private scalar(): Node {
    const ev = this.event!;
    const quoted = ev.style !== undefined && ev.style !== Style.PLAIN && ev.style !== Style.ANY;
    const value = text(ev.value);
    const defaultTag = quoted ? "!!str" : value === "<<" ? "!!merge" : "";
    const n = this.node(Kind.SCALAR, defaultTag, text(ev.tag), value);
    n.quoted = quoted;
    this.anchor(n, ev.anchor);
    this.expect(Ev.SCALAR);
    return n;
  }

  private sequence(): Node {
    const n = this.node(Kind.SEQUENCE, "!!seq", text(this.event!.tag), "");
    this.anchor(n, this.event!.anchor);
    this.expect(Ev.SEQUENCE_START);
    while (this.peek() !== Ev.SEQUENCE_END) this.child(n);
    this.expect(Ev.SEQUENCE_END);
    return n;
  }

  private mapping(): Node {
    const n = this.node(Kind.MAPPING, "!!map", text(this.event!.tag), "");
    this.anchor(n, this.event!.anchor);
    this.expect(Ev.MAPPING_START);
    while (this.peek() !== Ev.MAPPING_END) {
      this.child(n);
      this.child(n);
    }
    this.expect(Ev.MAPPING_END);
    return n;
  }
}
