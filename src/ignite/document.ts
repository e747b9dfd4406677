/**
 * The machine's rendered template as a Butane document ready to merge: YAML read the way
 * butane reads it (octal modes, first document only), mappings and sequences turned into plain
 * objects and arrays, scalars kept as parsed so the translator types them and reports their
 * line.
 */
import { IagoError } from "../errors.ts";
import {
  firstDuplicateKey,
  type Pos,
  readYaml,
  YamlSyntaxError,
  YMap,
  YScalar,
  YSeq,
  type YValue,
} from "../butane/yaml.ts";
import type { ButaneConfig } from "../types.ts";
import { entryKey } from "../workload/merge.ts";

/** The machine's document, and its parsed tree for finding lines after the merge. */
export interface MachineDocument {
  config: ButaneConfig;
  tree: YMap;
}

/**
 * Parses `rendered` (the output of `file`'s template; `sourceLine` maps its lines back to the
 * template's). Throws an `IagoError` at `file:line:col` for a YAML error or a document that is
 * not a mapping.
 */
export function readMachineDocument(
  rendered: string,
  file: string,
  sourceLine: (line: number) => number = (line) => line,
): MachineDocument {
  let tree: YValue;
  let doc: unknown;
  try {
    tree = readYaml(rendered);
    const repeated = firstDuplicateKey(tree);
    if (repeated) throw repeated;
    doc = toPlain(tree, { nodes: 0, limit: Math.max(100_000, rendered.length * 10) }, 0);
  } catch (err) {
    if (!(err instanceof YamlSyntaxError)) throw err;
    const pos = err.pos ?? (ALIASING.test(err.message) ? firstAlias(rendered) : undefined);
    throw new IagoError(`Cannot read the rendered template as YAML: ${stripPrefix(err.message)}`, {
      at: pos ? { file, line: sourceLine(pos.line), col: pos.col } : { file },
      hint: ALIASING.test(err.message)
        ? "each *alias is a copy of what its &anchor names, so aliases of aliases multiply past what iago expands; write the entries out (a <% for %> loop can repeat them)"
        : DEPTH.test(err.message)
        ? "the document nests deeper than YAML readers allow; flatten it"
        : `a value with ": " or "#" needs <%= %> (quoted), not <%~ %>`,
    });
  }
  if (!(tree instanceof YMap)) {
    throw new IagoError("The rendered template is not a Butane document (a YAML mapping)", {
      at: { file, line: 1 },
      hint: "start it with variant: fcos and version: 1.5.0",
    });
  }
  const config = doc as Record<string, unknown>;
  // The translator reads variant and version as plain strings.
  for (const key of ["variant", "version"]) {
    if (config[key] instanceof YScalar) config[key] = (config[key] as YScalar).text;
  }
  return { config: config as ButaneConfig, tree };
}

/**
 * Where each key and value the machine's template wrote is, by its YAML path in the merged
 * document (`$.storage.files.12.contnets`): workload entries come first in merged lists, so an
 * entry of the template is found by its merge key (a file by its path, a unit by its name).
 * The translator reports problems of the template's own lines with these.
 */
export function templatePositions(tree: YMap, merged: unknown): Map<string, Pos> {
  const out = new Map<string, Pos>();
  // Each merged list's entries by merge key, built once: a lookup per template entry would
  // make a template of n entries cost n² (20,000 files took 40 s).
  const indexes = new Map<unknown[], Map<string, number>>();
  const indexOf = (list: unknown[], listPath: string, key: string): number => {
    let index = indexes.get(list);
    if (!index) {
      index = new Map();
      for (let i = 0; i < list.length; i++) {
        const k = entryKey(listPath, list[i]);
        if (k !== undefined && !index.has(k)) index.set(k, i);
      }
      indexes.set(list, index);
    }
    return index.get(key) ?? -1;
  };
  const walk = (node: YValue, value: unknown, path: string, listPath: string) => {
    if (node instanceof YMap && isPlainObject(value)) {
      for (const [k, v] of node.entries) {
        const kp = `${path}.${k}`;
        const pos = node.keyPos.get(k);
        if (pos) out.set(kp, pos);
        walk(v, value[k], kp, listPath ? `${listPath}.${k}` : k);
      }
    } else if (node instanceof YSeq && Array.isArray(value)) {
      node.items.forEach((item, i) => {
        const key = entryKey(listPath, toPlain(item));
        const at = key === undefined
          ? value.length - node.items.length + i
          : indexOf(value, listPath, key);
        if (at >= 0) walk(item, value[at], `${path}.${at}`, listPath);
      });
    }
  };
  walk(tree, merged, "$", "");
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof YScalar);
}

/**
 * The tree as plain objects and arrays. An alias shares its anchor's node in the tree, and
 * becomes a copy here: a budget refuses alias bombs and an alias inside its own anchor, as
 * YAML readers do, rather than expanding them without end.
 */
function toPlain(
  v: YValue,
  budget = { nodes: 0, limit: Infinity },
  depth = 0,
): unknown {
  if (depth > 1000) throw new YamlSyntaxError("yaml: exceeded max depth of 1000");
  if (++budget.nodes > budget.limit) {
    throw new YamlSyntaxError("yaml: document contains excessive aliasing");
  }
  if (v instanceof YMap) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of v.entries) out[k] = toPlain(x, budget, depth + 1);
    return out;
  }
  if (v instanceof YSeq) return v.items.map((x) => toPlain(x, budget, depth + 1));
  return v;
}

const ALIASING = /excessive aliasing/;
const DEPTH = /exceeded max depth/;

/** Where the first alias (`*name`) of a YAML text is. */
function firstAlias(text: string): Pos | undefined {
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const m = /(^|[\s,[{:-])\*[^\s,\]}]+/.exec(lines[i]);
    if (m) return { line: i + 1, col: m.index + m[1].length + 1 };
  }
  return undefined;
}

function stripPrefix(message: string): string {
  return message.replace(/^yaml: (line \d+: )?/, "").replace(
    /^unmarshal errors:\n\s*line \d+: /,
    "",
  );
}
