/**
 * The fast YAML reader must give exactly the tree the yaml.v3 port gives (values, quoting,
 * positions), and must decline what it does not handle rather than guess.
 */
import assert from "node:assert/strict";
import { readYamlFast } from "../../src/butane/yaml_fast.ts";
import {
  readYamlGo,
  YamlSyntaxError,
  YMap,
  YScalar,
  YSeq,
  type YValue,
} from "../../src/butane/yaml.ts";

function plain(v: YValue): unknown {
  if (v === null) return null;
  if (v instanceof YScalar) return { s: v.text, plain: v.plain, at: `${v.pos.line}:${v.pos.col}` };
  if (v instanceof YSeq) return { seq: v.items.map(plain), at: `${v.pos.line}:${v.pos.col}` };
  if (v instanceof YMap) {
    return {
      map: [...v.entries].map((
        [k, x],
      ) => [k, `${v.keyPos.get(k)!.line}:${v.keyPos.get(k)!.col}`, plain(x)]),
      at: `${v.pos.line}:${v.pos.col}`,
    };
  }
  throw new Error("unknown node");
}

function outcome(read: (t: string) => YValue | undefined, text: string): unknown {
  try {
    const v = read(text);
    return v === undefined ? undefined : plain(v);
  } catch (err) {
    if (err instanceof YamlSyntaxError) return { error: err.message };
    throw err;
  }
}

const SNIPPETS = [
  "a: 1\nb:\n  - x\n  - y: 2\n    z: [1, 'two', \"th\\u00e9ree\"]\n",
  "a:\n- 1\n- 2\nb: {c: d, e: 'f g', h: \"i\\n\"}\n",
  "# comment\n---\nkey: value # trailing\nempty:\nnull1: ~\nnull2: null\nq: ''\n",
  "s: |\n  line 1\n    indented\n\n  line 3\n\nt: |-\n  no newline\nu: x\n",
  "list:\n  - |\n    block in list\n  - - nested\n    - seq\n  -\n    key: v\n",
  "k: 'it''s'\nd: \"tab\\there\\\\ \\\"q\\\"\"\nurl: http://example.com:8080/a#frag\ncolon: a:b\n",
  "a: 1\n---\nb: 2\n",
  "a: 1\na: 2\n",
  "top:\n  inner: [ ]\n  other: { }\n  \"quoted key\": 1\n  'single key': 2\n",
  "- a\n- b: c\n  d: e\n-   f\n",
  "a: -1\nb: -x\nc: :x\nd: ?x\n",
  "a: |\n  x\n  y", // no final newline
  "a: >\n  folded\n  text\n",
  "a: &x 1\nb: *x\n",
  "a: !!str 1\n",
  "a: multi\n  line\n",
  "a:\n\tb: 1\n",
  "a: [1, 2\n  , 3]\n",
  "? complex\n: key\n",
  "a: 'unterminated\n  quote'\n",
  "a: 1\n b: 2\n",
  "- a\nb: 1\n",
  "",
  "# only a comment\n",
  "a: |+\n  keep\n\n",
  "a: |2\n   x\n",
  'a: "\\x41\\u00e9\\U0001F600"\n',
  "a: b # c: d\n",
  "a: [b, {c: d}]\n",
  // A block scalar's content is indented by 1 at least: at the top, column 0 ends it.
  "|\nx\n",
  "| #\n# - x\nvariant: fcos\n",
  "|\n x\n",
];

Deno.test("the fast YAML reader agrees with the yaml.v3 port or declines", () => {
  const corpus = new URL("./corpus/", import.meta.url).pathname;
  const texts = [
    ...SNIPPETS,
    ...[...Deno.readDirSync(corpus)].filter((e) => e.name.endsWith(".bu")).map((e) =>
      Deno.readTextFileSync(corpus + e.name)
    ),
  ];
  let handled = 0;
  for (const text of texts) {
    const fast = outcome(readYamlFast, text);
    if (fast === undefined) continue;
    handled++;
    assert.deepEqual(fast, outcome(readYamlGo, text), JSON.stringify(text));
  }
  assert.ok(handled >= 45, `only ${handled} documents took the fast path`);
});

