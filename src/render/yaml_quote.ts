/**
 * The escape function behind `<%= %>`: turns any template value into YAML text that stays one
 * value wherever it lands, so no machine name, password hash or key can break the document.
 */

/**
 * Returns `value` as a YAML flow value: strings as double-quoted scalars (with every line break
 * and control character escaped), numbers and booleans as themselves, arrays and objects as JSON
 * flow collections. Throws on `undefined` (a misspelled variable) and on functions.
 */
export function yamlQuote(value: unknown): string {
  if (value === undefined) {
    throw new TypeError("Cannot output an undefined value: is the variable name spelled right?");
  }
  if (value === null) return "null";
  switch (typeof value) {
    case "string":
      return quoteString(value);
    case "number":
      if (!Number.isFinite(value)) throw new TypeError(`Cannot output the number ${value}`);
      return String(value);
    case "boolean":
      return String(value);
    case "bigint":
      return value.toString();
    case "object":
      return JSON.stringify(value, (_k, v) => v, undefined).replace(UNSAFE, escapeChar);
    default:
      throw new TypeError(`Cannot output a ${typeof value} in a template`);
  }
}

// JSON leaves these raw (it already escapes lone surrogates); YAML wants them escaped:
// non-printable, or line breaks in YAML 1.1.
const UNSAFE = /[\u007f-\u009f\u2028\u2029\ufeff]/g;

function quoteString(s: string): string {
  return JSON.stringify(s).replace(UNSAFE, escapeChar);
}

function escapeChar(c: string): string {
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
}
