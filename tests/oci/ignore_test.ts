import assert from "node:assert/strict";
import { IgnoreRules } from "../../src/oci/ignore.ts";

const CASES: { rules: string; ignored: string[]; kept: string[] }[] = [
  { rules: "*.md", ignored: ["README.md"], kept: ["docs/README.md", "md"] },
  { rules: "**/*.md", ignored: ["README.md", "docs/a/b.md"], kept: ["docs/b.mdx"] },
  { rules: "docs", ignored: ["docs", "docs/a", "docs/a/b.txt"], kept: ["docsx", "a/docs"] },
  {
    rules: "/secret/\n# comment\n\n",
    ignored: ["secret/key"],
    kept: ["a/secret/key", "# comment"],
  },
  { rules: "*.txt\n!keep.txt", ignored: ["a.txt"], kept: ["keep.txt"] },
  {
    rules: "logs\n!logs/keep\nlogs/keep/tmp",
    ignored: ["logs/x", "logs/keep/tmp"],
    kept: ["logs/keep/a"],
  },
  { rules: "a?c\nf[0-9]\n[^x]y", ignored: ["abc", "f1", "zy"], kept: ["abbc", "fa", "xy"] },
  // Docker's matcher (and buildah) copy a class into a regular expression: only ^ negates.
  { rules: "[!x]y", ignored: ["xy", "!y"], kept: ["zy"] },
  { rules: "a/**/z", ignored: ["a/z", "a/b/c/z"], kept: ["b/a/z"] },
  { rules: "./build/../dist", ignored: ["dist/app"], kept: ["build"] },
];

Deno.test("IgnoreRules applies Docker's pattern rules: wildcards, **, exceptions, last match wins", () => {
  for (const c of CASES) {
    const rules = IgnoreRules.parse(c.rules);
    for (const p of c.ignored) {
      assert.equal(rules.ignores(p), true, `${JSON.stringify(c.rules)} should ignore ${p}`);
    }
    for (const p of c.kept) {
      assert.equal(rules.ignores(p), false, `${JSON.stringify(c.rules)} should keep ${p}`);
    }
  }
});
