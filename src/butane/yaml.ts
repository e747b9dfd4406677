/**
 * Reads Butane YAML the way butane's gopkg.in/yaml.v3 does: first document only, duplicate keys
 * and syntax errors are fatal, merge keys (`<<`) and aliases work. Scalars stay untyped text
 * (the failsafe schema) so each field can apply yaml.v3's rules for its own Go type: `0644` is
 * octal for an int, `yes` is true for a bool, and a string keeps exactly what was written.
 * Common configs take the fast reader; everything else (and every error) goes through the port
 * of yaml.v3's own scanner and parser (./goyaml/), so errors carry its words and lines.
 */
import {
  composeFirstDocument,
  GoYamlError,
  Kind,
  type Node,
  resolvePlainTag,
} from "./goyaml/compose.ts";

export { type Pos, YamlSyntaxError, YMap, YScalar, YSeq, type YValue } from "./yaml_tree.ts";
import {
  goText,
  type Pos,
  YamlSyntaxError,
  YMap,
  YScalar,
  YSeq,
  type YValue,
} from "./yaml_tree.ts";
import { readYamlFast } from "./yaml_fast.ts";
import { goQuote } from "../ignition/_fields.ts";

/**
 * Parses the first YAML document of `text` (bytes as butane reads a file: not UTF-8 is an
 * error); throws YamlSyntaxError when it cannot.
 */
export function readYaml(text: string | Uint8Array): YValue {
  if (typeof text !== "string") {
    let decoded: string;
    try {
      decoded = strictUtf8.decode(text);
    } catch {
      return readYamlGo(text);
    }
    return readYaml(decoded);
  }
  // Characters yaml.v3's reader refuses, its YAML 1.1 line breaks (NEL, LS, PS), and what
  // JavaScript trims as white space but YAML reads as text (no-break spaces, BOMs) are left to
  // the port.
  const fast = NOT_YAML.test(text) ? undefined : readYamlFast(text);
  return fast !== undefined ? fast : readYamlGo(text);
}

const encoder = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });
const NOT_YAML =
  // deno-lint-ignore no-control-regex
  /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\xa0\u1680\u2000-\u200a\u2028-\u202f\u205f\u3000\ufeff\ud800-\udfff\ufffe\uffff]/;

/** `readYaml` through the yaml.v3 port alone (the fallback, and the fast reader's oracle). */
export function readYamlGo(input: string | Uint8Array): YValue {
  let doc: Node | null;
  try {
    doc = composeFirstDocument(typeof input === "string" ? encoder.encode(input) : input);
  } catch (err) {
    if (!(err instanceof GoYamlError)) throw err;
    throw new YamlSyntaxError(err.message, err.line ? { line: err.line, col: 1 } : undefined);
  }
  if (!doc || doc.content.length === 0) return null;
  return new Converter().value(doc.content[0], 0);
}

/** Node trees to YValues: aliases share their anchor's value, merges fill in missing keys. */
class Converter {
  private readonly done = new Map<Node, YValue>();

