import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { RegistryClient, staticCredentials } from "../../src/registry/mod.ts";
import { signatureTag, signImage } from "../../src/sign/mod.ts";
import { iago, tempDir } from "../helpers/cli.ts";
import { startRegistry } from "../helpers/registry.ts";
import { randomBlob, streamOf, testImage } from "../registry/_images.ts";
import { makeKeyPair } from "./_keys.ts";

const MAIN = fileURLToPath(new URL("../../main.ts", import.meta.url));

/** `iago ARGS` as its own process (the token of `--token -` comes from its stdin). */
async function iagoProcess(args: string[], options: { cwd: string; stdin: string }) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    cwd: options.cwd,
    env: { NO_COLOR: "1", GITHUB_TOKEN: "", OP_SERVICE_ACCOUNT_TOKEN: "" },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(options.stdin));
  await writer.close();
  const out = await child.output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b).trim();
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

async function pushImage(client: RegistryClient, repo: string, seed: string) {
  const layer = randomBlob(300);
  const image = testImage(layer, seed);
  await client.pushBlob(repo, layer, streamOf(layer.bytes));
  await client.pushBlob(repo, image.config, streamOf(image.config.bytes));
  return await client.putManifest(repo, "latest", image.manifest, image.mediaType);
}

async function workspace(dir: string, registry: string) {
  await Deno.mkdir(`${dir}/config`, { recursive: true });
  await Deno.writeTextFile(
    `${dir}/config/defaults.toml`,
    `[container_registry]\nurl = "${registry}/fleet"\nusername = "ci"\n`,
  );
}

Deno.test("iago verify exits 0 for the signing key, 1 for another key, a re-pushed image and signatures of another digest", async () => {
  const registry = await startRegistry();
  await using dir = await tempDir();
  try {
    await workspace(dir.path, registry.host);
    const keys = await makeKeyPair(dir.path, "cosign");
    await makeKeyPair(dir.path, "other");
    const client = new RegistryClient(registry.host, { insecure: true });
    const digest = await pushImage(client, "fleet/web", "one");
    await signImage({
      client,
      repo: "fleet/web",
      digest,
      reference: `${registry.host}/fleet/web`,
      key: { pem: keys.keyPem, file: "cosign.key" },
    });

    const ok = await iago(["verify", "web", "--key", "cosign.pub"], { cwd: dir.path });
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(
      ok.stdout,
      `Verified ${registry.host}/fleet/web:latest@${digest}: 1 of 1 signature valid for key cosign.pub`,
    );

    const json = await iago([
      "verify",
      `${registry.host}/fleet/web`,
      "--key",
      "cosign.pub",
      "--json",
    ], {
      cwd: dir.path,
    });
    assert.equal(json.code, 0);
    assert.equal(JSON.parse(json.stdout).verified, true);

    const wrong = await iago(["verify", "web", "--key", "other.pub"], { cwd: dir.path });
    assert.equal(wrong.code, 1);
    assert.match(
      wrong.stderr,
      /error: No valid signature for .*fleet\/web:latest@sha256:[0-9a-f]{64} \(1 checked against key other\.pub\)/,
    );
    assert.match(wrong.stderr, /signature 1: the signature does not verify with the given key/);

    const second = await pushImage(client, "fleet/web", "two");
    const stale = await iago(["verify", "web", "--key", "cosign.pub"], { cwd: dir.path });
    assert.equal(stale.code, 1);
    assert.match(stale.stderr, /error: No signature for .*fleet\/web:latest@sha256:/);

    // The first image's signatures put under the second one's .sig tag sign the first digest.
    const sigs = await client.getManifest("fleet/web", signatureTag(digest));
    await client.putManifest("fleet/web", signatureTag(second), sigs.bytes, sigs.mediaType);
    const copied = await iago(["verify", "web", "--key", "cosign.pub"], { cwd: dir.path });
    assert.equal(copied.code, 1);
    assert.match(copied.stderr, new RegExp(`signature 1: it signs ${digest}, not ${second}`));
    assert.match(copied.stderr, /hint: the signatures stored for this digest sign another image/);

    const missingTag = await iago(["verify", "web", "--tag", "v9", "--key", "cosign.pub"], {
      cwd: dir.path,
    });
    assert.equal(missingTag.code, 1);
    assert.match(missingTag.stderr, /Cannot verify .*fleet\/web:v9: no such tag in the registry/);
  } finally {
    await registry.stop();
  }
});

