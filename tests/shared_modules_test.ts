/**
 * scripts/shared_modules.ts: which of `iago butane`'s modules the full CLI takes from it in the
 * release bundle. (The bundle itself is run in bundle_test.ts.)
 */
import assert from "node:assert/strict";
import { sharedImports } from "../scripts/shared_modules.ts";

const repo = new URL("..", import.meta.url);

Deno.test("sharedImports() gives the modules of iago butane's bundle the full CLI imports, with the names it uses", async () => {
  const cwd = Deno.cwd();
  Deno.chdir(repo);
  try {
    const imports = await sharedImports("src/cli/lean/butane.ts", "src/cli/main.ts");
    const local = new Map([...imports].map(([url, names]) => [new URL(url, repo).pathname, names]));
    const at = (path: string) => local.get(new URL(path, repo).pathname);
    // The translator, for ignite's pipeline.
    assert.ok(at("src/butane/mod.ts")?.includes("translateButaneDocumentSync"));
    // One IagoError for both: the full CLI's report() knows what the translator throws.
    assert.ok(at("src/errors.ts")?.includes("IagoError"));
    // Only names the CLI's own modules use: what only iago butane's handler calls is not exported.
    assert.ok(!at("src/butane/mod.ts")?.includes("translateButaneText"));
    // Only modules of iago butane's bundle: the workspace's code (its types only) is the CLI's.
    assert.equal(at("src/workspace.ts"), undefined);
    assert.equal(at("src/output.ts"), undefined);
  } finally {
    Deno.chdir(cwd);
  }
});
