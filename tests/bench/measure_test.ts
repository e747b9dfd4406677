/**
 * How bench scripts time processes: wall time, the children's CPU seconds and peak RSS of a
 * real process, and the medians, p90 and ratios the Benchmarks table prints.
 */
import assert from "node:assert/strict";
import { measure, median, p90, ratio, type Run, timing } from "../../bench/measure.ts";

Deno.test("measure() gives a process's output, CPU seconds and peak RSS", async () => {
  // ~0.2 CPU-s of work in a pipeline: CPU counts every process of it.
  const run = await measure(["head -c 40000000 /dev/urandom | gzip -1 | wc -c"], { shell: true });
  assert.ok(Number(run.stdout.trim()) > 40_000_000, run.stdout);
  assert.ok(run.cpuSeconds > 0.05, `CPU ${run.cpuSeconds}`);
  assert.ok(run.seconds > 0 && run.rssMiB > 0.5, JSON.stringify(run));
});

Deno.test("measure() passes input on stdin", async () => {
  const run = await measure(["wc", "-l"], { input: "a\nb\nc\n" });
  assert.equal(run.stdout.trim(), "3");
});

Deno.test("measure() throws with the failed command's stderr", async () => {
  await assert.rejects(
    () => measure(["sh", "-c", "echo cannot open tree >&2; exit 3"]),
    /sh -c echo cannot open tree >&2; exit 3 failed:\ncannot open tree\nCommand exited with non-zero status 3$/,
  );
});

const runs = (...seconds: number[]): Run[] =>
  seconds.map((s) => ({ seconds: s, cpuSeconds: s / 2, rssMiB: 100, stdout: "" }));

Deno.test("median() and p90() pick by rank", () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(p90([5, 1, 4, 2, 3]), 5);
  assert.equal(p90([...Array(20).keys()]), 17);
});

Deno.test("timing() shows p90 from 5 runs on, and CPU and RSS when asked", () => {
  assert.equal(timing(runs(20.1, 19.9, 21)), "20.1 s");
  assert.equal(
    timing(runs(0.2, 0.25, 0.3, 0.21, 0.5), { cpu: true, rss: true }),
    "250 ms (p90 500 ms), 0.13 CPU-s, 100 MiB RSS",
  );
});

Deno.test("ratio() compares medians of wall time and of CPU", () => {
  assert.equal(ratio(runs(2, 3, 4), runs(1, 2, 10)), "1.50x time, 1.50x CPU");
});
