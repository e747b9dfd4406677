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
import { asIgnition214, ignitionFetch } from "./_ignition.ts";
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

Deno.test("serve --pointer refuses a missing --url, a URL Ignition cannot fetch and a bad --ca, printing nothing", async () => {
  await using dir = await tempDir();
  await fleet(dir.path);
  const cases: [string[], RegExp][] = [
    [["web"], /--pointer needs the --url machines fetch their configs from/],
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

async function httpServer(dir: string) {
  return await startServer(new Workspace(dir), {
    hostname: "127.0.0.1",
    port: 0,
    machines: [],
    once: false,
    log: () => {},
    note: () => {},
    onWarning: (w) => {
      throw new Error(`unexpected warning: ${w}`);
    },
  });
}

Deno.test("serve --pointer --hash: the real Ignition fetches the config through it over plain HTTP, and refuses it once it changed", async () => {
  await using dir = await tempDir();
  await fleet(dir.path);
  // What the server serves, as Ignition 2.14 reads it: the hash is of these bytes.
  const served = join(dir.path, "output/ignition/web.ign");
  await Deno.writeTextFile(served, asIgnition214(await Deno.readTextFile(served)));
  const server = await httpServer(dir.path);
  try {
    const r = await iago(["serve", "--pointer", "web", "--hash", "--url", server.baseUrl], {
      cwd: dir.path,
      env: ENV,
    });
    assert.equal(r.code, 0, r.stderr);
    await assertValidIgnition(r.stdout, "web's pointer with a hash");
    const { replace } = JSON.parse(r.stdout).ignition.config;
    const bytes = await Deno.readFile(served);
    const sha512 = new Uint8Array(await crypto.subtle.digest("SHA-512", bytes));
    const hex = Array.from(sha512, (b) => b.toString(16).padStart(2, "0")).join("");
    assert.deepEqual(replace.verification, { hash: `sha512-${hex}` });

    const fetched = await ignitionFetch(dir.path, asIgnition214(r.stdout));
    assert.equal(fetched.code, 0, fetched.log);
    assert.match(
      fetched.log,
      /fetched referenced config at http:\/\/127\.0\.0\.1:\d+\/ignition\?name=web/,
    );
    const files = (fetched.cached?.storage as { files: { path: string }[] }).files;
    const want = JSON.parse(new TextDecoder().decode(bytes)).storage.files;
    assert.deepEqual(
      files.map((f) => f.path).sort(),
      want.map((f: { path: string }) => f.path).sort(),
    );

    // Changed on the way or by a later ignite: Ignition refuses it.
    await Deno.writeTextFile(served, new TextDecoder().decode(bytes).replace(/}$/, " }"));
    const refused = await ignitionFetch(dir.path, asIgnition214(r.stdout));
    assert.notEqual(refused.code, 0, refused.log);
    assert.match(refused.log, /hash verification failed/);
    assert.equal(refused.cached, undefined);
  } finally {
    await server.shutdown();
  }
});

Deno.test("serve --pointer for several machines, or all, writes output/pointer/NAME.ign each (0600), each with its own token, and removes a killed run's temp file", async () => {
  await using dir = await tempDir();
  await fleet(dir.path);
  const url = "http://10.0.0.2:8080";
  // What a run killed while writing web's pointer left: it holds a token.
  const leftover = join(dir.path, "output/pointer/.web.ign.1a2b3c4d.tmp");
  await Deno.mkdir(join(dir.path, "output/pointer"), { recursive: true, mode: 0o700 });
  await Deno.writeTextFile(leftover, '{"ignition":', { mode: 0o600 });
  const all = await iago(["serve", "--pointer", "--url", url], { cwd: dir.path, env: ENV });
  assert.equal(all.code, 0, all.stderr);
  await assert.rejects(() => Deno.lstat(leftover), Deno.errors.NotFound);
  assert.equal(
    all.stdout,
    "db: written output/pointer/db.ign\nweb: written output/pointer/web.ign",
  );
  const links = JSON.parse(
    (await iago(["serve", "--urls", "--json", "--url", url], { cwd: dir.path, env: ENV })).stdout,
  );
  for (const link of links) {
    const file = join(dir.path, `output/pointer/${link.name}.ign`);
    assert.equal((await Deno.stat(file)).mode! & 0o777, 0o600, file);
    const text = await Deno.readTextFile(file);
    await assertValidIgnition(text, `${link.name}'s pointer file`);
    assert.deepEqual(JSON.parse(text), {
      ignition: { version: "3.4.0", config: { replace: { source: link.ignition } } },
    });
  }
  assert.equal((await Deno.stat(join(dir.path, "output/pointer"))).mode! & 0o777, 0o700);

  // Named, with --hash: each pins its own config.
  const named = await iago(["serve", "--pointer", "web", "db", "--hash", "--url", url], {
    cwd: dir.path,
    env: ENV,
  });
  assert.equal(named.code, 0, named.stderr);
  assert.equal(
    named.stdout,
    "web: written output/pointer/web.ign\ndb: written output/pointer/db.ign",
  );
  const hashes = new Set<string>();
  for (const name of ["web", "db"]) {
    const text = await Deno.readTextFile(join(dir.path, `output/pointer/${name}.ign`));
    await assertValidIgnition(text, `${name}'s pointer file with a hash`);
    hashes.add(JSON.parse(text).ignition.config.replace.verification.hash);
  }
  assert.equal(hashes.size, 2);

  // A machine's pointer is one of its outputs: iago rm removes it.
  const rm = await iago(["rm", "--force", "web"], { cwd: dir.path, env: ENV });
  assert.equal(rm.code, 0, rm.stderr);
  assert.match(rm.stdout, /^removed output\/pointer\/web\.ign$/m);
});

Deno.test("serve --pointer --hash refuses a machine without an Ignition file before making any token or file, --pointer a workspace without machines; --hash goes with --pointer", async () => {
  await using dir = await tempDir();
  await fleet(dir.path);
  await Deno.remove(join(dir.path, "output/ignition/db.ign"));
  await Deno.remove(join(dir.path, ".iago/serve"), { recursive: true }).catch(() => {});
  const r = await iago(["serve", "--pointer", "--hash", "--url", "http://10.0.0.2:8080"], {
    cwd: dir.path,
    env: ENV,
  });
  assert.equal(r.code, 2);
  assert.equal(
    r.stderr,
    'error: Cannot pin the config of "db": it has no Ignition file yet\n' +
      "  hint: run iago ignite db first: --hash pins the config iago serve serves now",
  );
  assert.equal(r.stdout, "");
  await assert.rejects(() => Deno.stat(join(dir.path, "output/pointer")));
  await assert.rejects(() => Deno.stat(join(dir.path, ".iago/serve/tokens.json")));

  await using empty = await tempDir();
  const none = await iago(["serve", "--pointer", "--url", "http://10.0.0.2:8080"], {
    cwd: empty.path,
    env: ENV,
  });
  assert.equal(none.code, 2);
  assert.match(
    none.stderr,
    /^error: There are no machines in this workspace to point at the server$/m,
  );
  assert.equal(none.stdout, "");

  const alone = await iago(["serve", "--urls", "--hash"], { cwd: dir.path, env: ENV });
  assert.equal(alone.code, 2);
  assert.match(alone.stderr, /^error: --hash goes with --pointer$/m);
});
