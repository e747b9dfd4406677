/**
 * The Benchmarks table printer: the rows bench scripts report, read back by `deno task bench`
 * and printed as the README's table, laid out as `deno fmt` lays out Markdown.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  type BenchRow,
  hasTool,
  markdownTable,
  missingTool,
  parseRow,
  reportRow,
} from "../../bench/rows.ts";

const rows: BenchRow[] = [
  { work: "layer", iago: "20.1 s, 17 CPU-s", beside: "`tar | pigz -6` 9.3 s", target: "1.1x" },
  { work: "200 hashes", iago: "0.99 s", beside: missingTool("openssl", "apt-get install openssl") },
];

Deno.test("markdownTable() pads each column, escapes pipes and leaves a missing target empty", () => {
  const beside = "not measured: openssl is not installed (apt-get install openssl)";
  assert.equal(
    markdownTable(rows),
    [
      `| benchmark  | iago             | ${"beside it, same run".padEnd(beside.length)} | target |`,
      `| ---------- | ---------------- | ${"-".repeat(beside.length)} | ------ |`,
      `| layer      | 20.1 s, 17 CPU-s | ${
        "`tar \\| pigz -6` 9.3 s".padEnd(beside.length)
      } | 1.1x   |`,
      `| 200 hashes | 0.99 s           | ${beside} |        |`,
    ].join("\n"),
  );
});

Deno.test("markdownTable() prints a table deno fmt leaves as it is", async () => {
  const dir = await Deno.makeTempDir({ prefix: "iago-rows-test-" });
  try {
    const file = join(dir, "table.md");
    await Deno.writeTextFile(file, markdownTable(rows) + "\n");
    const fmt = await new Deno.Command(Deno.execPath(), {
      args: ["fmt", "--check", file],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(
      fmt.success,
      new TextDecoder().decode(fmt.stdout) + new TextDecoder().decode(fmt.stderr),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("parseRow() reads back what reportRow() prints and passes other lines by", () => {
  const printed: string[] = [];
  const log = console.log;
  console.log = (line: string) => printed.push(line);
  try {
    reportRow(rows[0]);
  } finally {
    console.log = log;
  }
  assert.equal(printed.length, 1);
  assert.deepEqual(parseRow(printed[0]), rows[0]);
  assert.equal(parseRow("iago layer: 16.0 s (31 MB/s)"), undefined);
});

Deno.test("parseRow() refuses a row without its iago figure", () => {
  assert.throws(
    () => parseRow('BENCH-ROW {"work":"layer","beside":"x"}'),
    /Cannot read benchmark row: "iago" is not a string/,
  );
});

Deno.test("hasTool() finds commands on PATH and by path, and not what is absent", () => {
  assert.equal(hasTool("sh"), true);
  assert.equal(hasTool(Deno.execPath()), true);
  assert.equal(hasTool("iago-no-such-tool"), false);
  assert.equal(hasTool("/nonexistent/pigz"), false);
});
