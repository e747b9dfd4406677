import assert from "node:assert/strict";
import { bundleFromJSON } from "@sigstore/bundle";
import { listReferrers, RegistryClient } from "../../src/registry/mod.ts";
import {
  BUNDLE_MEDIA_TYPE,
  oidcToken,
  readSignatures,
  signImage,
  signingMaterial,
} from "../../src/sign/mod.ts";
import { iago, tempDir } from "../helpers/cli.ts";
import { startRegistry } from "../helpers/registry.ts";
import { randomBlob, streamOf, testImage } from "../registry/_images.ts";
import { identityToken, startSigstore } from "./_sigstore.ts";

const ISSUER = "https://issuer.standin.example";

async function pushImage(client: RegistryClient, repo: string, seed: string) {
  const layer = randomBlob(300);
  const image = testImage(layer, seed);
  await client.pushBlob(repo, layer, streamOf(layer.bytes));
  await client.pushBlob(repo, image.config, streamOf(image.config.bytes));
  return await client.putManifest(repo, "latest", image.manifest, image.mediaType);
}

Deno.test("keyless: Fulcio and Rekor stand-ins certify and log the signature; verify checks identity and issuer", async () => {
  const registry = await startRegistry();
  await using dir = await tempDir();
  const sigstore = await startSigstore(dir.path);
  try {
    const client = new RegistryClient(registry.host, { insecure: true });
    const digest = await pushImage(client, "fleet/web", "one");
    const result = await signImage({
      client,
      repo: "fleet/web",
      digest,
      reference: `${registry.host}/fleet/web`,
      keyless: {
        identityToken: identityToken("me@example.com", ISSUER),
        fulcioUrl: sigstore.fulcioUrl,
        rekorUrl: sigstore.rekorUrl,
      },
    });
    assert.equal(result.mode, "keyless");
    assert.equal(result.logIndex, "0");
    assert.equal(sigstore.entries.length, 1);
    const [sig] = await readSignatures(client, "fleet/web", digest);
    assert.match(sig.certificate!, /^-----BEGIN CERTIFICATE-----/);
    assert.ok(JSON.parse(sig.bundle!).SignedEntryTimestamp);
    const [referrer] = await listReferrers(client, "fleet/web", digest, BUNDLE_MEDIA_TYPE);
    const layer = JSON.parse(new TextDecoder().decode(
      (await client.getManifest("fleet/web", referrer.digest)).bytes,
    )).layers[0];
    const bundle = bundleFromJSON(
      await new Response(await client.getBlob("fleet/web", layer.digest)).json(),
    );
    assert.equal(bundle.mediaType, BUNDLE_MEDIA_TYPE);
    assert.equal(bundle.verificationMaterial.content.$case, "certificate");

    await Deno.mkdir(`${dir.path}/ws`);
    const env = {
      SIGSTORE_ROOT_FILE: sigstore.rootsFile,
      SIGSTORE_REKOR_PUBLIC_KEY: sigstore.rekorKeyFile,
    };
    const verify = (args: string[]) =>
      iago(["verify", `${registry.host}/fleet/web`, ...args], { cwd: `${dir.path}/ws`, env });
    const ok = await verify([
      "--certificate-identity",
      "me@example.com",
      "--certificate-oidc-issuer",
      ISSUER,
    ]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(
      ok.stdout,
      /1 of 1 signature valid for identity me@example\.com from https:\/\/issuer/,
    );
    const regexp = await verify([
      "--certificate-identity-regexp",
      "^me@",
      "--certificate-oidc-issuer",
      ISSUER,
    ]);
    assert.equal(regexp.code, 0, regexp.stderr);

    const otherIdentity = await verify([
      "--certificate-identity",
      "you@example.com",
      "--certificate-oidc-issuer",
      ISSUER,
    ]);
    assert.equal(otherIdentity.code, 1);
    assert.match(otherIdentity.stderr, /the certificate is for me@example\.com/);
    const otherIssuer = await verify([
      "--certificate-identity",
      "me@example.com",
      "--certificate-oidc-issuer",
      "https://evil",
    ]);
    assert.equal(otherIssuer.code, 1);
    assert.match(otherIssuer.stderr, /OIDC issuer is https:\/\/issuer\.standin\.example/);

    // A CA that is not trusted: the same signature fails.
    const foreign = await startSigstore(await Deno.makeTempDir({ dir: dir.path }));
    await foreign.stop();
    const untrusted = await iago(
      [
        "verify",
        `${registry.host}/fleet/web`,
        "--certificate-identity",
        "me@example.com",
        "--certificate-oidc-issuer",
        ISSUER,
      ],
      { cwd: `${dir.path}/ws`, env: { ...env, SIGSTORE_ROOT_FILE: foreign.rootsFile } },
    );
    assert.equal(untrusted.code, 1);
    assert.match(untrusted.stderr, /does not chain to a trusted root/);
    const otherLog = await iago(
      [
        "verify",
        `${registry.host}/fleet/web`,
        "--certificate-identity",
        "me@example.com",
        "--certificate-oidc-issuer",
        ISSUER,
      ],
      { cwd: `${dir.path}/ws`, env: { ...env, SIGSTORE_REKOR_PUBLIC_KEY: foreign.rekorKeyFile } },
    );
    assert.equal(otherLog.code, 1);
    assert.match(otherLog.stderr, /Rekor entry timestamp does not verify/);
  } finally {
    await sigstore.stop();
    await registry.stop();
  }
});

Deno.test("keyless without trust roots or without a token says what to set", async () => {
  await using dir = await tempDir();
  const r = await iago(
    [
      "verify",
      "127.0.0.1:1/a/b",
      "--certificate-identity",
      "me@x",
      "--certificate-oidc-issuer",
      "https://i",
    ],
    { cwd: dir.path, env: { SIGSTORE_ROOT_FILE: undefined, SIGSTORE_REKOR_PUBLIC_KEY: undefined } },
  );
  assert.equal(r.code, 1);
  assert.match(r.stderr, /no Sigstore trust roots\n.*SIGSTORE_ROOT_FILE/);
  await assert.rejects(
    signingMaterial({ baseDir: dir.path, env: {} }),
    /Cannot sign keyless: no OIDC identity token/,
  );
  const material = await signingMaterial({
    baseDir: dir.path,
    env: {
      SIGSTORE_ID_TOKEN: "t",
      SIGSTORE_FULCIO_URL: "http://f",
      SIGSTORE_REKOR_URL: "http://r",
    },
  });
  assert.deepEqual(material, {
    keyless: { identityToken: "t", fulcioUrl: "http://f", rekorUrl: "http://r" },
  });
});

Deno.test("in GitHub Actions the OIDC token is requested for the sigstore audience", async () => {
  const seen: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const url = new URL(req.url);
    seen.push(`${url.searchParams.get("audience")} ${req.headers.get("authorization")}`);
    return req.headers.get("authorization") === "Bearer runner-secret"
      ? Response.json({ value: "oidc-jwt" })
      : new Response("no", { status: 403 });
  });
  try {
    const url = `http://127.0.0.1:${server.addr.port}/token?api-version=2.0`;
    assert.equal(
      await oidcToken({
        ACTIONS_ID_TOKEN_REQUEST_URL: url,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: "runner-secret",
      }),
      "oidc-jwt",
    );
    assert.deepEqual(seen, ["sigstore Bearer runner-secret"]);
    const err = await oidcToken({
      ACTIONS_ID_TOKEN_REQUEST_URL: url,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: "bad",
    })
      .catch((e) => e);
    assert.match(err.message, /Cannot get an OIDC token from GitHub Actions/);
    assert.doesNotMatch(err.format(), /bad|runner-secret/);
    assert.equal(
      await oidcToken({ SIGSTORE_ID_TOKEN: "explicit", ACTIONS_ID_TOKEN_REQUEST_URL: url }),
      "explicit",
    );
  } finally {
    await server.shutdown();
  }
});
