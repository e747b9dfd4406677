import assert from "node:assert/strict";
import {
  listReferrers,
  pushReferrer,
  RegistryClient,
  RegistryError,
  sha256,
  staticCredentials,
} from "../../src/registry/mod.ts";
import { startRegistry } from "../helpers/registry.ts";
import { randomBlob, streamOf, testImage } from "./_images.ts";
import { startStandin } from "./_standins.ts";

const FAST_RETRY = { baseDelayMs: 1, maxDelayMs: 5 };

async function skopeo(args: string[]): Promise<string> {
  const out = await new Deno.Command("skopeo", { args, stdout: "piped", stderr: "piped" })
    .output();
  assert.ok(out.success, `skopeo ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  return new TextDecoder().decode(out.stdout);
}

async function readStream(s: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(s).arrayBuffer());
}

async function pushImage(client: RegistryClient, repo: string, tag: string, seed = "x") {
  const layer = randomBlob(3000);
  const image = testImage(layer, seed);
  await client.pushBlob(repo, layer, streamOf(layer.bytes));
  await client.pushBlob(repo, image.config, streamOf(image.config.bytes));
  const digest = await client.putManifest(repo, tag, image.manifest, image.mediaType);
  return { layer, image, digest };
}

Deno.test("an anonymous push is readable by skopeo and an unchanged blob is not uploaded again", async () => {
  const registry = await startRegistry();
  try {
    const events: string[] = [];
    const client = new RegistryClient(registry.host, {
      insecure: true,
      onProgress: (e) => events.push(`${e.state} ${e.digest.slice(7, 15)}`),
    });
    const layer = randomBlob(5 * 1024 * 1024 + 17); // above the buffering limit: streamed
    const image = testImage(layer);
    assert.equal(await client.pushBlob("fleet/web", layer, streamOf(layer.bytes)), "uploaded");
    assert.equal(
      await client.pushBlob("fleet/web", image.config, streamOf(image.config.bytes)),
      "uploaded",
    );
    const digest = await client.putManifest("fleet/web", "latest", image.manifest, image.mediaType);

    const raw = await skopeo([
      "inspect",
      "--tls-verify=false",
      "--raw",
      `docker://${registry.host}/fleet/web:latest`,
    ]);
    assert.equal(raw, new TextDecoder().decode(image.manifest));
    const got = await client.getManifest("fleet/web", "latest");
    assert.deepEqual(got, { bytes: image.manifest, mediaType: image.mediaType, digest });
    assert.deepEqual(
      await readStream(await client.getBlob("fleet/web", layer.digest)),
      layer.bytes,
    );

    assert.equal(
      await client.pushBlob("fleet/web", layer, () => {
        throw new Error("an existing blob must not be read");
      }),
      "exists",
    );
    assert.ok(events.includes(`uploaded ${layer.digest.slice(7, 15)}`));
    assert.ok(events.includes(`exists ${layer.digest.slice(7, 15)}`));
    assert.equal(await client.resolveTag("fleet/web", "latest"), digest);
    assert.equal(await client.resolveTag("fleet/web", "nope"), undefined);
    assert.deepEqual(await client.listTags("fleet/web"), ["latest"]);
  } finally {
    await registry.stop();
  }
});

Deno.test("a blob that exists in another repository of the registry is mounted, not uploaded", async () => {
  const registry = await startRegistry();
  try {
    const client = new RegistryClient(registry.host, { insecure: true });
    const { layer } = await pushImage(client, "base/os", "1");
    const result = await client.pushBlob("fleet/db", layer, () => {
      throw new Error("a mounted blob must not be read");
    }, { mountFrom: "base/os" });
    assert.equal(result, "mounted");
    assert.equal(await client.hasBlob("fleet/db", layer.digest), true);
  } finally {
    await registry.stop();
  }
});

