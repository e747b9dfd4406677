/**
 * The machine's rendered template as a Butane document ready to merge: YAML read the way
 * butane reads it (octal modes, first document only), mappings and sequences turned into plain
 * objects and arrays, scalars kept as parsed so the translator types them and reports their
 * line.
 */
import { IagoError } from "../errors.ts";
import { readYaml, YamlSyntaxError, YMap, YScalar, YSeq, type YValue } from "../butane/yaml.ts";
import type { ButaneConfig } from "../types.ts";

/**
 * Parses `rendered` (the output of `file`'s template). Throws an `IagoError` at `file:line:col`
 * for a YAML error or a document that is not a mapping.
 */
export function readMachineDocument(rendered: string, file: string): ButaneConfig {
  let tree: YValue;
  try {
    tree = readYaml(rendered);
  } catch (err) {
    if (!(err instanceof YamlSyntaxError)) throw err;
    throw new IagoError(`Cannot read the rendered template as YAML: ${stripPrefix(err.message)}`, {
      at: err.pos ? { file, line: err.pos.line, col: err.pos.col } : { file },
      hint:
        `the line is that of the rendered YAML; a value with ": " or "#" needs <%= %> (quoted), not <%~ %>`,
    });
  }
  if (!(tree instanceof YMap)) {
    throw new IagoError("The rendered template is not a Butane document (a YAML mapping)", {
      at: { file, line: 1 },
      hint: "start it with variant: fcos and version: 1.5.0",
    });
  }
  const doc = toPlain(tree) as Record<string, unknown>;
  // The translator reads variant and version as plain strings.
  for (const key of ["variant", "version"]) {
    if (doc[key] instanceof YScalar) doc[key] = (doc[key] as YScalar).text;
  }
  return doc as ButaneConfig;
}

function toPlain(v: YValue): unknown {
  if (v instanceof YMap) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of v.entries) out[k] = toPlain(x);
    return out;
  }
  if (v instanceof YSeq) return v.items.map(toPlain);
  return v;
}

function stripPrefix(message: string): string {
  return message.replace(/^yaml: (line \d+: )?/, "").replace(
    /^unmarshal errors:\n\s*line \d+: /,
    "",
  );
}
