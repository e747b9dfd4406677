import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { createPublicKey } from "node:crypto";
import { bundleFromJSON } from "@sigstore/bundle";
import { toSignedEntity, toTrustMaterial, Verifier } from "@sigstore/verify";
import { IagoError } from "../../src/errors.ts";
import { listReferrers, RegistryClient } from "../../src/registry/mod.ts";
import {
  BUNDLE_MEDIA_TYPE,
  encryptCosignKey,
  loadPrivateKey,
  loadPublicKey,
  readSignatures,
  signatureTag,
  signImage,
  SIMPLE_SIGNING_TYPE,
  verifyImage,
} from "../../src/sign/mod.ts";
import { tempDir } from "../helpers/cli.ts";
import { startRegistry } from "../helpers/registry.ts";
import { randomBlob, streamOf, testImage } from "../registry/_images.ts";
import { makeKeyPair, openssl } from "./_keys.ts";

/** The referrer's bundle, checked by @sigstore/verify offline against the public key. */
async function checkBundleWithSigstoreVerify(
  client: RegistryClient,
  referrer: string,
  payload: Uint8Array,
  pubPem: string,
) {
  const manifest = JSON.parse(new TextDecoder().decode(
    (await client.getManifest("fleet/web", referrer)).bytes,
  ));
  assert.equal(manifest.artifactType, BUNDLE_MEDIA_TYPE);
  const raw = await new Response(await client.getBlob("fleet/web", manifest.layers[0].digest))
    .json();
  assert.equal(raw.mediaType, BUNDLE_MEDIA_TYPE);
  const bundle = bundleFromJSON(raw);
  const spki = createPublicKey(pubPem).export({ format: "der", type: "spki" });
  const hint = raw.verificationMaterial.publicKey.hint;
  const trust = toTrustMaterial(
    { mediaType: "", tlogs: [], certificateAuthorities: [], ctlogs: [], timestampAuthorities: [] },
    // deno-lint-ignore no-explicit-any
    { [hint]: { rawBytes: spki, keyDetails: 5 /* PKIX_ECDSA_P256_SHA_256 */ } as any },
  );
  const verifier = new Verifier(trust, {
    tlogThreshold: 0,
    ctlogThreshold: 0,
    timestampThreshold: 0,
  });
  verifier.verify(toSignedEntity(bundle, Buffer.from(payload)));
  const tampered = Buffer.from(payload);
  tampered[10] ^= 1;
  assert.throws(() => verifier.verify(toSignedEntity(bundle, tampered)));
}

async function pushImage(client: RegistryClient, repo: string, seed: string) {
  const layer = randomBlob(500);
  const image = testImage(layer, seed);
  await client.pushBlob(repo, layer, streamOf(layer.bytes));
  await client.pushBlob(repo, image.config, streamOf(image.config.bytes));
  return await client.putManifest(repo, "latest", image.manifest, image.mediaType);
}