Deno.test("a manifest keeps its exact bytes and media type; a missing blob or tag is the registry's error code with the fix", async () => {
  const registry = await startRegistry();
  try {
    const client = new RegistryClient(registry.host, { insecure: true });
    const layer = randomBlob(100);
    const image = testImage(layer);
    const err = await client.putManifest("fleet/x", "v1", image.manifest, image.mediaType).catch(
      (e) => e,
    );
    assert.ok(err instanceof RegistryError);
    assert.equal(err.status, 400);
    assert.equal(err.code, "MANIFEST_BLOB_UNKNOWN");
    assert.equal(err.retryable, false);
    assert.match(err.message, /Cannot push manifest 127\.0\.0\.1:\d+\/fleet\/x:v1: 400/);
    assert.match(err.hint ?? "", /blob the manifest lists is missing .*run the command again/);

    const missing = await client.getManifest("fleet/x", "nothing").catch((e) => e);
    assert.ok(missing instanceof RegistryError);
    assert.equal(missing.status, 404);
    assert.equal(missing.code, "MANIFEST_UNKNOWN");
    assert.equal(
      missing.hint,
      `check the tag or digest: it is not in that repository ("skopeo list-tags docker://${registry.host}/fleet/x" lists its tags)`,
    );
  } finally {
    await registry.stop();
  }
});

Deno.test("htpasswd: Basic credentials push; none or wrong ones fail without showing the password", async () => {
  const registry = await startRegistry({ htpasswd: { user: "ci", password: "s3cret-pass" } });
  try {
    const good = new RegistryClient(registry.host, {
      insecure: true,
      credentials: staticCredentials({
        username: "ci",
        password: "s3cret-pass",
        source: "--token",
      }),
    });
    const { digest } = await pushImage(good, "fleet/web", "latest");
    assert.equal((await good.getManifest("fleet/web", digest)).digest, digest);

    const anonymous = new RegistryClient(registry.host, { insecure: true });
    const none = await anonymous.hasBlob("fleet/web", digest).catch((e) => e);
    assert.ok(none instanceof RegistryError);
    assert.equal(none.status, 401);
    assert.match(
      none.message,
      new RegExp(`${registry.host} asks for credentials and none were found`),
    );
    assert.match(none.hint!, /--token.*GITHUB_TOKEN.*OP_SERVICE_ACCOUNT_TOKEN.*podman login/);

    const wrong = new RegistryClient(registry.host, {
      insecure: true,
      credentials: staticCredentials({
        username: "ci",
        password: "wrong-pass-123",
        source: "GITHUB_TOKEN",
      }),
    });
    const refused = await wrong.hasBlob("fleet/web", digest).catch((e) => e);
    assert.ok(refused instanceof RegistryError);
    assert.match(refused.message, /refused the credentials from GITHUB_TOKEN: 401/);
    assert.equal(refused.retryable, false);
    assert.doesNotMatch(refused.format(), /wrong-pass-123/);
    assert.doesNotMatch(none.format() + refused.format(), /s3cret-pass/);
  } finally {
    await registry.stop();
  }
});

Deno.test("Bearer: a token is fetched with every scope asked for, refreshed when it expires mid-push", async () => {
  const registry = await startRegistry();
  const standin = startStandin({
    upstream: registry.host,
    bearer: { user: "me", password: "tok-AAAA", anonymousPull: true },
  });
  try {
    const debug: string[] = [];
    const client = new RegistryClient(standin.host, {
      insecure: true,
      credentials: staticCredentials({
        username: "me",
        password: "tok-AAAA",
        source: "GITHUB_TOKEN",
      }),
      debug: (l) => debug.push(l),
    });
    const { layer } = await pushImage(client, "base/os", "1");
    standin.expireTokens();
    // The push after expiry: HEAD gets 401, a new token is fetched, the upload goes on.
    const tokensBefore = standin.tokenRequests.length;
    const other = randomBlob(2000);
    assert.equal(await client.pushBlob("fleet/web", other, streamOf(other.bytes)), "uploaded");
    assert.ok(standin.tokenRequests.length > tokensBefore);

    // A fresh client asks for both repositories' scopes in one token for the mount.
    const mounter = new RegistryClient(standin.host, {
      insecure: true,
      credentials: staticCredentials({ username: "me", password: "tok-AAAA", source: "--token" }),
    });
    const mounted = await mounter.pushBlob("fleet/db", layer, streamOf(layer.bytes), {
      mountFrom: "base/os",
    });
    assert.equal(mounted, "mounted");
    const mountToken = standin.tokenRequests.at(-1)!;
    assert.ok(mountToken.withCredentials);
    assert.deepEqual(mountToken.scopes, [
      "repository:base/os:pull",
      "repository:fleet/db:pull,push",
    ]);
    assert.ok(standin.log.some((l) => l.startsWith("PUT /v2/fleet/web/blobs/uploads/")));
    assert.ok(!debug.join("\n").includes("tok-AAAA"), "the token is not in debug lines");
    assert.ok(!debug.join("\n").includes("_state"), "upload state queries are not logged");

    const anonymous = new RegistryClient(standin.host, { insecure: true });
    assert.equal(await anonymous.hasBlob("base/os", layer.digest), true);
    const denied = await anonymous.pushBlob("base/os", other, streamOf(other.bytes)).catch((e) =>
      e
    );
    assert.ok(denied instanceof RegistryError);
    assert.match(denied.message, /asks for credentials and none were found/);
  } finally {
    await standin.stop();
    await registry.stop();
  }
});

