/**
 * Real-world Butane configs (tests/fixtures/butane-corpus/, origins and licences in its
 * manifest.json) against the output of butane v0.23.0 itself: for each `NAME.bu`, iago's
 * translator must give the same stdout (byte for byte, gzip data included), stderr and exit
 * code as `butane [--strict | --pretty] [-d NAME.d] < NAME.bu`, recorded in `NAME.expected.json`
 * (openshift mutants also with `--raw`, alone, `--pretty` and `--strict`). Where
 * butane's own report order varies between runs (Go map order), the fixture says so and the
 * lines are compared as a set.
 * The same holds for tests/fixtures/butane-mutants/: broken variants of those configs that the
 * differential check (tests/butane/differential.ts) found iago reporting differently, each run
 * with its source config's files directory. Their bytes go in as read: some are not UTF-8.
 */
import assert from "node:assert/strict";
import { butaneOutput, translateButaneTextSync } from "../../src/butane/mod.ts";

const DIR = new URL("../fixtures/butane-corpus/", import.meta.url).pathname;
const MUTANTS = new URL("../fixtures/butane-mutants/", import.meta.url).pathname;

interface Expected {
  code: number;
  stdout: string;
  stderr: string;
  /** Set when butane printed its report lines in different orders across runs. */
  unordered?: boolean;
}

const names = [...Deno.readDirSync(DIR)]
  .filter((e) => e.isFile && e.name.endsWith(".bu"))
  .map((e) => e.name.slice(0, -3))
  .sort();

function isDir(path: string): boolean {
  try {
    return Deno.statSync(path).isDirectory;
  } catch {
    return false;
  }
}

const sortedLines = (s: string) => s.split("\n").sort().join("\n");

Deno.test("the real-world corpus has its manifest entry for every config", () => {
  const manifest = JSON.parse(Deno.readTextFileSync(`${DIR}manifest.json`)) as {
    name: string;
    repo: string;
    commit: string;
    path: string;
    licence: string;
  }[];
  assert.deepEqual(manifest.map((m) => m.name).sort(), names);
  for (const m of manifest) {
    assert.match(m.commit, /^[0-9a-f]{40}$/, m.name);
    assert.ok(m.repo && m.path && m.licence, m.name);
  }
  assert.ok(names.length >= 100, `only ${names.length} configs`);
});

/** The butane flags of each recorded mode (the raw ones only for openshift). */
const MODES = {
  normal: {},
  strict: { strict: true },
  pretty: { pretty: true },
  raw: { raw: true },
  rawPretty: { raw: true, pretty: true },
  rawStrict: { raw: true, strict: true },
};

/**
 * `NAME.bu` of `dir` against its expected outputs; `source` names the files directory, unless
 * `given` says which one butane got (relative to the corpus; null for none).
 */
function checkAgainstButane(
  dir: string,
  name: string,
  source: string,
  given?: string | null,
): void {
  const bytes = Deno.readFileSync(`${dir}${name}.bu`);
  const expected = JSON.parse(
    Deno.readTextFileSync(`${dir}${name}.expected.json`),
  ) as Partial<Record<keyof typeof MODES, Expected>>;
  // git keeps no empty directory: a files directory that butane was given but that holds
  // nothing (its messages name it, "open NAME.d/x: no such file") is passed all the same.
  const givenDir = isDir(`${DIR}${source}.d`) ||
    Object.values(expected).some((e) => e.stderr.includes(` ${source}.d/`));
  const shown = given !== undefined ? given ?? undefined : givenDir ? `${source}.d` : undefined;
  const filesDir = shown && DIR + shown;
  for (const mode of Object.keys(expected) as (keyof typeof MODES)[]) {
    const want = expected[mode]!;
    const got = butaneOutput(translateButaneTextSync(bytes, {
      ...MODES[mode],
      filesDir,
      filesDirShown: shown,
    }));
    assert.equal(got.stdout, want.stdout, `${mode}: stdout differs`);
    if (want.unordered) assert.equal(sortedLines(got.stderr), sortedLines(want.stderr));
    else assert.equal(got.stderr, want.stderr, `${mode}: stderr differs`);
    assert.equal(got.exitCode, want.code, `${mode}: exit code differs`);
  }
}

for (const name of names) {
  Deno.test(`real-world config ${name}: same output and report as butane v0.23.0`, () => {
    checkAgainstButane(DIR, name, name);
  });
}

const mutants = JSON.parse(Deno.readTextFileSync(`${MUTANTS}manifest.json`)) as {
  name: string;
  from: string;
  kind: string;
  /** The files directory butane got, when not the source's own: null for none. */
  filesDir?: string | null;
}[];

Deno.test("every mutant fixture is in its manifest, made from a corpus config", () => {
  const files = [...Deno.readDirSync(MUTANTS)]
    .filter((e) => e.name.endsWith(".bu"))
    .map((e) => e.name.slice(0, -3))
    .sort();
  assert.deepEqual(mutants.map((m) => m.name).sort(), files);
  for (const m of mutants) assert.ok(names.includes(m.from), m.name);
  assert.ok(mutants.length >= 100, `only ${mutants.length} mutants`);
});

for (const m of mutants) {
  Deno.test(`mutant ${m.name} (${m.kind} of ${m.from}): same output and report as butane`, () => {
    checkAgainstButane(MUTANTS, m.name, m.from, m.filesDir);
  });
}
