/**
 * The real-world corpus (tests/fixtures/butane-corpus/) restated as openshift configs: in each
 * config the `variant: fcos` / `version: 1.N.0` header was replaced by an openshift header (with
 * `metadata`) for the openshift versions on that fcos version (1.0-1.3: 4.8.0 and 4.12.0; 1.4,
 * 1.5: 4.14.0 and 4.18.0; 1.6: 4.19.0-experimental), the rest left as it was. Each restated
 * config is in tests/fixtures/butane-openshift-corpus.json with butane v0.23.0's stdout (SHA-256
 * and length), stderr and exit code plainly, with `--strict` and with `--raw` (its files directory
 * is the corpus config's); iago must give the same. Real configs meet every MCO rule (users other
 * than core, links, directories, append, HTTP sources, ...) at their own YAML positions, and those
 * that pass become MachineConfigs of real content.
 */
import assert from "node:assert/strict";
import { butaneOutput, translateButaneTextSync } from "../../src/butane/mod.ts";

const CORPUS_DIR = new URL("../fixtures/butane-corpus/", import.meta.url).pathname;

interface Expected {
  exitCode: number;
  stderr: string;
  stdoutSha256: string;
  stdoutLength: number;
  /** Set when butane printed its report lines in different orders across runs. */
  unordered?: boolean;
}

type Mode = "plain" | "strict" | "raw";

const CASES = JSON.parse(
  Deno.readTextFileSync(new URL("../fixtures/butane-openshift-corpus.json", import.meta.url)),
) as Record<string, { source: string; input: string } & Record<Mode, Expected>>;

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

Deno.test("openshift corpus: hundreds of restated configs, most of them MachineConfigs", () => {
  const all = Object.values(CASES);
  assert.ok(all.length >= 300, `only ${all.length} configs`);
  const written = all.filter((c) => c.plain.exitCode === 0).length;
  assert.ok(written >= 150, `only ${written} MachineConfigs`);
});

for (const [key, c] of Object.entries(CASES)) {
  Deno.test(`openshift corpus: ${key} prints what butane prints`, async () => {
    const filesDir = isDir(`${CORPUS_DIR}${c.source}.d`) ? `${CORPUS_DIR}${c.source}.d` : undefined;
    for (const mode of ["plain", "strict", "raw"] as const) {
      const want = c[mode];
      const got = butaneOutput(translateButaneTextSync(c.input, {
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
