/**
 * Reads Butane YAML the way butane's gopkg.in/yaml.v3 does: first document only, duplicate keys
 * and syntax errors are fatal, merge keys (`<<`) and aliases work. Scalars stay untyped text
 * (the failsafe schema) so each field can apply yaml.v3's rules for its own Go type: `0644` is
 * octal for an int, `yes` is true for a bool, and a string keeps exactly what was written.
 * Common configs take the fast reader; everything else (and every error) goes through the port
 * of yaml.v3's own scanner and parser (./goyaml/), so errors carry its words and lines.
 */
import { composeFirstDocument, GoYamlError, Kind, type Node } from "./goyaml/compose.ts";

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
  // Characters yaml.v3's reader refuses are left to the port, which words the error.
  const fast = NOT_YAML.test(text) ? undefined : readYamlFast(text);
  return fast !== undefined ? fast : readYamlGo(text);
}

const encoder = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });
// deno-lint-ignore no-control-regex
const NOT_YAML = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]/;

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
      if (n.tag === "!!null") return null;
      if (n.tag === "!!binary") {
        const bytes = base64Bytes(n.value);
        if (bytes) return new YScalar(goText(bytes), false, pos, n.tag, bytes);
      }
      // A tag that is not one of the plain kinds makes the scalar a string, as quotes do.
      const plain = !n.quoted && (!n.tagged || PLAIN_TAGS.has(n.tag));
      return new YScalar(n.value, plain, pos, n.tagged ? n.tag : undefined);
    }
    if (n.kind === Kind.SEQUENCE) {
      const seq = new YSeq(pos);
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
    this.done.set(n, map);
    const merges: YValue[] = [];
    for (let i = 0; i + 1 < n.content.length; i += 2) {
      const keyNode = n.content[i];
      const valueNode = n.content[i + 1];
      const key = keyText(keyNode);
      const keyPos = { line: keyNode.line, col: keyNode.column };
      const prev = map.keyPos.get(key);
      if (prev) {
        throw new YamlSyntaxError(
          `yaml: unmarshal errors:\n  line ${keyPos.line}: mapping key "${key}" already defined at line ${prev.line}`,
          keyPos,
          depth > 0,
        );
      }
      map.keyPos.set(key, keyPos);
      if (keyNode.kind !== Kind.SCALAR || keyNode.tag === "!!null") map.nullKeys.add(key);
      const value = this.value(valueNode, depth + 1);
      map.entries.set(key, value);
      const at = leafAt(valueNode, value);
      if (at) map.leafPos.set(key, at);
      if (keyNode.kind === Kind.SCALAR && keyNode.tag === "!!merge") {
        merges.push(value);
        map.mergeKey = true;
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
          }
        }
      }
    }
    return map;
  }
}

const PLAIN_TAGS = new Set(["!!int", "!!float", "!!bool", "!!null"]);

/** Where vcontext's tree has a leaf for a collection's value: an alias, or a null. */
function leafAt(node: Node, value: YValue): Pos | undefined {
  if (node.kind === Kind.ALIAS || value === null) return { line: node.line, col: node.column };
  return undefined;
}

function keyText(node: Node): string {
  const n = node.kind === Kind.ALIAS && node.alias ? node.alias : node;
  return n.kind === Kind.SCALAR ? n.value : "";
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