Deno.test("the fast YAML reader declines anchors, tags, folded and multi-line scalars", () => {
  for (
    const text of [
      "a: &x 1\nb: *x\n",
      "a: !!str 1\n",
      "a: >\n  f\n",
      "a: multi\n  line\n",
      "a:\n\tb: 1\n",
    ]
  ) {
    assert.equal(readYamlFast(text), undefined, text);
  }
});

/** A small deterministic PRNG (mulberry32), so failures reproduce. */
function random(seed: number): () => number {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = [
  "a",
  "path",
  "0644",
  "yes",
  "~",
  "null",
  "1.50",
  "-x",
  "x-y",
  "a:b",
  "http://h:80/p",
  "ü€",
  "#not",
  "with space",
  "trailing ",
  "it's",
  'say "hi"',
  "",
  "-",
  "?q",
  "[x]",
  "a #b",
];

/** Writes a random YAML document of maps, lists and scalars in assorted styles. */
function randomYaml(rnd: () => number): string {
  const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)];
  const scalar = (): string => {
    const w = pick(WORDS);
    const style = rnd();
    if (style < 0.4) return JSON.stringify(w);
    if (style < 0.6) return `'${w.replaceAll("'", "''")}'`;
    return w;
  };
  const lines: string[] = [];
  const block = (indent: number, depth: number): void => {
    const pad = " ".repeat(indent);
    if (rnd() < 0.5 || depth > 3) {
      const n = 1 + Math.floor(rnd() * 3);
      for (let i = 0; i < n; i++) {
        const key = pick(["k", "key_" + i, "name", "x-y", '"q k"', "'s k'"]) + i;
        const r = rnd();
        if (r < 0.4) lines.push(`${pad}${key}: ${scalar()}${rnd() < 0.2 ? " # c" : ""}`);
        else if (r < 0.55) lines.push(`${pad}${key}: [${scalar()}, ${scalar()}]`);
        else if (r < 0.65) lines.push(`${pad}${key}: {a: ${scalar()}, b: ${scalar()}}`);
        else if (r < 0.75) {
          lines.push(`${pad}${key}: |${rnd() < 0.5 ? "-" : ""}`);
          lines.push(`${pad}  line one`, `${pad}    indented`, "", `${pad}  last`);
        } else if (r < 0.8) lines.push(`${pad}${key}:`);
        else {
          lines.push(`${pad}${key}:`);
          block(indent + (rnd() < 0.3 && depth > 0 ? 0 : 2), depth + 1);
        }
      }
    } else {
      const n = 1 + Math.floor(rnd() * 3);
      for (let i = 0; i < n; i++) {
        const r = rnd();
        if (r < 0.4) lines.push(`${pad}- ${scalar()}`);
        else if (r < 0.7) {
          lines.push(`${pad}- k${i}: ${scalar()}`);
          lines.push(`${pad}  m${i}: ${scalar()}`);
        } else {
          lines.push(`${pad}-`);
          block(indent + 2, depth + 1);
        }
      }
    }
  };
  block(0, 0);
  if (lines[0]?.startsWith("-")) lines.unshift("root:");
  return lines.join("\n") + "\n";
}

Deno.test("the fast YAML reader agrees with the yaml library on random documents", () => {
  const rnd = random(20261126);
  let handled = 0;
  for (let i = 0; i < 400; i++) {
    const text = randomYaml(rnd);
    const fast = outcome(readYamlFast, text);
    if (fast === undefined) continue;
    handled++;
    assert.deepEqual(fast, outcome(readYamlGo, text), text);
  }
  assert.ok(handled >= 200, `only ${handled} random documents took the fast path`);
});
