import assert from "node:assert/strict";
import { didYouMean, editDistance, IagoError } from "../src/errors.ts";
import { memoryOutput } from "../src/output.ts";
import { report } from "../src/cli/report.ts";

Deno.test("editDistance() counts a swap of neighbours as one edit", () => {
  assert.equal(editDistance("wbe", "web"), 1);
  assert.equal(editDistance("kitten", "sitting"), 3);
  assert.equal(editDistance("", "abc"), 3);
});

Deno.test("didYouMean() suggests close names and nothing for distant ones", () => {
  assert.equal(didYouMean("timezon", ["timezone", "username"]), "timezone");
  assert.equal(didYouMean("wbe", ["web", "postgres"]), "web");
  assert.equal(didYouMean("zzzzzz", ["timezone", "username"]), undefined);
});

Deno.test("report() prints the location, the message and the hint without a stack", () => {
  const out = memoryOutput();
  const code = report(
    new IagoError('Unknown key "usrname"', {
      at: { file: "config/defaults.toml", line: 3, col: 1 },
      hint: 'did you mean "username"?',
    }),
    out,
    {},
  );
  assert.equal(code, 1);
  assert.deepEqual(out.stderr, [
    'error: config/defaults.toml:3:1: Unknown key "usrname"',
    '  hint: did you mean "username"?',
  ]);
});

Deno.test("report() adds the stack trace only with IAGO_DEBUG=1", () => {
  const quiet = memoryOutput();
  report(new Error("boom"), quiet, {});
  assert.ok(!quiet.stderr.join("\n").includes("at "), quiet.stderr.join("\n"));
  const debug = memoryOutput();
  report(new Error("boom"), debug, { IAGO_DEBUG: "1" });
  assert.ok(debug.stderr.join("\n").includes("errors_test.ts"));
});