Deno.test("a key signature is stored where cosign looks and openssl verifies it independently", async () => {
  const registry = await startRegistry();
  await using dir = await tempDir();
  try {
    const keys = await makeKeyPair(dir.path, "cosign");
    const client = new RegistryClient(registry.host, { insecure: true });
    const digest = await pushImage(client, "fleet/web", "one");
    const result = await signImage({
      client,
      repo: "fleet/web",
      digest,
      reference: `${registry.host}/fleet/web`,
      key: { pem: keys.keyPem, file: keys.key },
    });
    assert.equal(result.signatureTag, `sha256-${digest.slice(7)}.sig`);

    // Read the .sig manifest with skopeo, fetch its payload layer, check with openssl.
    const raw = new TextDecoder().decode(
      (await new Deno.Command("skopeo", {
        args: [
          "inspect",
          "--tls-verify=false",
          "--raw",
          `docker://${registry.host}/fleet/web:${signatureTag(digest)}`,
        ],
        stdout: "piped",
      }).output()).stdout,
    );
    const layer = JSON.parse(raw).layers[0];
    assert.equal(layer.mediaType, SIMPLE_SIGNING_TYPE);
    const payload = new Uint8Array(
      await (await fetch(`http://${registry.host}/v2/fleet/web/blobs/${layer.digest}`))
        .arrayBuffer(),
    );
    assert.deepEqual(JSON.parse(new TextDecoder().decode(payload)).critical, {
      identity: { "docker-reference": `${registry.host}/fleet/web` },
      image: { "docker-manifest-digest": digest },
      type: "cosign container image signature",
    });
    await Deno.writeFile(`${dir.path}/payload.json`, payload);
    await Deno.writeFile(
      `${dir.path}/sig.bin`,
      Buffer.from(layer.annotations["dev.cosignproject.cosign/signature"], "base64"),
    );
    const ok = await openssl([
      "dgst",
      "-sha256",
      "-verify",
      keys.pub,
      "-signature",
      `${dir.path}/sig.bin`,
      `${dir.path}/payload.json`,
    ]);
    assert.match(new TextDecoder().decode(ok), /Verified OK/);

    const other = await makeKeyPair(dir.path, "other");
    await assert.rejects(
      openssl([
        "dgst",
        "-sha256",
        "-verify",
        other.pub,
        "-signature",
        `${dir.path}/sig.bin`,
        `${dir.path}/payload.json`,
      ]),
    );

    // The bundle is findable as a referrer through the sha256-<hex> fallback tag.
    const referrers = await listReferrers(client, "fleet/web", digest, BUNDLE_MEDIA_TYPE);
    assert.equal(referrers.length, 1);
    assert.equal(referrers[0].digest, result.bundleDigest);
    await checkBundleWithSigstoreVerify(client, referrers[0].digest, payload, keys.pubPem);

    const pub = loadPublicKey(keys.pubPem, keys.pub);
    assert.deepEqual(await verifyImage({ client, repo: "fleet/web", digest, publicKey: pub }), {
      verified: 1,
      total: 1,
      problems: [],
      otherDigest: 0,
    });
    const wrong = await verifyImage({
      client,
      repo: "fleet/web",
      digest,
      publicKey: loadPublicKey(other.pubPem, other.pub),
    });
    assert.equal(wrong.verified, 0);
    assert.match(wrong.problems[0], /does not verify with the given key/);

    // A re-pushed image has a new digest: the old signature does not cover it.
    const repushed = await pushImage(client, "fleet/web", "two");
    const stale = await verifyImage({
      client,
      repo: "fleet/web",
      digest: repushed,
      publicKey: pub,
    });
    assert.deepEqual(stale, { verified: 0, total: 0, problems: [], otherDigest: 0 });

    // Signing again appends; both signatures are read back.
    await signImage({
      client,
      repo: "fleet/web",
      digest,
      reference: `${registry.host}/fleet/web`,
      key: { pem: other.keyPem, file: other.key },
    });
    assert.equal((await readSignatures(client, "fleet/web", digest)).length, 2);
    assert.equal((await listReferrers(client, "fleet/web", digest)).length, 2);
  } finally {
    await registry.stop();
  }
});

Deno.test("cosign's encrypted key format opens with the right password only", async () => {
  await using dir = await tempDir();
  const keys = await makeKeyPair(dir.path, "k");
  const key = loadPrivateKey(keys.keyPem, keys.key);
  const sealed = encryptCosignKey(key, "hunter2");
  assert.match(sealed, /^-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n/);
  const opened = loadPrivateKey(sealed, "cosign.key", "hunter2");
  assert.equal(
    opened.export({ format: "der", type: "pkcs8" }).toString("hex"),
    key.export({ format: "der", type: "pkcs8" }).toString("hex"),
  );
  assert.throws(() => loadPrivateKey(sealed, "cosign.key", "wrong"), (e: unknown) => {
    assert.ok(e instanceof IagoError);
    assert.equal(e.message, "Cannot read signing key cosign.key: wrong password");
    return true;
  });
  assert.throws(() => loadPrivateKey(sealed, "cosign.key"), /it is encrypted/);
});

Deno.test("keys that are not ECDSA P-256 are refused with the file named", async () => {
  await using dir = await tempDir();
  await openssl(["genpkey", "-algorithm", "ED25519", "-out", `${dir.path}/ed.key`]);
  const pem = await Deno.readTextFile(`${dir.path}/ed.key`);
  assert.throws(
    () => loadPrivateKey(pem, "ed.key"),
    /Cannot use key ed\.key: it is not an ECDSA P-256 key/,
  );
  assert.throws(
    () => loadPrivateKey("hello", "x.key"),
    /Cannot read signing key x\.key: no PEM private key/,
  );
});
