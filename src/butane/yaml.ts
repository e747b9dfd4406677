/**
 * Reads Butane YAML the way butane's gopkg.in/yaml.v3 does: first document only, duplicate keys
 * and syntax errors are fatal, merge keys (`<<`) and aliases work. Scalars stay untyped text
 * (the failsafe schema) so each field can apply yaml.v3's rules for its own Go type: `0644` is
 * octal for an int, `yes` is true for a bool, and a string keeps exactly what was written.
 */
import {
  Alias,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseAllDocuments,
} from "yaml";

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

const NULLS = new Set(["", "~", "null", "Null", "NULL"]);

/** Parses the first YAML document of `text`; throws YamlSyntaxError when it cannot. */
export function readYaml(text: string): YValue {
  const fast = readYamlFast(text);
  return fast !== undefined ? fast : readYamlLibrary(text);
}

/** `readYaml` through the `yaml` library alone (the fallback, and the fast reader's oracle). */
export function readYamlLibrary(text: string): YValue {
  const source = text;
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, {
    schema: "failsafe",
    lineCounter,
    uniqueKeys: false,
    merge: false,
    prettyErrors: false,
  });
  if (!Array.isArray(docs)) return null;
  const doc = docs[0];
  if (!doc) return null;
  const posOf = (offset: number): Pos => lineCounter.linePos(offset);
  // libyaml refuses a tab that indents a line; the library often reads past it.
  const tab = text.includes("\t") ? tabIndentError(text) : undefined;
  if (tab && (doc.errors.length === 0 || tab.pos.line <= posOf(doc.errors[0].pos[0]).line)) {
    throw new YamlSyntaxError(`yaml: line ${tab.pos.line}: ${tab.words}`, tab.pos);
  }
  if (doc.errors.length > 0) {
    const err = doc.errors[0];
    const pos = posOf(err.pos[0]);
    const libyaml = libyamlWords(text, err.code, err.message, err.pos[0], posOf);
    if (libyaml) {
      throw new YamlSyntaxError(`yaml: line ${libyaml.pos.line}: ${libyaml.words}`, libyaml.pos);
    }
    const msg = err.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
    throw new YamlSyntaxError(`yaml: line ${pos.line}: ${lowerFirst(msg)}`, pos);
  }
  // Aliases are expanded into copies; like yaml.v3, refuse documents that blow up doing so.
  let nodes = 0;
  const limit = Math.max(100_000, text.length * 10);
  const convert = (node: unknown, depth: number): YValue => {
    if (depth > 1000) throw new YamlSyntaxError("yaml: exceeded max depth of 1000");
    if (++nodes > limit) throw new YamlSyntaxError("yaml: document contains excessive aliasing");
    if (node === null || node === undefined) return null;
    if (isAlias(node)) {
      const target = (node as Alias).resolve(doc);
      if (target === undefined) {
        throw new YamlSyntaxError(`yaml: unknown anchor '${(node as Alias).source}' referenced`);
      }
      return convert(target, depth + 1);
    }
    const n = node as Node;
    const pos = posOf(n.range?.[0] ?? 0);
    if (isScalar(n)) {
      // `!!binary`: the library decodes the base64; Go keeps the bytes in a string.
      if (n.value instanceof Uint8Array) {
        return new YScalar(goText(n.value), false, pos, n.tag, new Uint8Array(n.value));
      }
      const plain = n.type === "PLAIN";
      let text = typeof n.value === "string" ? n.value : String(n.value ?? "");
      // A block scalar that ends the input with no line break: libyaml has no break to keep,
      // the library adds one.
      if (
        (n.type === "BLOCK_LITERAL" || n.type === "BLOCK_FOLDED") && text.endsWith("\n") &&
        !source.endsWith("\n") && (n.range?.[1] ?? 0) >= source.length
      ) text = text.slice(0, -1);
      if (plain && NULLS.has(text) && !n.tag) return null;
      if (n.tag === "tag:yaml.org,2002:null") return null;
      return new YScalar(text, plain, pos, n.tag);
    }
    if (isSeq(n)) {
      const seq = new YSeq(pos);
      for (const item of n.items) {
        const value = convert(item, depth + 1);
        const at = leafAt(item, value);
        if (at) seq.leafPos.set(seq.items.length, at);
        seq.items.push(value);
      }
      return seq;
    }
    if (isMap(n)) {
      const map = new YMap(pos);
      const merges: YValue[] = [];
      for (const pair of n.items) {
        const keyNode = pair.key as Node | null;
        const key = isScalar(keyNode) ? String(keyNode.value ?? "") : keyText(keyNode);
        const keyPos = posOf(keyNode?.range?.[0] ?? 0);
        const prev = map.keyPos.get(key);
        if (prev) {
          throw new YamlSyntaxError(
            `yaml: unmarshal errors:\n  line ${keyPos.line}: mapping key "${key}" already defined at line ${prev.line}`,
            keyPos,
            depth > 0,
          );
        }
        map.keyPos.set(key, keyPos);
        if (!isScalar(keyNode) || (keyNode.type === "PLAIN" && NULLS.has(key))) {
          map.nullKeys.add(key);
        }
        const value = convert(pair.value, depth + 1);
        map.entries.set(key, value);
        const at = leafAt(pair.value, value) ??
          (pair.value ? undefined : posOf((keyNode?.range?.[1] ?? 0) + 1));
        if (at) map.leafPos.set(key, at);
        if (key === "<<" && isScalar(keyNode) && keyNode.type === "PLAIN") {
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
    return null;
  };
  // Where vcontext's tree has a leaf for a collection's value: an alias, or a null.
  const leafAt = (node: unknown, value: YValue): Pos | undefined => {
    if (isAlias(node) || (node && value === null)) return posOf((node as Node).range?.[0] ?? 0);
    return undefined;
  };
  return convert(doc.contents, 0);
}

function keyText(node: Node | null): string {
  if (!node) return "";
  return String((node as { toJSON?: () => unknown }).toJSON?.() ?? "");
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

/**
 * libyaml's error for the first line whose indentation holds a tab (block context): inside a
 * block scalar's indentation it names the scalar's header line; right after a plain scalar,
 * whose scanning reaches into the line, it names the scalar's line; anywhere else the tab
 * cannot start a token. Multi-line flow collections and quoted scalars (where tabs are
 * allowed) end the check.
 */
function tabIndentError(text: string): { words: string; pos: Pos } | undefined {
  const lines = text.split("\n");
  const indentOf = (l: string) => l.length - l.replace(/^ */, "").length;
  let block: { header: number; parent: number; content?: number } | undefined;
  let plain: { line: number; key: number } | undefined;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i].replace(/\r$/, "");
    const spaces = indentOf(l);
    const tabbed = l[spaces] === "\t";
    const blank = l.trim() === "";
    if (block) {
      if (blank && !tabbed) continue;
      // libyaml eats the indentation up to the scalar's and stops at a tab inside it.
      if (tabbed && spaces < (block.content ?? block.parent + 1)) {
        return {
          words: "found a tab character where an indentation space is expected",
          pos: { line: block.header + 1, col: 1 },
        };
      }
      if (block.content === undefined && !blank && spaces > block.parent) block.content = spaces;
      if (blank || spaces > block.parent) continue;
      block = undefined;
    }
    if (tabbed) {
      if (plain && spaces <= plain.key) {
        return {
          words: "found a tab character that violates indentation",
          pos: { line: plain.line + 1, col: 1 },
        };
      }
      if (plain) return undefined; // a continuation the library reads as libyaml does
      return { words: "found character that cannot start any token", pos: { line: i + 1, col: 1 } };
    }
    if (blank) continue;
    const body = l.slice(spaces);
    if (body.startsWith("#")) {
      plain = undefined;
      continue;
    }
    // Quotes and flow collections may span lines and allow tabs: stop checking there.
    const value = /^(?:- +)*(?:[^'"\s#][^#]*?:(?: +|$))?(.*)$/.exec(body)?.[1] ?? "";
    if (/^['"\[{]/.test(value) && !/['"\]}]\s*(#.*)?$/.test(value)) return undefined;
    if (/^[|>][-+0-9]*\s*(#.*)?$/.test(value)) {
      block = { header: i, parent: spaces };
      plain = undefined;
    } else if (value !== "" && !/^['"\[{&*!|>]/.test(value)) {
      plain = { line: i, key: spaces };
    } else if (value === "") {
      plain = undefined;
    }
  }
  return undefined;
}

/**
 * libyaml's words (and line) for the syntax errors whose wording is stable and easy to tell
 * from the `yaml` library's: reserved characters, unknown escapes, unterminated quotes.
 * Others keep the library's words at its line.
 */
function libyamlWords(
  text: string,
  code: string,
  message: string,
  offset: number,
  posOf: (offset: number) => Pos,
): { words: string; pos: Pos } | undefined {
  if (code === "BAD_SCALAR_START" && (text[offset] === "@" || text[offset] === "`")) {
    return { words: "found character that cannot start any token", pos: posOf(offset) };
  }
  if (code === "BAD_DQ_ESCAPE") {
    return { words: "found unknown escape character", pos: posOf(offset) };
  }
  if (code === "MISSING_CHAR" && /missing closing ["']quote/i.test(message)) {
    // libyaml names the line where the quoted scalar began.
    const start = unterminatedQuote(text);
    if (start !== undefined) return { words: "found unexpected end of stream", pos: posOf(start) };
  }
  const pos = posOf(offset);
  const lines = text.split("\n");
  const line = lines[pos.line - 1] ?? "";
  const atLineStart = line.slice(0, pos.col - 1).trim() === "" ||
    /^\s*- $/.test(line.slice(0, pos.col - 1));
  if (
    (code === "MISSING_CHAR" && /implicit map keys need to be followed/i.test(message)) ||
    (code === "MULTILINE_IMPLICIT_KEY" && line.slice(0, pos.col - 1).trim() === "")
  ) {
    // A key that never gets its colon: libyaml gives up on the line where the key began.
    return { words: "could not find expected ':'", pos };
  }
  if (
    (code === "BLOCK_AS_IMPLICIT_KEY" && /:\s/.test(line.slice(0, pos.col - 1) + " ")) ||
    (code === "MULTILINE_IMPLICIT_KEY" && line.slice(0, pos.col - 1).trim() !== "")
  ) {
    // A value followed by `key:` (on its line or a deeper one): libyaml stops at that colon.
    const rest = text.slice(offset);
    const colon = rest.search(/:(\s|$)/);
    if (colon >= 0) {
      return {
        words: "mapping values are not allowed in this context",
        pos: posOf(offset + colon),
      };
    }
  }
  if (/block scalar header includes extra characters/i.test(message)) {
    return { words: "did not find expected comment or line break", pos };
  }
  if (/plain value cannot start with block scalar indicator/i.test(message)) {
    return { words: "found character that cannot start any token", pos };
  }
  if (/^flow (map|sequence) in block collection/i.test(message)) {
    // libyaml names the line before the unclosed bracket (yaml.v3 prints it 0-based).
    const open = unclosedFlow(text);
    if (open !== undefined) {
      const close = text[open] === "{" ? "'}'" : "']'";
      return {
        words: `did not find expected ',' or ${close}`,
        pos: { line: posOf(open).line - 1, col: 1 },
      };
    }
  }
  if (/block-seq-ind on same line with key/i.test(message)) {
    return { words: "block sequence entries are not allowed in this context", pos };
  }
  if (
    (code === "BAD_INDENT" && /same column/.test(message)) ||
    /^sequence item without/i.test(message) ||
    (code === "BLOCK_AS_IMPLICIT_KEY" && atLineStart)
  ) {
    return misindented(lines, pos.line);
  }
  return undefined;
}

/**
 * libyaml's report for a line indented to no open block: the parser is inside the innermost
 * collection indented at most as far, and names the line before where that collection began
 * (yaml.v3 prints the 0-based context line).
 */
function misindented(lines: string[], bad: number): { words: string; pos: Pos } | undefined {
  const indent = (l: string) => l.length - l.trimStart().length;
  // Where a line's mapping content starts: after any `- ` indicators.
  const content = (l: string) => indent(l) + (/^\s*((- +)*)/.exec(l)?.[1].length ?? 0);
  const isDash = (l: string) => /^\s*-( |$)/.test(l);
  const blank = (l: string) => l.trim() === "" || l.trim().startsWith("#");
  const target = indent(lines[bad - 1]);
  let i = bad - 2;
  while (i >= 0 && (blank(lines[i]) || indent(lines[i]) > target)) i--;
  if (i < 0) return undefined;
  const k = indent(lines[i]);
  // A sequence at the line's column, or one whose items' content starts right of it: the
  // parser waits for the next `-`.
  let inSeq = isDash(lines[i]) && (k === target || content(lines[i]) > target);
  if (inSeq) {
    // An indentless sequence (its `-` in its key's column) ends at the line instead: the
    // mapping around it is what waits for a key.
    let j = i;
    for (let m = i - 1; m >= 0; m--) {
      if (blank(lines[m]) || indent(lines[m]) > k) continue;
      if (indent(lines[m]) === k && isDash(lines[m])) j = m;
      else break;
    }
    let prev = j - 1;
    while (prev >= 0 && blank(lines[prev])) prev--;
    if (prev >= 0 && !isDash(lines[prev]) && indent(lines[prev]) === k) {
      inSeq = false;
      i = prev;
    }
  }
  if (k === target && !inSeq) return undefined;
  // The collection's first line: up over its entries and their deeper content; a mapping may
  // begin on a `- ` line whose content starts at its column.
  let start = i;
  for (let j = i - 1; j >= 0; j--) {
    if (blank(lines[j])) continue;
    if (!inSeq && isDash(lines[j]) && content(lines[j]) === k && indent(lines[j]) < k) {
      start = j;
      break;
    }
    if (indent(lines[j]) < k) break;
    if (indent(lines[j]) === k && (inSeq ? isDash(lines[j]) : true)) start = j;
  }
  if (!inSeq && isDash(lines[i]) && content(lines[i]) === k) start = i;
  return {
    words: inSeq ? "did not find expected '-' indicator" : "did not find expected key",
    // yaml.v3 prints the 0-based line of the collection, or the problem's when that is 0.
    pos: { line: start === 0 ? bad - 1 : start, col: k + 1 },
  };
}

/** The offset of the outermost `[` or `{` that is never closed (quotes and comments skipped). */
function unclosedFlow(text: string): number | undefined {
  const open: number[] = [];
  let quote = "";
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      if (quote === '"' && ch === "\\") i++;
      else if (ch === quote) quote = "";
      continue;
    }
    if (ch === "#" && (i === 0 || /\s/.test(text[i - 1]))) {
      while (i < text.length && text[i] !== "\n") i++;
    } else if ((ch === '"' || ch === "'") && open.length > 0) quote = ch;
    else if (ch === "[" || ch === "{") open.push(i);
    else if ((ch === "]" || ch === "}") && open.length > 0) open.pop();
  }
  return open[0];
}

/** The offset of the first quoted scalar that never closes, scanning as YAML quotes do. */
function unterminatedQuote(text: string): number | undefined {
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === "#" && (i === 0 || /\s/.test(text[i - 1]))) {
      while (i < text.length && text[i] !== "\n") i++;
      continue;
    }
    const startsValue = i === 0 || /[\s\[{,:-]/.test(text[i - 1]);
    if ((ch === '"' || ch === "'") && startsValue) {
      let j = i + 1;
      for (; j < text.length; j++) {
        if (ch === '"' && text[j] === "\\") j++;
        else if (ch === "'" && text[j] === "'" && text[j + 1] === "'") j++;
        else if (text[j] === ch) break;
      }
      if (j >= text.length) return i;
      i = j + 1;
      continue;
    }
    // Skip the rest of a plain scalar or key up to the next space, so `it's` is not a quote.
    while (i < text.length && !/\s/.test(text[i])) i++;
    i++;
  }
  return undefined;
}
