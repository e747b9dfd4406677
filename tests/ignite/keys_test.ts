import assert from "node:assert/strict";
import { join } from "node:path";
import { githubKeys, parseKeys } from "../../src/keys/github.ts";
import { tempDir } from "../helpers/cli.ts";
import { keyServer } from "./fixtures.ts";

const KEY_A = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGl0ZXN0a2V5YWFhYWFhYWFhYWFhYWFhYWFhYWFh";
const KEY_B = "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTY= laptop";

Deno.test("parseKeys() keeps SSH public key lines once and drops anything else", () => {
  assert.deepEqual(parseKeys(`${KEY_A}\n\n<html>\n${KEY_B}\n${KEY_A}\n`), [KEY_A, KEY_B]);
});

Deno.test("githubKeys() fetches USER.keys, caches them, and serves the cache with a warning when the lookup fails", async () => {
  await using dir = await tempDir();
  const cacheDir = join(dir.path, ".iago", "keys");
  let down = 0;
  const gh = keyServer({ octo: `${KEY_A}\n${KEY_B}\n` }, () => down);
  try {
    const first = await githubKeys("octo", { baseUrl: gh.url, cacheDir });
    assert.deepEqual(first, { keys: [KEY_A, KEY_B], from: "github" });
    assert.deepEqual(gh.requests, ["/octo.keys"]);
    assert.equal(await Deno.readTextFile(join(cacheDir, "octo.keys")), `${KEY_A}\n${KEY_B}\n`);

    down = 503;
    const cached = await githubKeys("octo", { baseUrl: gh.url, cacheDir, retries: 1 });
    assert.deepEqual(cached.keys, [KEY_A, KEY_B]);
    assert.equal(cached.from, "cache");
    assert.match(
      cached.warning!,
      /Cannot fetch the SSH keys of GitHub user "octo" \(.*HTTP 503\); using the cached keys/,
    );
    assert.equal(gh.requests.length, 3, "one retry after a 503");

    down = 0;
    const missing = await githubKeys("nobody", { baseUrl: gh.url, cacheDir });
    assert.deepEqual(missing.keys, []);
    assert.equal(missing.from, "none");
    assert.match(missing.warning!, /no such user \(404\)/);
  } finally {
    await gh.server.shutdown();
  }
});

Deno.test("githubKeys() with nothing listening and no cache gives no keys and a warning", async () => {
  await using dir = await tempDir();
  const r = await githubKeys("octo", {
    baseUrl: "http://127.0.0.1:9",
    cacheDir: join(dir.path, "keys"),
    retries: 0,
  });
  assert.equal(r.from, "none");
  assert.match(r.warning!, /cannot connect/);
});

Deno.test("githubKeys() treats a 200 answer without a key line (captive portal) as a failed lookup and keeps the cache", async () => {
  await using dir = await tempDir();
  const cacheDir = join(dir.path, ".iago", "keys");
  const gh = keyServer({ octo: `${KEY_A}\n`, ghost: "" });
  try {
    await githubKeys("octo", { baseUrl: gh.url, cacheDir });
    gh.server.shutdown();
    await gh.server.finished;
    const portal = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      () => new Response("<html><body>Please log in to the hotel Wi-Fi</body></html>"),
    );
    try {
      const url = `http://127.0.0.1:${portal.addr.port}`;
      const r = await githubKeys("octo", { baseUrl: url, cacheDir });
      assert.deepEqual(r.keys, [KEY_A]);
      assert.equal(r.from, "cache");
      assert.match(
        r.warning!,
        /answered without an SSH key line, as a login page or proxy does\); using the cached keys/,
      );
      assert.equal(await Deno.readTextFile(join(cacheDir, "octo.keys")), `${KEY_A}\n`);
      const none = await githubKeys("stranger", { baseUrl: url, cacheDir });
      assert.equal(none.from, "none");
    } finally {
      await portal.shutdown();
    }
  } finally {
    await gh.server.shutdown().catch(() => {});
  }
});

Deno.test("githubKeys() takes an empty answer as a user without keys", async () => {
  await using dir = await tempDir();
  const gh = keyServer({ ghost: "" });
  try {
    const r = await githubKeys("ghost", { baseUrl: gh.url, cacheDir: join(dir.path, "keys") });
    assert.deepEqual(r, { keys: [], from: "github" });
  } finally {
    await gh.server.shutdown();
  }
});
