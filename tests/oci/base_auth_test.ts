import assert from "node:assert/strict";
import { join } from "node:path";
import { iago, tempDir } from "../helpers/cli.ts";
import { startRegistry } from "../helpers/registry.ts";
import { makeWorkspace, writeTree } from "./fixtures.ts";

Deno.test("a base-image registry asking for credentials gets a hint for that registry, not one to set the push token", async () => {
  const base = await startRegistry({ htpasswd: { user: "ci", password: "base-pass-123" } });
  await using dir = await tempDir();
  try {
    const ws = join(dir.path, "ws");
    await makeWorkspace(ws, "127.0.0.1:9/team");
    await writeTree(join(ws, "containers", "web"), {
      Containerfile: `FROM ${base.host}/base:1\nLABEL a=1\n`,
    });
    const r = await iago(["build", "web", "--no-push", "--platform", "linux/amd64"], {
      cwd: ws,
      env: {
        GITHUB_TOKEN: "ghp_push-token-456",
        OP_SERVICE_ACCOUNT_TOKEN: undefined,
        REGISTRY_AUTH_FILE: join(ws, "none.json"),
        HOME: dir.path,
        XDG_RUNTIME_DIR: undefined,
      },
    });
    assert.equal(r.code, 1, r.stderr);
    const [message, hint] = r.stderr.split("\n");
    assert.match(
      message,
      new RegExp(`Containerfile:1: .*${base.host} asks for credentials and none were found`),
    );
    assert.equal(
      hint,
      `  hint: log in to it with "podman login ${base.host}" (or docker login), which iago reads from the auth file; --token and GITHUB_TOKEN are sent only to the push registry, 127.0.0.1:9`,
    );
    assert.ok(!r.stderr.includes("ghp_push-token-456"));
  } finally {
    await base.stop();
  }
});
