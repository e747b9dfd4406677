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
// is left to the full reader); escapes are left to it too. A text with none of these is read a
// line at a time with one pattern: blank, comment, `[header]`, or `key = value`.
// deno-lint-ignore no-control-regex
const REFUSED = /[\0-\x08\x0b-\x1f\x7f\\]/;
const STRING = String.raw`"[^"\n]*"|'[^'\n]*'`;
const LINE = new RegExp(
  String.raw`[ \t]*(?:\[[ \t]*([\w-]+)[ \t]*\]|([\w-]+)[ \t]*=[ \t]*(?:(${STRING})|` +
    String.raw`(true|false)|(0|[1-9][0-9]{0,14})|\[[ \t]*((?:(?:${STRING})[ \t]*,[ \t]*)*` +
    String.raw`(?:(?:${STRING})[ \t]*)?)\]))?[ \t]*(?:#[^\n]*)?(?:\n|$)`,
  "y",
);
const ITEM = new RegExp(STRING, "g");

/** The data of `text` when it is plain TOML (see above), else `undefined`. */
export function readPlainToml(text: string): Table | undefined {
  if (REFUSED.test(text)) return undefined;
  const root: Table = Object.create(null);
  let table = root;
  LINE.lastIndex = 0;
  while (LINE.lastIndex < text.length) {
    const line = LINE.exec(text);
    if (line === null) return undefined;
    const [, header, key, string, boolean, integer, items] = line;
    if (header !== undefined) {
      if (Object.hasOwn(root, header)) return undefined;
      table = root[header] = Object.create(null);
    } else if (key !== undefined) {
      if (Object.hasOwn(table, key)) return undefined;
      table[key] = string !== undefined
        ? string.slice(1, -1)
        : boolean !== undefined
        ? boolean === "true"
        : integer !== undefined
        ? Number(integer)
        : items.match(ITEM)?.map((s) => s.slice(1, -1)) ?? [];
    }
  }
  return root;
}
