/**
 * The Butane corpus: each `corpus/NAME.bu` is translated and compared byte for byte with
 * `NAME.ign` (butane v0.23.0's JSON; indented when the file is) and `NAME.report` (its stderr;
 * no file means none), both written by butane itself except `unused-keys-v1_0` (butane's
 * order varies).
 * `mut-NAME` and `syntax-m-NAME` are the real-world `tests/fixtures/butane-corpus/NAME` with
 * random edits to its data or its text (see its manifest for the origin). `NAME.d/` is the files directory when present,
 * and a first line `# args: --strict` passes flags. Every expected `.ign` must also pass the
 * real `ignition-validate`.
 */
import assert from "node:assert/strict";
import { butaneOutput, translateButaneText } from "../../src/butane/mod.ts";

const CORPUS = new URL("./corpus/", import.meta.url).pathname;

interface Case {
  name: string;
  input: string;
  ign?: string;
  report?: string;
  filesDir?: string;
  strict: boolean;
}

function loadCases(): Case[] {
  const names = [...Deno.readDirSync(CORPUS)]
    .filter((e) => e.isFile && e.name.endsWith(".bu"))
    .map((e) => e.name.slice(0, -3))
    .sort();
  return names.map((name) => {
    const input = Deno.readTextFileSync(`${CORPUS}${name}.bu`);
    const read = (ext: string) => {
      try {
        return Deno.readTextFileSync(`${CORPUS}${name}${ext}`);
      } catch {
        return undefined;
      }
    };
    let filesDir: string | undefined;
    try {
      if (Deno.statSync(`${CORPUS}${name}.d`).isDirectory) filesDir = `${CORPUS}${name}.d`;
    } catch {
      filesDir = undefined;
    }
    const args = input.match(/^# args:(.*)$/m)?.[1] ?? "";
    return {
      name,
      input,
      ign: read(".ign"),
      report: read(".report"),
      filesDir,
      strict: args.includes("--strict"),
    };
  });
}

const cases = loadCases();

for (const c of cases) {
  Deno.test(`butane corpus: ${c.name} translates as butane does`, async () => {
    const pretty = c.ign !== undefined && c.ign.startsWith("{\n");
    const result = await translateButaneText(c.input, {
      filesDir: c.filesDir,
      strict: c.strict,
      pretty,
    });
    assert.equal(butaneOutput(result).stderr, c.report ?? "", "report differs");
    if (c.ign !== undefined) {
      assert.ok(result.ok, "translation failed");
      assert.equal(result.json, c.ign);
    } else {
      assert.ok(!result.ok || c.report !== undefined, "a case needs a .ign or a .report");
    }
  });
}

Deno.test("butane corpus: every expected Ignition config passes the real ignition-validate", async () => {
  const validator = "/usr/bin/ignition-validate";
  try {
    Deno.statSync(validator);
  } catch {
    throw new Error(`${validator} is missing: install the Debian package "ignition"`);
  }
  const dir = await Deno.makeTempDir({ prefix: "iago-butane-validate-" });
  try {
    const failures: string[] = [];
    let checked = 0;
    for (const c of cases) {
      if (c.ign === undefined) continue;
      const config = JSON.parse(c.ign);
      const version = config.ignition.version as string;
      // Debian's Ignition 2.14 knows 3.4.0 only as 3.4.0-experimental; 3.5.0 and 3.6.0-experimental
      // not at all, so those outputs are checked by the corpus comparison alone.
      if (version === "3.5.0" || version.includes("experimental")) continue;
      const file = `${dir}/${c.name}.ign`;
      // The text as written: JSON.parse would round its ints past 2^53.
      Deno.writeTextFileSync(
        file,
        version === "3.4.0"
          ? c.ign.replace(/"version": ?"3\.4\.0"/, '"version":"3.4.0-experimental"')
          : c.ign,
      );
      const out = await new Deno.Command(validator, {
        args: [file],
        stdout: "piped",
        stderr: "piped",
      })
        .output();
      checked++;
      const text = (new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr))
        .split("\n")
        // 2.14's 3.4.0-experimental lacks these 3.4.0 fields (see spec/oracles.md).
        .filter((l) => l !== "" && !/Unused key (discard|openOptions|advertisement)$/.test(l));
      if (!out.success || text.length > 0) failures.push(`${c.name}: ${text.join("; ")}`);
    }
    assert.ok(checked > 10, `only ${checked} configs were validated`);
    assert.deepEqual(failures, []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
