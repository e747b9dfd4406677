/**
 * The plain TOML that `iago init` writes and most hand-edited files stay in: `[section]`
 * headers and `key = value` lines with bare keys, whose values are strings without escapes
 * (`"..."` or `'...'`), decimal integers, booleans, or one-line arrays of such strings;
 * comments and blank lines. `iago list` reads a fleet's 100 files with it in a fraction of the
 * full reader's start-up (toml.ts: smol-toml, loaded with the rest of the config code).
 *
 * Any other text, valid TOML or not, gets `undefined`, and the caller reads it with the full
 * reader, which also says what is wrong: this reader only has to agree with it on what it
 * accepts (tests/toml_plain_test.ts checks that against smol-toml).
 */

/** A table as smol-toml makes one: no prototype, so no key is special. */
type Table = Record<string, unknown>;

// TOML allows no control character but tab in a comment or string (and CR only before LF, which
// is left to the full reader); escapes are left to it too: what a comment or string may hold.
const TEXT = String.raw`[^\0-\x08\n-\x1f\x7f\\`;
const COMMENT = String.raw`#${TEXT}]*`;
const STRING = String.raw`"${TEXT}"]*"|'${TEXT}']*'`;
// One match per line that says something (`[header]` or `key = value`), with the blank and
// comment lines before it (one call each would cost list's 100 files more than the rest of their
// reading). Groups: header, key, then the value as one of: a "string"'s or a 'string''s
// contents, boolean, integer, the items of an array.
const LINE = new RegExp(
  String.raw`(?:[ \t]*(?:${COMMENT})?\n)*[ \t]*(?:\[[ \t]*([\w-]+)[ \t]*\]|([\w-]+)[ \t]*=[ \t]*` +
    String.raw`(?:"(${TEXT}"]*)"|'(${TEXT}']*)'|(true|false)|(0|[1-9][0-9]{0,14})|` +
    String.raw`\[[ \t]*((?:(?:${STRING})[ \t]*,[ \t]*)*(?:(?:${STRING})[ \t]*)?)\]))?` +
    String.raw`[ \t]*(?:${COMMENT})?(?:\n|$)`,
  "y",
);
const ITEM = new RegExp(STRING, "g");

/** The data of `text` when it is plain TOML (see above), else `undefined`. */
export function readPlainToml(text: string): Table | undefined {
  const root: Table = Object.create(null);
  let table = root;
  LINE.lastIndex = 0;
  while (LINE.lastIndex < text.length) {
    // (Groups by index: destructuring the match costs as much again as finding it.)
    const line = LINE.exec(text);
    if (line === null) return undefined;
    const key = line[2];
    if (key !== undefined) {
      if (key in table) return undefined;
      table[key] = value(line);
    } else if (line[1] !== undefined) {
      if (line[1] in root) return undefined;
      table = root[line[1]] = Object.create(null);
    }
  }
  return root;
}

/** The value of a `key = value` line's match. */
function value(line: RegExpExecArray): unknown {
  if (line[3] !== undefined) return line[3];
  if (line[4] !== undefined) return line[4];
  if (line[5] !== undefined) return line[5] === "true";
  if (line[6] !== undefined) return Number(line[6]);
  return line[7].match(ITEM)?.map((s) => s.slice(1, -1)) ?? [];
}