Deno.test("Bearer: wrong credentials at the token service name their source, not their value", async () => {
  const registry = await startRegistry();
  const standin = startStandin({
    upstream: registry.host,
    bearer: { user: "me", password: "right" },
  });
  try {
    const client = new RegistryClient(standin.host, {
      insecure: true,
      credentials: staticCredentials({
        username: "me",
        password: "ghp_wrongvalue",
        source: "1Password (op://github/pat/credential)",
      }),
    });
    const err = await client.hasBlob("fleet/web", randomBlob(1).digest).catch((e) => e);
    assert.ok(err instanceof RegistryError);
    assert.match(
      err.message,
      /refused the credentials from 1Password \(op:\/\/github\/pat\/credential\): 401.*incorrect username or password/,
    );
    assert.doesNotMatch(err.format(), /ghp_wrongvalue/);
  } finally {
    await standin.stop();
    await registry.stop();
  }
});

Deno.test("429, 503 and connection resets are retried, the body replayed; a 401 is not retried", async () => {
  const registry = await startRegistry();
  const standin = startStandin({
    upstream: registry.host,
    faults: [
      { method: "HEAD", action: 503, times: 2 },
      { method: "POST", action: 429 },
      { method: "PUT", path: "/blobs/uploads/", action: "reset" },
      { method: "PUT", path: "/manifests/", action: 502 },
    ],
  });
  try {
    const client = new RegistryClient(standin.host, { insecure: true, retry: FAST_RETRY });
    const layer = randomBlob(6 * 1024 * 1024);
    let bodies = 0;
    const result = await client.pushBlob("fleet/web", layer, () => {
      bodies++;
      return streamOf(layer.bytes)();
    });
    assert.equal(result, "uploaded");
    assert.ok(bodies >= 2, "the body was produced again for the retry");
    const image = testImage(layer);
    await client.pushBlob("fleet/web", image.config, streamOf(image.config.bytes));
    await client.putManifest("fleet/web", "latest", image.manifest, image.mediaType);
    assert.ok(standin.faults.every((f) => f.times === 0), standin.log.join("\n"));
    assert.deepEqual(
      await readStream(await client.getBlob("fleet/web", layer.digest)),
      layer.bytes,
    );
  } finally {
    await standin.stop();
    await registry.stop();
  }
  const auth = await startRegistry({ htpasswd: { user: "a", password: "b" } });
  try {
    const attempts: string[] = [];
    const client = new RegistryClient(auth.host, {
      insecure: true,
      retry: FAST_RETRY,
      credentials: staticCredentials({ username: "a", password: "nope", source: "--token" }),
      debug: (l) => attempts.push(l),
    });
    await assert.rejects(client.hasBlob("x/y", randomBlob(1).digest), RegistryError);
    assert.equal(attempts.length, 2, attempts.join("\n")); // first contact, then with credentials
  } finally {
    await auth.stop();
  }
});

