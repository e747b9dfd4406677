/**
 * The real-world fcos corpus (tests/fixtures/butane-corpus/) restated as openshift configs: each
 * `variant: fcos` / `version: 1.N.0` header becomes an openshift header (with `metadata`) of the
 * openshift versions built on that fcos version, the rest of the file unchanged. Shared by
 * openshift_corpus_test.ts and the script that records butane's outputs for it.
 */

export const CORPUS_DIR = new URL("../fixtures/butane-corpus/", import.meta.url).pathname;

export interface OpenshiftCase {
  /** `CORPUS-NAME@OPENSHIFT-VERSION`. */
  key: string;
  /** The corpus config it came from (its `NAME.d` is the files directory, if any). */
  source: string;
  text: string;
}

const HEADER = /^([\s\S]*?)variant:\s*fcos\s*\nversion:\s*1\.(\d)\.0\s*\n/;

/** Openshift versions on fcos 1.3 (4.8, 4.12), 1.5 (4.14, 4.18) and 1.7-exp (4.19-exp). */
const ON_FCOS: Record<number, string[]> = {
  0: ["4.8.0", "4.12.0"],
  1: ["4.8.0", "4.12.0"],
  2: ["4.8.0", "4.12.0"],
  3: ["4.8.0", "4.12.0"],
  4: ["4.14.0", "4.18.0"],
  5: ["4.14.0", "4.18.0"],
  6: ["4.19.0-experimental"],
};

/** Every corpus config as openshift, in name order. */
export function openshiftCases(): OpenshiftCase[] {
  const names = [...Deno.readDirSync(CORPUS_DIR)]
    .filter((e) => e.isFile && e.name.endsWith(".bu"))
    .map((e) => e.name.slice(0, -3))
    .sort();
  const cases: OpenshiftCase[] = [];
  for (const source of names) {
    const original = Deno.readTextFileSync(`${CORPUS_DIR}${source}.bu`);
    const m = original.match(HEADER);
    if (!m) continue;
    for (const version of ON_FCOS[Number(m[2])] ?? []) {
      const header = `variant: openshift\nversion: ${version}\nmetadata:\n  name: 99-${
        source.slice(0, 40)
      }\n  labels:\n    machineconfiguration.openshift.io/role: worker\n`;
      cases.push({
        key: `${source}@${version}`,
        source,
        text: m[1] + header + original.slice(m[0].length),
      });
    }
  }
  return cases;
}
