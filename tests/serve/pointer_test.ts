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
import { certificates } from "./_tls.ts";

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

Deno.test("serve --pointer --ca embeds the CA, with which a client trusting nothing else gets the config from the HTTPS server", async () => {
  await using dir = await tempDir();
  await fleet(dir.path);
  const { ca, cert, key } = await certificates(dir.path, ["127.0.0.1"]);
  const server = await startServer(new Workspace(dir.path), {
    hostname: "127.0.0.1",
    port: 0,
    tls: { cert: await Deno.readTextFile(cert), key: await Deno.readTextFile(key) },
    machines: [],
    once: false,
    log: () => {},
    note: () => {},
    onWarning: (w) => {
      throw new Error(`unexpected warning: ${w}`);
    },
  });
  try {
    const r = await iago(["serve", "--pointer", "db", "--url", server.baseUrl, "--ca", ca], {
      cwd: dir.path,
      env: ENV,
    });
    assert.equal(r.code, 0, r.stderr);
    await assertValidIgnition(r.stdout, "db's pointer with a CA");
    const { ignition } = JSON.parse(r.stdout);
    assert.match(ignition.config.replace.source, /^https:\/\/127\.0\.0\.1:\d+\/ignition\?name=db&/);
    const cas = ignition.security.tls.certificateAuthorities;
    assert.equal(cas.length, 1);
    const trusted = await (await fetch(cas[0].source)).text();
    assert.equal(trusted, await Deno.readTextFile(ca));
    // A client trusting only that CA, as Ignition will, gets db's config.
    const client = Deno.createHttpClient({ caCerts: [trusted] });
    try {
      const res = await fetch(ignition.config.replace.source, { client });
      assert.equal(res.status, 200);
      assert.equal(
        await res.text(),
        await Deno.readTextFile(join(dir.path, "output/ignition/db.ign")),
      );
    } finally {
      client.close();
    }
  } finally {
    await server.shutdown();
  }
});

Deno.test("iago -C DIR serve --pointer reads --ca relative to the workspace, not the current directory", async () => {
  await using dir = await tempDir();
  const ws = join(dir.path, "fleet");
  await Deno.mkdir(ws);
  await fleet(ws);
  const { ca } = await certificates(ws, ["10.0.0.2"]);
  const r = await iago(
    [
      "-C",
      "fleet",
      "serve",
      "--pointer",
      "web",
      "--url",
      "https://10.0.0.2:8443",
      "--ca",
      "ca.crt",
    ],
    { cwd: dir.path, env: ENV },
  );
  assert.equal(r.code, 0, r.stderr);
  await assertValidIgnition(r.stdout, "web's pointer with a CA from the workspace");
  const cas = JSON.parse(r.stdout).ignition.security.tls.certificateAuthorities;
  assert.equal(await (await fetch(cas[0].source)).text(), await Deno.readTextFile(ca));
});

Deno.test("serve --pointer refuses a missing --url, two machines, a URL Ignition cannot fetch and a bad --ca, printing nothing", async () => {
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
    [
      ["web", "--url", "https://10.0.0.2:8443", "--ca", "missing.crt"],
      /^error: Cannot read the CA certificate "missing\.crt": no such file$/m,
    ],
    [
      ["web", "--url", "https://10.0.0.2:8443", "--ca", join(dir.path, "config/defaults.toml")],
      /--ca holds no PEM certificate/,
    ],
    [
      ["web", "--url", "http://10.0.0.2:8080", "--ca", join(dir.path, "ca.crt")],
      /--ca is for an https:\/\/ --url, not "http:\/\/10\.0\.0\.2:8080"/,
    ],
  ];
  await certificates(dir.path, ["10.0.0.2"]);
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

Deno.test("iago serve --ca without --pointer is a usage error", async () => {
  await using dir = await tempDir();
  await fleet(dir.path);
  const r = await iago(["serve", "--urls", "--ca", join(dir.path, "ca.crt")], {
    cwd: dir.path,
    env: ENV,
  });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--ca goes with --pointer/);
});
