/**
 * `iago serve --pointer NAME --url URL`: the pointer config a machine boots with (a cloud's user
 * data, an embedded config) to fetch its real config from iago serve. Checked by the real
 * `ignition-validate`, and followed to a running server.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startServer } from "../../src/serve/mod.ts";
import { Workspace } from "../../src/workspace.ts";
import { iago, tempDir } from "../helpers/cli.ts";
import { assertValidIgnition } from "../ignite/fixtures.ts";
import { ENV, fleet } from "./_fleet.ts";

Deno.test("serve --pointer prints a valid Ignition config whose replace source a running server answers with the machine's config", async () => {
  await using dir = await tempDir();
  await fleet(dir.path);
  const server = await startServer(new Workspace(dir.path), {
    hostname: "127.0.0.1",
    port: 0,
    machines: [],
    once: true,
    log: () => {},
    note: () => {},
    onWarning: (w) => {
      throw new Error(`unexpected warning: ${w}`);
    },
  });
  try {
    const r = await iago(["serve", "--pointer", "web", "--url", `${server.baseUrl}/`], {
      cwd: dir.path,
      env: ENV,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "");
    await assertValidIgnition(r.stdout, "web's pointer");
    const pointer = JSON.parse(r.stdout);
    const urls = JSON.parse(
      (await iago(["serve", "--urls", "--json", "web", "--url", server.baseUrl], {
        cwd: dir.path,
        env: ENV,
      })).stdout,
    );
    assert.deepEqual(pointer, {
      ignition: { version: "3.4.0", config: { replace: { source: urls[0].ignition } } },
    });
    const res = await fetch(pointer.ignition.config.replace.source);
    assert.equal(res.status, 200);
    assert.equal(
      await res.text(),
      await Deno.readTextFile(join(dir.path, "output/ignition/web.ign")),
    );
  } finally {
    await server.shutdown();
  }
});

Deno.test("serve --pointer refuses a missing --url, two machines and a URL Ignition cannot fetch, printing nothing", async () => {
  await using dir = await tempDir();
  await fleet(dir.path);
  const cases: [string[], RegExp][] = [
    [["web"], /--pointer writes one machine's pointer config for the --url it boots from/],
    [["web", "db", "--url", "http://10.0.0.2:8080"], /--pointer writes one machine's/],
    [
      ["web", "--url", "10.0.0.2:8080"],
      /^error: Cannot point a machine at --url "10\.0\.0\.2:8080": error at \$\.ignition\.config\.replace\.source: unable to parse url$/m,
    ],
    [["web", "--url", "ftp://10.0.0.2"], /--url "ftp:\/\/10\.0\.0\.2": .*invalid url scheme$/m],
    [["wbe", "--url", "http://10.0.0.2:8080"], /No machine "wbe"/],
    [["web", "--urls", "--url", "http://10.0.0.2:8080"], /each do one thing/],
  ];
  for (const [args, message] of cases) {
    const r = await iago(["serve", "--pointer", ...args], { cwd: dir.path, env: ENV });
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.equal(r.stdout, "", args.join(" "));
  }
  // No token was made or shown for a refused pointer.
  const tokens = await Deno.readTextFile(join(dir.path, ".iago/serve/tokens.json")).catch(() => "");
  assert.equal(tokens, "");
});