Deno.test("retries stop after the policy's attempts with a retryable error that says to run again later", async () => {
  const registry = await startRegistry();
  const standin = startStandin({
    upstream: registry.host,
    faults: [{ method: "HEAD", action: 503, times: 10 }],
  });
  try {
    const debug: string[] = [];
    const client = new RegistryClient(standin.host, {
      insecure: true,
      retry: { ...FAST_RETRY, attempts: 3 },
      debug: (l) => debug.push(l),
    });
    const err = await client.hasBlob("a/b", randomBlob(1).digest).catch((e) => e);
    assert.ok(err instanceof RegistryError);
    assert.equal(err.status, 503);
    assert.equal(err.retryable, true);
    assert.equal(err.hint, "the registry failed on its side; run the command again later");
    assert.equal(standin.faults[0].times, 7);
    assert.equal(debug.filter((l) => l.startsWith("retrying in ")).length, 2);
  } finally {
    await standin.stop();
    await registry.stop();
  }
});

Deno.test("a redirected blob download does not carry Authorization to the other host", async () => {
  const registry = await startRegistry();
  const standin = startStandin({
    upstream: registry.host,
    bearer: { user: "me", password: "pw" },
    redirectBlobs: true,
  });
  try {
    const client = new RegistryClient(standin.host, {
      insecure: true,
      credentials: staticCredentials({ username: "me", password: "pw", source: "--token" }),
    });
    const { layer } = await pushImage(client, "fleet/web", "latest");
    assert.deepEqual(
      await readStream(await client.getBlob("fleet/web", layer.digest)),
      layer.bytes,
    );
    assert.deepEqual(standin.cdnAuthorizations, [null]);
    assert.ok(standin.log.some((l) => l.includes("-> 307")));
  } finally {
    await standin.stop();
    await registry.stop();
  }
});

Deno.test("a registry that refuses large monolithic uploads gets the blob in chunks", async () => {
  const registry = await startRegistry();
  const standin = startStandin({
    upstream: registry.host,
    faults: [{ method: "PUT", path: "/blobs/uploads/", action: 413, minBody: 0, times: 1 }],
  });
  try {
    const client = new RegistryClient(standin.host, { insecure: true, chunkSize: 1000 });
    const layer = randomBlob(2500);
    assert.equal(await client.pushBlob("fleet/web", layer, streamOf(layer.bytes)), "uploaded");
    assert.equal(
      standin.log.filter((l) => l.startsWith("PATCH")).length,
      3,
      standin.log.join("\n"),
    );
    assert.deepEqual(
      await readStream(await client.getBlob("fleet/web", layer.digest)),
      layer.bytes,
    );
  } finally {
    await standin.stop();
    await registry.stop();
  }
});

Deno.test("a registry that never answers times out with a retryable error naming the host", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  (async () => {
    for await (const c of listener) held.push(c);
  })().catch(() => {});
  const host = `127.0.0.1:${(listener.addr as Deno.NetAddr).port}`;
  try {
    const client = new RegistryClient(host, {
      insecure: true,
      timeoutMs: 200,
      retry: { ...FAST_RETRY, attempts: 2 },
    });
    const started = Date.now();
    const err = await client.hasBlob("a/b", randomBlob(1).digest).catch((e) => e);
    assert.ok(err instanceof RegistryError);
    assert.equal(err.status, 0);
    assert.equal(err.retryable, true);
    assert.match(err.message, /no answer within/);
    // Without the time limit it would wait for ever: any bound far above 2 x 200 ms tells.
    assert.ok(Date.now() - started < 60_000);
  } finally {
    listener.close();
    for (const c of held) c.close();
  }
});

Deno.test("a blob altered on the way fails its digest check; a deleted manifest is gone", async () => {
  const registry = await startRegistry();
  const standin = startStandin({ upstream: registry.host, tamperBlobs: true });
  try {
    const client = new RegistryClient(standin.host, { insecure: true });
    const { layer, digest } = await pushImage(client, "fleet/web", "latest");
    const err = await readStream(await client.getBlob("fleet/web", layer.digest)).catch((e) => e);
    assert.ok(err instanceof RegistryError, String(err));
    assert.match(err.message, /arrived with digest sha256:/);

    await client.deleteManifest("fleet/web", digest);
    assert.equal(await client.resolveTag("fleet/web", "latest"), undefined);
    assert.equal(await client.findManifest("fleet/web", digest), undefined);
  } finally {
    await standin.stop();
    await registry.stop();
  }
});

