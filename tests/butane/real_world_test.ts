/**
 * Real-world Butane configs (tests/fixtures/butane-corpus/, origins and licences in its
 * manifest.json) against the output of butane v0.23.0 itself: for each `NAME.bu`, iago's
 * translator must give the same stdout (byte for byte, gzip data included), stderr and exit
 * code as `butane [--strict | --pretty] [-d NAME.d] < NAME.bu`, recorded in `NAME.expected.json`. Where
 * butane's own report order varies between runs (Go map order), the fixture says so and the
 * lines are compared as a set.
 */
import assert from "node:assert/strict";
import { butaneOutput, translateButaneTextSync } from "../../src/butane/mod.ts";

const DIR = new URL("../fixtures/butane-corpus/", import.meta.url).pathname;

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

for (const name of names) {
  Deno.test(`real-world config ${name}: same output and report as butane v0.23.0`, () => {
    const text = Deno.readTextFileSync(`${DIR}${name}.bu`);
    const expected = JSON.parse(Deno.readTextFileSync(`${DIR}${name}.expected.json`)) as Record<
      "normal" | "strict" | "pretty",
      Expected
    >;
    // git keeps no empty directory: a files directory that butane was given but that holds
    // nothing (its messages name it, "open NAME.d/x: no such file") is passed all the same.
    const givenDir = isDir(`${DIR}${name}.d`) ||
      Object.values(expected).some((e) => e.stderr.includes(` ${name}.d/`));
    const filesDir = givenDir ? `${DIR}${name}.d` : undefined;
    for (const mode of ["normal", "strict", "pretty"] as const) {
      const want = expected[mode];
      const got = butaneOutput(translateButaneTextSync(text, {
        strict: mode === "strict",
        pretty: mode === "pretty",
        filesDir,
        filesDirShown: filesDir && `${name}.d`,
      }));
      assert.equal(got.stdout, want.stdout, `${mode}: stdout differs`);
      if (want.unordered) assert.equal(sortedLines(got.stderr), sortedLines(want.stderr));
      else assert.equal(got.stderr, want.stderr, `${mode}: stderr differs`);
      assert.equal(got.exitCode, want.code, `${mode}: exit code differs`);
    }
  });
}
