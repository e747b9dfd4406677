import assert from "node:assert/strict";
import { iago, tempDir } from "../helpers/cli.ts";
import { startRegistry } from "../helpers/registry.ts";
import { makeKeyPair } from "./_keys.ts";

Deno.test("iago build --sign --key signs the pushed digest and iago verify accepts it", async () => {
  const registry = await startRegistry();
  await using dir = await tempDir();
  try {
    const ws = dir.path;
    await Deno.mkdir(`${ws}/config`);
    await Deno.writeTextFile(
      `${ws}/config/defaults.toml`,
      `[container_registry]\nurl = "${registry.host}/fleet"\n`,
    );
    await Deno.mkdir(`${ws}/containers/web`, { recursive: true });
    await Deno.writeTextFile(
      `${ws}/containers/web/Containerfile`,
      "FROM scratch\nCOPY hello /hello\n",
    );
    await Deno.writeTextFile(`${ws}/containers/web/hello`, "hello\n");
    await makeKeyPair(ws, "cosign");
    await makeKeyPair(ws, "other");

    const built = await iago(["build", "web", "--sign", "--key", "cosign.key"], { cwd: ws });
    assert.equal(built.code, 0, built.stderr);
    const digest = /pushed \S+@(sha256:[0-9a-f]{64})/.exec(built.stdout)?.[1];
    assert.ok(digest, built.stdout);
    assert.match(
      built.stdout,
      new RegExp(
        `web: signed ${registry.host}/fleet/web@${digest} \\(key, sha256-${
          digest.slice(7)
        }\\.sig\\)`,
      ),
    );
    const ok = await iago(["verify", "web", "--key", "cosign.pub"], { cwd: ws });
    assert.equal(ok.code, 0, ok.stderr);
    const wrong = await iago(["verify", "web", "--key", "other.pub"], { cwd: ws });
    assert.equal(wrong.code, 1);

    const noPush = await iago(["build", "web", "--sign", "--key", "cosign.key", "--no-push"], {
      cwd: ws,
    });
    assert.equal(noPush.code, 2);
    assert.match(noPush.stderr, /--sign needs a pushed image/);
    const keyOnly = await iago(["build", "web", "--key", "cosign.key"], { cwd: ws });
    assert.equal(keyOnly.code, 2);
    const missingKey = await iago(["build", "web", "--sign", "--key", "nope.key"], { cwd: ws });
    assert.equal(missingKey.code, 1);
    assert.match(missingKey.stderr, /Cannot read nope\.key: no such file/);
  } finally {
    await registry.stop();
  }
});