Deno.test("Bearer: a token that expires between starting and finishing an upload is renewed and the body sent again", async () => {
  const registry = await startRegistry();
  const standin = startStandin({
    upstream: registry.host,
    bearer: { user: "me", password: "pw" },
    faults: [{ method: "PUT", path: "/blobs/uploads/", action: "expire" }],
  });
  try {
    const client = new RegistryClient(standin.host, {
      insecure: true,
      credentials: staticCredentials({ username: "me", password: "pw", source: "--token" }),
    });
    const layer = randomBlob(5 * 1024 * 1024 + 1);
    let bodies = 0;
    const result = await client.pushBlob("fleet/web", layer, () => {
      bodies++;
      return streamOf(layer.bytes)();
    });
    assert.equal(result, "uploaded");
    assert.equal(bodies, 2);
    const puts = standin.log.filter((l) => l.startsWith("PUT /v2/fleet/web/blobs/uploads/"));
    assert.deepEqual(puts.map((l) => l.split(" -> ")[1]), ["401", "201"]);
    assert.deepEqual(
      await readStream(await client.getBlob("fleet/web", layer.digest)),
      layer.bytes,
    );
  } finally {
    await standin.stop();
    await registry.stop();
  }
});

Deno.test("referrers: the registry's API when it indexes subjects, else the sha256-<hex> tag", async () => {
  const registry = await startRegistry();
  const withApi = startStandin({ upstream: registry.host, referrersApi: true });
  try {
    for (const [host, api] of [[registry.host, false], [withApi.host, true]] as const) {
      const client = new RegistryClient(host, { insecure: true });
      const repo = api ? "fleet/api" : "fleet/tag";
      const { digest, image } = await pushImage(client, repo, "latest");
      const empty = new TextEncoder().encode("{}");
      const emptyDesc = {
        mediaType: "application/vnd.oci.empty.v1+json",
        digest: sha256(empty),
        size: 2,
      };
      await client.pushBlob(repo, emptyDesc, streamOf(empty));
      const artifact = new TextEncoder().encode(JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        artifactType: "application/example",
        config: emptyDesc,
        layers: [emptyDesc],
        subject: { mediaType: image.mediaType, digest, size: image.manifest.length },
      }));
      const referrer = await pushReferrer(client, repo, digest, {
        bytes: artifact,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
      });
      const found = await listReferrers(client, repo, digest, "application/example");
      assert.deepEqual(found.map((d) => d.digest), [referrer]);
      assert.equal(await client.resolveTag(repo, `sha256-${digest.slice(7)}`) !== undefined, !api);
      assert.deepEqual(await listReferrers(client, repo, digest, "application/other"), []);
    }
  } finally {
    await withApi.stop();
    await registry.stop();
  }
});

Deno.test("a signal ends a request under way and a wait between retries at once, with its reason", async () => {
  // A registry that asks to come back in a minute, and one that never answers.
  const busy = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => new Response("", { status: 503, headers: { "retry-after": "60" } }),
  );
  const silent = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  let accepted = Promise.withResolvers<void>();
  const held: Deno.Conn[] = [];
  (async () => {
    for await (const c of silent) {
      held.push(c);
      accepted.resolve();
    }
  })().catch(() => {});
  try {
    const cases = [
      { port: busy.addr.port, what: "the wait before a retry" },
      { port: (silent.addr as Deno.NetAddr).port, what: "a request under way" },
    ];
    for (const { port, what } of cases) {
      const waiting = Promise.withResolvers<void>();
      accepted = Promise.withResolvers<void>();
      const controller = new AbortController();
      // Time limits far beyond the test: only the signal can end the call.
      const client = new RegistryClient(`127.0.0.1:${port}`, {
        insecure: true,
        timeoutMs: 3_600_000,
        signal: controller.signal,
        debug: (line) => line.startsWith("retrying in ") && waiting.resolve(),
      });
      const call = client.resolveTag("fleet/web", "latest").catch((e) => e);
      await (port === busy.addr.port ? waiting.promise : accepted.promise);
      const stop = new DOMException("stopped by SIGTERM", "AbortError");
      controller.abort(stop);
      assert.equal(await call, stop, what);
    }
  } finally {
    await busy.shutdown();
    silent.close();
    for (const c of held) c.close();
  }
});