Deno.test("iago verify without a key or identity is a usage error", async () => {
  await using dir = await tempDir();
  const none = await iago(["verify", "web"], { cwd: dir.path });
  assert.equal(none.code, 2);
  assert.match(none.stderr, /Nothing to verify with/);
  const both = await iago(
    [
      "verify",
      "web",
      "--key",
      "k.pub",
      "--certificate-identity",
      "me@x",
      "--certificate-oidc-issuer",
      "https://i",
    ],
    { cwd: dir.path },
  );
  assert.equal(both.code, 2);
  const noIssuer = await iago(["verify", "web", "--certificate-identity", "me@x"], {
    cwd: dir.path,
  });
  assert.equal(noIssuer.code, 2);
  assert.match(noIssuer.stderr, /--certificate-oidc-issuer/);
});

Deno.test("tokens never reach output or IAGO_DEBUG traces, accepted or refused", async () => {
  const secret = "ghp_S3CRET_token_value_4242";
  const registry = await startRegistry({ htpasswd: { user: "ci", password: secret } });
  await using dir = await tempDir();
  try {
    await workspace(dir.path, registry.host);
    const keys = await makeKeyPair(dir.path, "cosign");
    const client = new RegistryClient(registry.host, {
      insecure: true,
      credentials: staticCredentials({ username: "ci", password: secret, source: "test" }),
    });
    const digest = await pushImage(client, "fleet/web", "one");
    await signImage({
      client,
      repo: "fleet/web",
      digest,
      reference: `${registry.host}/fleet/web`,
      key: { pem: keys.keyPem, file: "cosign.key" },
    });
    const env = { IAGO_DEBUG: "1", GITHUB_TOKEN: undefined, OP_SERVICE_ACCOUNT_TOKEN: undefined };
    const viaFlag = await iago(["verify", "web", "--key", "cosign.pub", "--token", secret], {
      cwd: dir.path,
      env,
    });
    assert.equal(viaFlag.code, 0, viaFlag.stderr);
    assert.match(viaFlag.stderr, /GET http:\/\/127\.0\.0\.1:\d+\/v2\/fleet\/web\/manifests\//);
    // As for plan, status and build: --token-file and --token - keep the token out of argv.
    await Deno.writeTextFile(`${dir.path}/registry-token`, `${secret}\n`);
    const viaFile = await iago(
      ["verify", "web", "--key", "cosign.pub", "--token-file", "registry-token"],
      { cwd: dir.path, env },
    );
    assert.equal(viaFile.code, 0, viaFile.stderr);
    const viaStdin = await iagoProcess(["verify", "web", "--key", "cosign.pub", "--token", "-"], {
      cwd: dir.path,
      stdin: `${secret}\n`,
    });
    assert.equal(viaStdin.code, 0, viaStdin.stderr);
    assert.match(viaStdin.stdout, /^Verified .* 1 of 1 signature valid for key cosign\.pub$/);
    const viaEnv = await iago(["verify", "web", "--key", "cosign.pub"], {
      cwd: dir.path,
      env: { ...env, GITHUB_TOKEN: secret },
    });
    assert.equal(viaEnv.code, 0, viaEnv.stderr);
    const refused = await iago(["verify", "web", "--key", "cosign.pub"], {
      cwd: dir.path,
      env: { ...env, GITHUB_TOKEN: `${secret}-wrong` },
    });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /refused the credentials from GITHUB_TOKEN: 401/);
    const none = await iago(["verify", "web", "--key", "cosign.pub"], { cwd: dir.path, env });
    assert.equal(none.code, 1);
    assert.match(none.stderr, /asks for credentials and none were found/);
    for (const r of [viaFlag, viaFile, viaStdin, viaEnv, refused, none]) {
      const all = r.stdout + r.stderr;
      assert.ok(!all.includes(secret), `the token leaked:\n${all}`);
      assert.ok(!all.includes(btoa(`ci:${secret}`)), "the Basic header leaked");
    }
  } finally {
    await registry.stop();
  }
});
