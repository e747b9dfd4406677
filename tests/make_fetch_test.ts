/**
 * scripts/make_fetch.ts stands for make-fetch-happen in the release bundle: what
 * @sigstore/sign asks of it, against a local server (the bundle's keyless signing through
 * Fulcio and Rekor stand-ins is in tests/bundle_test.ts).
 */
import assert from "node:assert/strict";
import * as makeFetch from "../scripts/make_fetch.ts";

const fetch = makeFetch.default;

/** A server answering with `statuses` in turn (then 200), recording each request. */
function serve(statuses: number[] = []) {
  const requests: { method: string; path: string; body: string; agent: string | null }[] = [];
  const never = Promise.withResolvers<void>();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const path = new URL(req.url).pathname;
    requests.push({
      method: req.method,
      path,
      body: await req.text(),
      agent: req.headers.get("x-agent"),
    });
    if (path === "/moved") return Response.redirect(new URL("/here", req.url), 302);
    if (path === "/silent") await never.promise;
    const status = statuses.shift() ?? 200;
    return Response.json({ status }, { status });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    requests,
    async [Symbol.asyncDispose]() {
      never.resolve();
      await server.shutdown();
    },
  };
}

const quick = { minTimeout: 1 };

Deno.test("make_fetch is shaped like the CommonJS make-fetch-happen for the bundle's require", () => {
  // esbuild's __importDefault: a module with __esModule is taken as it is, else wrapped.
  assert.equal(makeFetch.__esModule, true);
  assert.equal(typeof makeFetch.default, "function");
});

Deno.test("make_fetch sends the method, headers and body, and follows a redirect", async () => {
  await using server = serve();
  const r = await fetch(`${server.url}/moved`, {
    method: "post",
    headers: { "x-agent": "sigstore" },
    body: '{"a":1}',
  });
  assert.equal(r.status, 200);
  assert.deepEqual(await r.json(), { status: 200 });
  // A 302 makes a POST a GET without its body, in make-fetch-happen as in every fetch.
  assert.deepEqual(server.requests, [
    { method: "POST", path: "/moved", body: '{"a":1}', agent: "sigstore" },
    { method: "GET", path: "/here", body: "", agent: "sigstore" },
  ]);
});

Deno.test("make_fetch retries a GET after 408, 420, 429 and 5xx answers, as often as asked", async () => {
  await using server = serve([503, 429, 420, 408, 500]);
  const r = await fetch(`${server.url}/token`, { retry: { retries: 5, ...quick } });
  assert.equal(r.status, 200);
  assert.equal(server.requests.length, 6);

  // Out of retries: the last answer is the result.
  await using twice = serve([502, 503, 504]);
  const last = await fetch(`${twice.url}/token`, { retry: { retries: 1, ...quick } });
  assert.equal(last.status, 503);
  assert.equal(twice.requests.length, 2);
});

Deno.test("make_fetch answers a 4xx at once, retries no POST, and none unless asked", async () => {
  await using server = serve([404, 503, 503]);
  assert.equal((await fetch(`${server.url}/a`, { retry: { retries: 2, ...quick } })).status, 404);
  // sigstore retries its POSTs itself (retry: false).
  const post = await fetch(`${server.url}/b`, { method: "POST", body: "x", retry: 2 });
  assert.equal(post.status, 503);
  assert.equal((await fetch(`${server.url}/c`, { retry: false })).status, 503);
  assert.equal((await fetch(`${server.url}/d`, { retry: true })).status, 200);
  assert.deepEqual(server.requests.map((r) => r.path), ["/a", "/b", "/c", "/d"]);
});

Deno.test("make_fetch gives up after `timeout` ms without an answer, and a refused connection once its retries are spent", async () => {
  await using server = serve();
  await assert.rejects(() => fetch(`${server.url}/silent`, { timeout: 50 }), {
    name: "TimeoutError",
  });
  await assert.rejects(
    () => fetch(`${server.url}/silent`, { timeout: 50, retry: { retries: 1, ...quick } }),
    { name: "TimeoutError" },
  );
  assert.equal(server.requests.length, 3);

  // A closed port: the error once the retries are spent.
  const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const url = `http://127.0.0.1:${(closed.addr as Deno.NetAddr).port}/`;
  closed.close();
  await assert.rejects(() => fetch(url, { retry: { retries: 1, ...quick } }), TypeError);
});