  value(n: Node, depth: number): YValue {
    if (n.kind === Kind.ALIAS) return this.value(n.alias!, depth);
    const seen = this.done.get(n);
    if (seen !== undefined) return seen;
    const pos: Pos = { line: n.line, col: n.column };
    if (n.kind === Kind.SCALAR) {
      // `!!null x` is left for the decode to refuse, as yaml.v3 does.
      if (n.tag === "!!null" && (!n.tagged || resolvePlainTag(n.value) === "!!null")) return null;
      if (n.tag === "!!binary") {
        const bytes = base64Bytes(n.value);
        if (bytes) return new YScalar(goText(bytes), false, pos, n.tag, bytes, n.value);
      }
      // A tag that is not one of the plain kinds makes the scalar a string, as quotes do.
      const plain = !n.quoted && (!n.tagged || PLAIN_TAGS.has(n.tag));
      return new YScalar(n.value, plain, pos, n.tagged ? n.tag : undefined);
    }
    if (n.kind === Kind.SEQUENCE) {
      const seq = new YSeq(pos);
      if (n.tagged) seq.tag = n.tag;
      this.done.set(n, seq);
      for (const item of n.content) {
        const value = this.value(item, depth + 1);
        const at = leafAt(item, value);
        if (at) seq.leafPos.set(seq.items.length, at);
        seq.items.push(value);
      }
      return seq;
    }
    const map = new YMap(pos);
    if (n.tagged) map.tag = n.tag;
    this.done.set(n, map);
    const duplicates = duplicateKeys(n);
    if (duplicates.length > 0) map.duplicates = duplicates;
    const merges: YValue[] = [];
    for (let i = 0; i + 1 < n.content.length; i += 2) {
      const keyNode = n.content[i];
      const valueNode = n.content[i + 1];
      const keyTarget = keyNode.kind === Kind.ALIAS ? keyNode.alias! : keyNode;
      let key = keyTarget.kind === Kind.SCALAR ? keyTarget.value : "";
      if (keyTarget.kind === Kind.MAPPING || keyTarget.kind === Kind.SEQUENCE) {
        // Not a name any field has: decoding it is a type error, in its place among the keys.
        key = `\u0000${keyTarget.tag}@${i}`;
        const tag = keyTarget.kind === Kind.MAPPING ? "!!map" : "!!seq";
        (map.collectionKeys ??= new Map()).set(key, { tag, line: keyNode.line });
      }
      // A repeated key (yaml.v3 refuses the mapping then) leaves its last value, as in
      // butane's context tree.
      map.keyPos.set(key, { line: keyNode.line, col: keyNode.column });
      if (keyTarget.kind !== Kind.SCALAR || keyTarget.tag === "!!null") map.nullKeys.add(key);
      const value = this.value(valueNode, depth + 1);
      map.entries.set(key, value);
      const at = leafAt(valueNode, value);
      if (at) map.leafPos.set(key, at);
      else map.leafPos.delete(key);
      if (keyNode.kind === Kind.SCALAR && keyNode.tag === "!!merge") {
        merges.push(value);
        map.mergeKey = true;
        if (!isMergeable(valueNode)) map.badMerge = true;
      }
    }
    // yaml.v3 merge keys: merged entries never override the map's own keys.
    for (const m of merges) {
      const sources = m instanceof YSeq ? m.items : [m];
      for (const src of sources) {
        if (!(src instanceof YMap)) continue;
        for (const [k, v] of src.entries) {
          if (!map.entries.has(k)) {
            map.entries.set(k, v);
            map.keyPos.set(k, src.keyPos.get(k) ?? src.pos);
            (map.merged ??= new Set()).add(k);
          }
        }
      }
    }
    return map;
  }
}

/** yaml.v3's `mapping key "a" already defined at line 4` for each later repeat of a key. */
function duplicateKeys(n: Node): { message: string; pos: Pos }[] {
  const out: { message: string; pos: Pos }[] = [];
  for (let i = 0; i < n.content.length; i += 2) {
    const a = n.content[i];
    for (let j = i + 2; j < n.content.length; j += 2) {
      const b = n.content[j];
      if (a.kind === b.kind && a.value === b.value) {
        out.push({
          message: `line ${b.line}: mapping key ${
            goQuote(b.value)
          } already defined at line ${a.line}`,
          pos: { line: b.line, col: b.column },
        });
      }
    }
  }
  return out;
}

/** What yaml.v3 can merge: a mapping, an alias of one, or a sequence of those. */
function isMergeable(n: Node): boolean {
  const isMap = (x: Node) =>
    x.kind === Kind.MAPPING || (x.kind === Kind.ALIAS && x.alias!.kind === Kind.MAPPING);
  if (n.kind === Kind.SEQUENCE) return n.content.every(isMap);
  return isMap(n);
}

/**
 * The first repeated key anywhere in `tree`, as the error iago's own templates get for it
 * (butane reports repeats only where it decodes, as type errors).
 */
export function firstDuplicateKey(tree: YValue): YamlSyntaxError | undefined {
  const seen = new Set<YValue>();
  const walk = (v: YValue): YamlSyntaxError | undefined => {
    if (v === null || v instanceof YScalar || seen.has(v)) return undefined;
    seen.add(v);
    if (v instanceof YMap && v.duplicates) {
      const d = v.duplicates[0];
      return new YamlSyntaxError(`yaml: unmarshal errors:\n  ${d.message}`, d.pos);
    }
    for (const child of v instanceof YMap ? v.entries.values() : v.items) {
      const found = walk(child);
      if (found) return found;
    }
    return undefined;
  };
  return walk(tree);
}

const PLAIN_TAGS = new Set(["!!int", "!!float", "!!bool", "!!null"]);

/** Where vcontext's tree has a leaf for a collection's value: an alias, or a null. */
function leafAt(node: Node, value: YValue): Pos | undefined {
  if (node.kind === Kind.ALIAS || value === null) return { line: node.line, col: node.column };
  return undefined;
}

/** Go's base64.StdEncoding.DecodeString, which skips line breaks. */
function base64Bytes(text: string): Uint8Array | undefined {
  const s = text.replace(/[\r\n]/g, "");
  if (s.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) return undefined;
  try {
    return Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}
