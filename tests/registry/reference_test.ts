import assert from "node:assert/strict";
import {
  isInsecureRegistry,
  mergeScopes,
  parseChallenge,
  parseImageReference,
  redactUrl,
} from "../../src/registry/mod.ts";
import { UsageError } from "../../src/errors.ts";

Deno.test("parseImageReference() normalises Docker Hub names and keeps tags, digests and ports", () => {
  const digest = `sha256:${"a".repeat(64)}`;
  const cases: [string, object][] = [
    ["alpine", { registry: "registry-1.docker.io", repository: "library/alpine" }],
    ["docker.io/alpine:3.20", {
      registry: "registry-1.docker.io",
      repository: "library/alpine",
      tag: "3.20",
    }],
    ["index.docker.io/me/app", { registry: "registry-1.docker.io", repository: "me/app" }],
    ["ghcr.io/me/web:latest", { registry: "ghcr.io", repository: "me/web", tag: "latest" }],
    [`localhost:5000/web@${digest}`, { registry: "localhost:5000", repository: "web", digest }],
    [`127.0.0.1:5000/a/b:v1@${digest}`, {
      registry: "127.0.0.1:5000",
      repository: "a/b",
      tag: "v1",
      digest,
    }],
    ["quay.io/fedora/fedora-bootc:42", {
      registry: "quay.io",
      repository: "fedora/fedora-bootc",
      tag: "42",
    }],
  ];
  for (const [input, want] of cases) {
    assert.deepEqual(
      Object.fromEntries(Object.entries(parseImageReference(input)).filter(([, v]) => v)),
      want,
      input,
    );
  }
});

Deno.test("parseImageReference() rejects bad references with a usage error that quotes them", () => {
  for (const bad of ["", "Upper/Case", "ghcr.io/me/web:", "web@sha256:short", "a b", "x/-y"]) {
    assert.throws(() => parseImageReference(bad), (e: unknown) => {
      assert.ok(e instanceof UsageError, bad);
      assert.match(e.message, /^Invalid image reference "/);
      return true;
    });
  }
});

Deno.test("parseChallenge() reads Basic and Bearer with several scopes and an error", () => {
  assert.deepEqual(parseChallenge('Basic realm="Registry Realm"'), {
    scheme: "basic",
    realm: "Registry Realm",
    service: undefined,
    scopes: [],
    error: undefined,
  });
  assert.deepEqual(
    parseChallenge(
      'Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:a:push,pull repository:b:pull",error="insufficient_scope"',
    ),
    {
      scheme: "bearer",
      realm: "https://ghcr.io/token",
      service: "ghcr.io",
      scopes: ["repository:a:push,pull", "repository:b:pull"],
      error: "insufficient_scope",
    },
  );
  assert.equal(parseChallenge("Negotiate abc"), undefined);
  assert.equal(parseChallenge(null), undefined);
});

Deno.test("mergeScopes() unions the actions of one repository", () => {
  assert.deepEqual(
    mergeScopes(["repository:a:pull", "repository:b:pull", "repository:a:push,pull"]),
    ["repository:a:pull,push", "repository:b:pull"],
  );
});

Deno.test("redactUrl() drops user info and the query", () => {
  assert.equal(
    redactUrl("https://u:p@host/v2/x/blobs/uploads/1?_state=abc&X-Amz-Signature=zzz"),
    "https://host/v2/x/blobs/uploads/1",
  );
});

Deno.test("isInsecureRegistry() is true for loopback and listed hosts only", () => {
  assert.equal(isInsecureRegistry("localhost:5000"), true);
  assert.equal(isInsecureRegistry("127.0.0.9:5000"), true);
  assert.equal(isInsecureRegistry("[::1]:5000"), true);
  assert.equal(isInsecureRegistry("ghcr.io"), false);
  assert.equal(isInsecureRegistry("reg.lan:5000", ["reg.lan"]), true);
  assert.equal(isInsecureRegistry("reg.lan:5000", ["other.lan"]), false);
});
