/**
 * The examples a newcomer copies from README.md and docs/ work as the text says: each is run
 * through the real CLI on a temporary workspace.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { iago, tempDir } from "./helpers/cli.ts";

const ROOT = new URL("../", import.meta.url);
const OFFLINE = { IAGO_GITHUB_URL: "http://127.0.0.1:9" };

/** The fenced code blocks of `file` in language `lang`. */
async function codeBlocks(file: string, lang: string): Promise<string[]> {
  const text = await Deno.readTextFile(new URL(file, ROOT));
  const fence = new RegExp("^```" + lang + "\\n([\\s\\S]*?)^```$", "gm");
  return [...text.matchAll(fence)].map((m) => m[1]);
}

for (const file of ["README.md", "docs/plugins.md"]) {
  Deno.test(`the example plugin of ${file} passes iago validate on a machine it fits`, async () => {
    const plugins = (await codeBlocks(file, "ts")).filter((b) => /^export default /m.test(b));
    assert.equal(plugins.length, 1, `one complete plugin example in ${file}`);
    await using dir = await tempDir();
    const run = (args: string[]) => iago(args, { cwd: dir.path, env: OFFLINE });
    assert.equal((await run(["plugin", "init", "redis"])).code, 0);
    await Deno.writeTextFile(join(dir.path, "workloads/redis.ts"), plugins[0]);
    const init = await run(["init", "--machine-only", "--domain", "example.internal", "web"]);
    assert.equal(init.code, 0, init.stderr);
    const toml = join(dir.path, "machines/web/machine.toml");
    const machine = (await Deno.readTextFile(toml)).replace(
      /^workloads = .*$/m,
      'workloads = ["./workloads/redis.ts"]',
    );
    await Deno.writeTextFile(toml, machine);
    const r = await run(["validate", "web"]);
    assert.equal(r.code, 0, r.stderr);
  });
}
