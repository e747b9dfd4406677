import assert from "node:assert/strict";
import { join } from "node:path";
import { unifiedDiff } from "../../src/plan/text_diff.ts";
import { tempDir } from "../helpers/cli.ts";

const lines = (...l: string[]) => l.map((x) => `${x}\n`).join("");

/** GNU `diff -u` of the same texts, without its two header lines: the oracle. */
async function gnuDiff(before: string, after: string): Promise<string> {
  await using dir = await tempDir();
  await Deno.writeTextFile(join(dir.path, "a"), before);
  await Deno.writeTextFile(join(dir.path, "b"), after);
  const out = await new Deno.Command("diff", {
    args: ["-u", "a", "b"],
    cwd: dir.path,
    stdout: "piped",
  })
    .output();
  return new TextDecoder().decode(out.stdout).split("\n").slice(2).join("\n").trimEnd();
}

const CASES: { name: string; before: string; after: string }[] = [
  { name: "one line replaced", before: lines("a", "b", "c"), after: lines("a", "B", "c") },
  {
    name: "two changes far apart make two hunks",
    before: lines(..."abcdefghijklmnop"),
    after: lines(..."aBcdefghijklmnoP"),
  },
  {
    name: "two changes close together share a hunk",
    before: lines(..."abcdefghij"),
    after: lines(..."aBcdefgHij"),
  },
  { name: "lines added at the end", before: lines("a", "b"), after: lines("a", "b", "c", "d") },
  { name: "lines removed at the start", before: lines("x", "y", "a", "b"), after: lines("a", "b") },
  { name: "from nothing", before: "", after: lines("a", "b") },
  { name: "to nothing", before: lines("a"), after: "" },
  { name: "a final newline added", before: "a\nb", after: "a\nb\n" },
];

for (const c of CASES) {
  Deno.test(`unifiedDiff() writes what diff -u writes: ${c.name}`, async () => {
    assert.equal(unifiedDiff(c.before, c.after), await gnuDiff(c.before, c.after));
  });
}

Deno.test("unifiedDiff() of equal texts is empty", () => {
  assert.equal(unifiedDiff("a\nb\n", "a\nb\n"), "");
});

Deno.test("unifiedDiff() of two long unrelated texts says how many lines changed instead", () => {
  const a = Array.from({ length: 3000 }, (_, i) => `a${i}\n`).join("");
  const b = Array.from({ length: 3000 }, (_, i) => `b${i}\n`).join("");
  assert.equal(
    unifiedDiff(a, b),
    "@@ -1,3000 +1,3000 @@ (3000 lines replaced by 3000; too long to compare line by line)",
  );
});
