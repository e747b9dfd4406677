import assert from "node:assert/strict";
import { RegistryError } from "../../src/registry/errors.ts";
import { DEFAULT_RETRY, withRetries } from "../../src/registry/http.ts";

const limited = (retryAfterMs: number) =>
  new RegistryError("Cannot push to registry.test: 429 Too Many Requests", {
    status: 429,
    url: "https://registry.test/v2/",
    retryable: true,
    retryAfterMs,
  });

Deno.test("withRetries() waits the Retry-After a registry asks for, up to the documented 300 s", async () => {
  assert.equal(DEFAULT_RETRY.maxRetryAfterMs, 300_000);
  let waited: number | undefined;
  const stop = new Error("stop before sleeping");
  const err = await withRetries(() => Promise.reject(limited(120_000)), DEFAULT_RETRY, (_e, d) => {
    waited = d;
    throw stop;
  }).catch((e) => e);
  assert.equal(err, stop);
  assert.equal(waited, 120_000, "Retry-After: 120 is a 120 s wait, not the 8 s backoff cap");
});

Deno.test("withRetries() gives up at once, saying why, when Retry-After is beyond the cap", async () => {
  let attempts = 0;
  const err = await withRetries(() => {
    attempts++;
    return Promise.reject(limited(3_600_000));
  }, DEFAULT_RETRY).catch((e) => e);
  assert.equal(attempts, 1);
  assert.ok(err instanceof RegistryError);
  assert.equal(err.status, 429);
  assert.match(
    err.message,
    /429 Too Many Requests; it asks to retry after 3600 s, longer than iago waits \(300 s\)$/,
  );
  assert.equal(err.hint, "run again later");
});
