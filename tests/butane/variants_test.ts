/**
 * The flatcar, openshift, r4e and fiot variants: each `variants/NAME.bu` is translated in every
 * mode its `NAME.expected.json` names (plain and `--strict`; openshift also `--raw`, and for some
 * `--pretty`, `--raw --pretty`, `--raw --strict`), and iago's stdout, stderr and exit code must
 * equal butane v0.23.0's own, recorded there by running butane on the same file. The cases cover
 * every spec version of each variant: base sugar (inline/gzip contents, append, units, dropins,
 * users; flatcar's LUKS, swap and mount units too), every field the variant rejects, the
 * fcos-only keys that are unused there, and an unknown version; for openshift the MachineConfig
 * YAML (key order, quoting, literal blocks, numbers), metadata and role label rules, kernel type,
 * FIPS LUKS ciphers, every MCO rule per version, and the fields `--raw` drops with a warning.
 * `openshift-docs-*` are the openshift examples of butane's own docs (origins.json). Every
 * Ignition output passes iago's Ignition validator, and the real `ignition-validate` for spec
 * versions it knows (warnings allowed: butane reports them).
 */
import assert from "node:assert/strict";
import { type ButaneOutput, butaneOutput, translateButaneText } from "../../src/butane/mod.ts";
import { validateIgnition } from "../../src/ignition/validate.ts";

const DIR = new URL("./variants/", import.meta.url).pathname;

interface Case {
  name: string;
  input: string;
  /** `NAME.d/`, passed as `-d` (butane ran with `-d NAME.d`). */
  filesDir?: string;
  expected: Record<Mode, ButaneOutput>;
}

/** The butane flags of each recorded mode. */
const MODES = {
  plain: {},
  strict: { strict: true },
  raw: { raw: true },
  pretty: { pretty: true },
  rawPretty: { raw: true, pretty: true },
  rawStrict: { raw: true, strict: true },
};
type Mode = keyof typeof MODES;

/** The Ignition JSON of a case: `--raw` for openshift, whose plain output is a MachineConfig. */
function ignitionOutput(c: Case): string {
  return (c.expected.raw ?? c.expected.plain).stdout;
}

const cases: Case[] = [...Deno.readDirSync(DIR)]
  .filter((e) => e.name.endsWith(".bu"))
  .map((e) => e.name.slice(0, -3))
  .sort()
  .map((name) => ({
    name,
    input: Deno.readTextFileSync(`${DIR}${name}.bu`),
    filesDir: existsDir(`${DIR}${name}.d`) ? `${DIR}${name}.d` : undefined,
    expected: JSON.parse(Deno.readTextFileSync(`${DIR}${name}.expected.json`)),
  }));

function existsDir(path: string): boolean {
  try {
    return Deno.statSync(path).isDirectory;
  } catch {
    return false;
  }
}

for (const c of cases) {
  for (const mode of Object.keys(c.expected) as Mode[]) {
    Deno.test(`butane variants: ${c.name} (${mode}) prints what butane prints`, async () => {
      const result = await translateButaneText(c.input, {
        ...MODES[mode],
        filesDir: c.filesDir,
        filesDirShown: c.filesDir && `${c.name}.d`,
      });
      assert.deepEqual(butaneOutput(result), c.expected[mode]);
    });
  }
}

Deno.test("butane variants: every spec version of flatcar, openshift, r4e and fiot has a case", () => {
  const versions = new Set(
    cases.map((c) => c.input.match(/^variant: (\S+)\nversion: (\S+)/)?.slice(1).join(" ")),
  );
  for (
    const v of [
      "flatcar 1.0.0",
      "flatcar 1.1.0",
      "flatcar 1.2.0-experimental",
      "r4e 1.0.0",
      "r4e 1.1.0",
      "r4e 1.2.0-experimental",
      "fiot 1.0.0",
      "fiot 1.1.0-experimental",
      ...["8", "9", "10", "11", "12", "13", "14", "15", "16", "17", "18"].map((m) =>
        `openshift 4.${m}.0`
      ),
      "openshift 4.19.0-experimental",
    ]
  ) assert.ok(versions.has(v), `no case for ${v}`);
});

Deno.test("butane variants: configs taken from public documents have their origin noted", () => {
  const origins = JSON.parse(Deno.readTextFileSync(`${DIR}origins.json`)) as {
    name: string;
    repo: string;
    commit: string;
    path: string;
    licence: string;
  }[];
  const taken = cases.filter((c) => c.name.includes("-docs-")).map((c) => c.name);
  assert.deepEqual(origins.map((o) => o.name).sort(), taken);
  for (const o of origins) {
    assert.match(o.commit, /^[0-9a-f]{40}$/, o.name);
    assert.ok(o.repo && o.path && o.licence, o.name);
  }
});

Deno.test("butane variants: every output passes iago's Ignition validator", () => {
  let checked = 0;
  for (const c of cases) {
    const out = ignitionOutput(c);
    if (out === "") continue;
    const config = JSON.parse(out);
    if (config.ignition.version === "3.6.0-experimental") config.ignition.version = "3.5.0";
    // Warnings (setuid bits before 3.4.0) are butane's too, and in its report.
    const errors = validateIgnition(config).filter((f) => f.severity === "error");
    assert.deepEqual(errors, [], c.name);
    checked++;
  }
  assert.ok(checked >= 30, `only ${checked} outputs were validated`);
});

Deno.test("butane variants: outputs up to Ignition 3.4.0 pass the real ignition-validate", async () => {
  const validator = "/usr/bin/ignition-validate";
  Deno.statSync(validator);
  const dir = await Deno.makeTempDir({ prefix: "iago-variants-validate-" });
  try {
    const failures: string[] = [];
    let checked = 0;
    for (const c of cases) {
      const out = ignitionOutput(c);
      if (out === "") continue;
      const config = JSON.parse(out);
      const version = config.ignition.version as string;
      // Debian's Ignition 2.14 knows 3.4.0 only as 3.4.0-experimental and nothing newer.
      if (version.includes("experimental") || version === "3.5.0") continue;
      if (version === "3.4.0") config.ignition.version = "3.4.0-experimental";
      const file = `${dir}/${c.name}.ign`;
      Deno.writeTextFileSync(file, JSON.stringify(config));
      const res = await new Deno.Command(validator, {
        args: [file],
        stdout: "piped",
        stderr: "piped",
      })
        .output();
      checked++;
      const text = (new TextDecoder().decode(res.stdout) + new TextDecoder().decode(res.stderr))
        .split("\n").filter((l) => l !== "");
      if (!res.success || text.some((l) => !l.startsWith("warning"))) {
        failures.push(`${c.name}: ${text.join("; ")}`);
      }
    }
    assert.ok(checked >= 20, `only ${checked} configs were validated`);
    assert.deepEqual(failures, []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
