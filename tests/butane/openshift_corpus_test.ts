/**
 * The real-world corpus as openshift configs (see openshift_corpus.ts): each restated config is
 * translated plainly, with `--strict` and with `--raw`, and iago's stdout (by SHA-256 and length),
 * stderr and exit code must equal butane v0.23.0's, recorded in
 * tests/fixtures/butane-openshift-corpus.json by running butane on the same text. Real configs
 * meet every MCO rule (users other than core, links, directories, append, HTTP sources, ...) at
 * their own YAML positions, and those that pass become MachineConfigs of real content.
 */
import assert from "node:assert/strict";
import { butaneOutput, translateButaneTextSync } from "../../src/butane/mod.ts";
import { CORPUS_DIR, openshiftCases } from "./openshift_corpus.ts";

interface Expected {
  exitCode: number;
  stderr: string;
  stdoutSha256: string;
  stdoutLength: number;
  /** Set when butane printed its report lines in different orders across runs. */
  unordered?: boolean;
}

const EXPECTED = JSON.parse(
  Deno.readTextFileSync(new URL("../fixtures/butane-openshift-corpus.json", import.meta.url)),
) as Record<string, Record<"plain" | "strict" | "raw", Expected>>;

const cases = openshiftCases();

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function isDir(path: string): boolean {
  try {
    return Deno.statSync(path).isDirectory;
  } catch {
    return false;
  }
}

const sortedLines = (s: string) => s.split("\n").sort().join("\n");

Deno.test("openshift corpus: every restated config has butane's outputs, and most are MachineConfigs", () => {
  assert.deepEqual(cases.map((c) => c.key).sort(), Object.keys(EXPECTED).sort());
  assert.ok(cases.length >= 300, `only ${cases.length} configs`);
  const written = Object.values(EXPECTED).filter((e) => e.plain.exitCode === 0).length;
  assert.ok(written >= 150, `only ${written} MachineConfigs`);
});

for (const c of cases) {
  Deno.test(`openshift corpus: ${c.key} prints what butane prints`, async () => {
    const filesDir = isDir(`${CORPUS_DIR}${c.source}.d`) ? `${CORPUS_DIR}${c.source}.d` : undefined;
    for (const mode of ["plain", "strict", "raw"] as const) {
      const want = EXPECTED[c.key][mode];
      const got = butaneOutput(translateButaneTextSync(c.text, {
        strict: mode === "strict",
        raw: mode === "raw",
        filesDir,
        filesDirShown: filesDir && `${c.source}.d`,
      }));
      if (want.unordered) assert.equal(sortedLines(got.stderr), sortedLines(want.stderr), mode);
      else assert.equal(got.stderr, want.stderr, `${mode}: stderr differs`);
      assert.equal(got.exitCode, want.exitCode, `${mode}: exit code differs`);
      assert.equal(got.stdout.length, want.stdoutLength, `${mode}: stdout length differs`);
      assert.equal(await sha256(got.stdout), want.stdoutSha256, `${mode}: stdout differs`);
    }
  });
}
