/**
 * `iago serve` over real HTTP(S) on 127.0.0.1: matching by name and MAC, tokens, one-time
 * configs, windows, the log, reloads while serving, TLS and a clean stop.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  type ArmEvent,
  type FetchEntry,
  formatEntry,
  normalizeMac,
  parseDuration,
  parseListen,
  type RunningServer,
  startServer,
} from "../../src/serve/mod.ts";
import { Workspace } from "../../src/workspace.ts";
import { iago, tempDir } from "../helpers/cli.ts";
import { ENV, fleet } from "./_fleet.ts";
import { serveProcess } from "./_process.ts";
import { certificates } from "./_tls.ts";

async function serve(
  dir: string,
  options: {
    once?: boolean;
    windowMs?: number;
    armedOnly?: boolean;
    machines?: string[];
    tls?: { cert: string; key: string };
    now?: () => number;
  } = {},
): Promise<
  RunningServer & {
    log: FetchEntry[];
    notes: ArmEvent[];
    token: (name: string) => Promise<string>;
  }
> {
  const log: FetchEntry[] = [];
  const notes: ArmEvent[] = [];
  const server = await startServer(new Workspace(dir), {
    hostname: "127.0.0.1",
    port: 0,
    machines: options.machines ?? [],
    once: options.once ?? false,
    windowMs: options.windowMs,
    armedOnly: options.armedOnly,
    tls: options.tls,
    now: options.now,
    images: {
      kernel: "http://boot.example/kernel",
      initrd: "http://boot.example/initramfs.img",
      rootfs: "http://boot.example/rootfs.img",
    },
    log: (e) => log.push(e),
    note: (e) => notes.push(e),
    onWarning: (w) => {
      throw new Error(`unexpected warning: ${w}`);
    },
  });
  const token = async (name: string) =>
    JSON.parse(await Deno.readTextFile(join(dir, ".iago/serve/tokens.json")))[name];
  return { ...server, log, notes, token };
}

async function get(
  url: string,
  client?: Deno.HttpClient,
): Promise<{ status: number; body: string }> {
  const res = await fetch(url, client ? { client } : {});
  return { status: res.status, body: await res.text() };
}

Deno.test("normalizeMac() reads matchbox and iPXE MAC forms, any case", () => {
  for (
    const text of [
      "52:54:00:12:34:56",
      "52-54-00-12-34-56",
      "52:54:00:12:34:56".toUpperCase(),
      "525400123456",
    ]
  ) {
    assert.equal(normalizeMac(text), "52:54:00:12:34:56", text);
  }
  for (const text of ["52:54:00:12:34", "52:54-00:12:34:56", "52:54:00:12:34:5g", "", "x"]) {
    assert.equal(normalizeMac(text), undefined, text);
  }
});

Deno.test("parseListen() and parseDuration() read what the flags take, and refuse the rest", () => {
  assert.deepEqual(parseListen("127.0.0.1:8080"), { hostname: "127.0.0.1", port: 8080 });
  assert.deepEqual(parseListen(":8080"), { hostname: "0.0.0.0", port: 8080 });
  assert.deepEqual(parseListen("[::1]:80"), { hostname: "::1", port: 80 });
  assert.throws(() => parseListen("host:99999"), /Invalid --listen "host:99999"/);
  assert.equal(parseDuration("90s"), 90_000);
  assert.equal(parseDuration("2h"), 7_200_000);
  assert.throws(() => parseDuration("5 min"), /Invalid duration "5 min"/);
});

Deno.test("serve gives a machine its Ignition file by name or by MAC in any form, with its token only", async () => {
  await using dir = await tempDir();
  await fleet(dir.path, "52:54:00:ab:cd:ef");
  const server = await serve(dir.path);
  try {
    const expected = await Deno.readTextFile(join(dir.path, "output/ignition/web.ign"));
    const token = await server.token("web");
    assert.match(token, /^[A-Za-z0-9_-]{43}$/);
    const base = server.baseUrl;
    for (
      const query of [
        "name=web",
        "mac=52:54:00:ab:cd:ef",
        "mac=52-54-00-ab-cd-ef",
        "mac=52-54-00-AB-CD-EF",
        "mac=52:54:00:Ab:cD:eF",
        "mac=52-54-00-ab-cd-ef",
        "mac=525400abcdef",
      ]
    ) {
      const r = await get(`${base}/ignition?${query}&token=${token}`);
      assert.equal(r.status, 200, query);
      assert.equal(r.body, expected, query);
    }
    // Each denial is the same 404; only the log says why.
    const dbToken = await server.token("db");
    const denied = {
      [`name=web&token=${dbToken}`]: "wrong token",
      // One character off (a token may end in "A" already: 1 run in 64 failed).
      [`name=web&token=${token.slice(0, -1)}${token.endsWith("A") ? "B" : "A"}`]: "wrong token",
      "name=web": "no token",
      [`mac=52:54:00:12:34:57&token=${token}`]: "unknown MAC",
      [`mac=nonsense&token=${token}`]: "not a MAC address",
      [`name=nosuch&token=${token}`]: "unknown machine",
      [`name=web&mac=52:54:00:00:00:01&token=${token}`]: "MAC is not this machine's",
    };
    const first = await get(`${base}/ignition?name=nosuch&token=${token}`);
    for (const [query, reason] of Object.entries(denied)) {
      server.log.length = 0;
      const r = await get(`${base}/ignition?${query}`);
      assert.deepEqual(r, first, query);
      assert.equal(r.status, 404);
      assert.equal(server.log.length, 1);
      assert.equal(server.log[0].allowed, false);
      assert.equal(server.log[0].reason, reason, query);
    }
    for (const e of server.log) assert.ok(!formatEntry(e).includes(token));
  } finally {
    await server.shutdown();
  }
});

Deno.test("serve logs every fetch with the remote address and the machine, never the token", async () => {
  await using dir = await tempDir();
  await fleet(dir.path, "52:54:00:ab:cd:ef");
  const server = await serve(dir.path);
  try {
    const token = await server.token("web");
    await get(`${server.baseUrl}/ignition?mac=52-54-00-ab-cd-ef&token=${token}`);
    await get(`${server.baseUrl}/ignition?name=web&token=wrong`);
    const lines = server.log.map(formatEntry);
    assert.match(
      lines[0],
      /^\d{4}-\d\d-\d\dT[\d:.]+Z 127\.0\.0\.1 GET \/ignition machine=web mac=52:54:00:ab:cd:ef: allowed \(\d+ bytes\)$/,
    );
    assert.match(lines[1], /^\S+ 127\.0\.0\.1 GET \/ignition machine=web: denied \(wrong token\)$/);
    for (const l of lines) assert.ok(!l.includes(token) && !l.includes("token="), l);
  } finally {
    await server.shutdown();
  }
});

Deno.test("serve --once refuses a second fetch, also after a restart, until the token is rotated", async () => {
  await using dir = await tempDir();
  await fleet(dir.path, "52:54:00:ab:cd:ef");
  let server = await serve(dir.path, { once: true });
  const token = await server.token("web");
  try {
    assert.equal((await get(`${server.baseUrl}/ignition?name=web&token=${token}`)).status, 200);
    assert.equal((await get(`${server.baseUrl}/ignition?name=web&token=${token}`)).status, 404);
    assert.match(server.log[1].reason, /^one-time config, fetched already at \S+ by 127\.0\.0\.1$/);
    // Another machine is not affected.
    assert.equal(
      (await get(`${server.baseUrl}/ignition?name=db&token=${await server.token("db")}`)).status,
      200,
    );
  } finally {
    await server.shutdown();
  }
  server = await serve(dir.path, { once: true });
  try {
    assert.equal(await server.token("web"), token, "the token is stable across restarts");
    assert.equal((await get(`${server.baseUrl}/ignition?name=web&token=${token}`)).status, 404);
  } finally {
    await server.shutdown();
  }
  const rotated = await iago(["serve", "--rotate", "--json", "web"], { cwd: dir.path, env: ENV });
  assert.equal(rotated.code, 0, rotated.stderr);
  const [links] = JSON.parse(rotated.stdout);
  const fresh = new URL(links.ignition).searchParams.get("token")!;
  assert.notEqual(fresh, token);
  server = await serve(dir.path, { once: true });
  try {
    assert.equal((await get(`${server.baseUrl}/ignition?name=web&token=${token}`)).status, 404);
    assert.equal((await get(`${server.baseUrl}/ignition?name=web&token=${fresh}`)).status, 200);
  } finally {
    await server.shutdown();
  }
  const stat = await Deno.stat(join(dir.path, ".iago/serve/tokens.json"));
  assert.equal(stat.mode! & 0o777, 0o600);
  assert.equal((await Deno.stat(join(dir.path, ".iago/serve"))).mode! & 0o777, 0o700);
});

Deno.test("serve --window refuses configs once the window has closed", async () => {
  await using dir = await tempDir();
  await fleet(dir.path, "52:54:00:ab:cd:ef");
  // The server's own clock, moved by the test: how long the first fetch takes cannot matter.
  let clock = Date.parse("2026-12-06T08:00:00Z");
  const server = await serve(dir.path, { windowMs: 300_000, now: () => clock });
  try {
    const url = `${server.baseUrl}/ignition?name=web&token=${await server.token("web")}`;
    clock += 300_000;
    assert.equal((await get(url)).status, 200, "the window's last moment");
    clock += 1;
    assert.equal((await get(url)).status, 404);
    assert.equal(server.log[1].reason, "the window closed at 2026-12-06T08:05:00.000Z");
  } finally {
    await server.shutdown();
  }
});

Deno.test("serve picks up an ignite and a new MAC while it runs", async () => {
  await using dir = await tempDir();
  await fleet(dir.path, "52:54:00:ab:cd:ef");
  const server = await serve(dir.path);
  try {
    const token = await server.token("web");
    const tmpl = join(dir.path, "machines/web/butane.yaml.tmpl");
    await Deno.writeTextFile(
      tmpl,
      (await Deno.readTextFile(tmpl)).replace("mode: 0644", "mode: 0640"),
    );
    const toml = join(dir.path, "machines/web/machine.toml");
    await Deno.writeTextFile(
      toml,
      (await Deno.readTextFile(toml)).replace("52:54:00:ab:cd:ef", "52:54:00:65:43:21"),
    );
    assert.equal((await iago(["ignite", "web"], { cwd: dir.path, env: ENV })).code, 0);
    const expected = await Deno.readTextFile(join(dir.path, "output/ignition/web.ign"));
    assert.match(expected, /"mode":416/);
    let r = { status: 0, body: "" };
    // Until the file watcher's event has come (far sooner than the deadline, even under load).
    const deadline = Date.now() + 60_000;
    while (r.status !== 200 && Date.now() < deadline) {
      await new Promise((res) => setTimeout(res, 100));
      r = await get(`${server.baseUrl}/ignition?mac=52-54-00-65-43-21&token=${token}`);
    }
    assert.equal(r.status, 200);
    assert.equal(r.body, expected);
    assert.equal(
      (await get(`${server.baseUrl}/ignition?mac=52-54-00-ab-cd-ef&token=${token}`)).status,
      404,
    );
  } finally {
    await server.shutdown();
  }
});

Deno.test("serve gives each machine an iPXE script that boots with its own Ignition URL", async () => {
  await using dir = await tempDir();
  await fleet(dir.path, "52:54:00:ab:cd:ef");
  const server = await serve(dir.path);
  try {
    const token = await server.token("web");
    const r = await get(`${server.baseUrl}/ipxe?mac=52-54-00-ab-cd-ef&token=${token}`);
    assert.equal(r.status, 200);
    assert.equal(
      r.body,
      "#!ipxe\n" +
        `kernel http://boot.example/kernel initrd=main coreos.live.rootfs_url=http://boot.example/rootfs.img ignition.firstboot ignition.platform.id=metal ignition.config.url=${server.baseUrl}/ignition?name=web&token=${token}\n` +
        "initrd --name main http://boot.example/initramfs.img\nboot\n",
    );
    assert.equal((await get(`${server.baseUrl}/ipxe?name=web&token=bad`)).status, 404);
  } finally {
    await server.shutdown();
  }
});

Deno.test("serve speaks HTTPS with a given certificate", async () => {
  await using dir = await tempDir();
  await fleet(dir.path, "52:54:00:ab:cd:ef");
  const { ca, cert, key } = await certificates(dir.path, ["127.0.0.1"]);
  const pem = { cert: await Deno.readTextFile(cert), key: await Deno.readTextFile(key) };
  const server = await serve(dir.path, { tls: pem });
  const client = Deno.createHttpClient({
    caCerts: [await Deno.readTextFile(ca)],
  });
  try {
    assert.match(server.baseUrl, /^https:\/\/127\.0\.0\.1:\d+$/);
    const r = await get(
      `${server.baseUrl}/ignition?name=db&token=${await server.token("db")}`,
      client,
    );
    assert.equal(r.status, 200);
    assert.equal(r.body, await Deno.readTextFile(join(dir.path, "output/ignition/db.ign")));
  } finally {
    client.close();
    await server.shutdown();
  }
});

Deno.test("iago serve --urls prints each machine's URLs and keeps its token", async () => {
  await using dir = await tempDir();
  await fleet(dir.path, "52:54:00:ab:cd:ef");
  const r = await iago(["serve", "--urls", "--url", "http://10.0.0.2:8080"], {
    cwd: dir.path,
    env: ENV,
  });
  assert.equal(r.code, 0, r.stderr);
  const tokens = JSON.parse(await Deno.readTextFile(join(dir.path, ".iago/serve/tokens.json")));
  assert.equal(
    r.stdout,
    [
      "db:",
      `  ignition  http://10.0.0.2:8080/ignition?name=db&token=${tokens.db}`,
      `  iPXE      http://10.0.0.2:8080/ipxe?name=db&token=${tokens.db}`,
      "web:",
      `  ignition  http://10.0.0.2:8080/ignition?name=web&token=${tokens.web}`,
      `  by MAC    http://10.0.0.2:8080/ignition?mac=52-54-00-ab-cd-ef&token=${tokens.web}`,
      `  iPXE      http://10.0.0.2:8080/ipxe?name=web&token=${tokens.web}`,
    ].join("\n"),
  );
  const again = await iago(["serve", "--urls", "--url", "http://10.0.0.2:8080"], {
    cwd: dir.path,
    env: ENV,
  });
  assert.equal(again.stdout, r.stdout);
});

Deno.test("iago serve stops cleanly on SIGTERM", async () => {
  await using dir = await tempDir();
  await fleet(dir.path, "52:54:00:ab:cd:ef");
  const server = await serveProcess(dir.path, ["serve", "--listen", "127.0.0.1:0"], ENV);
  const { code, stderr } = await server.stop();
  assert.match(server.address ?? "", /^http:\/\/127\.0\.0\.1:\d+$/, stderr);
  assert.equal(code, 0, stderr);
  assert.match(stderr, /stopped\n$/);
});

Deno.test("iago -C DIR serve reads --cert and --key relative to the workspace, not the current directory", async () => {
  await using dir = await tempDir();
  const ws = join(dir.path, "fleet");
  await Deno.mkdir(ws);
  await fleet(ws, "52:54:00:ab:cd:ef");
  const { ca } = await certificates(ws, ["127.0.0.1"]);
  const server = await serveProcess(dir.path, [
    "-C",
    "fleet",
    "serve",
    "--listen",
    "127.0.0.1:0",
    "--cert",
    "tls.crt",
    "--key",
    "tls.key",
  ], ENV);
  const client = Deno.createHttpClient({ caCerts: [await Deno.readTextFile(ca)] });
  try {
    assert.match(server.address ?? "", /^https:\/\/127\.0\.0\.1:\d+$/);
    const token = JSON.parse(await Deno.readTextFile(join(ws, ".iago/serve/tokens.json"))).db;
    const r = await get(`${server.address}/ignition?name=db&token=${token}`, client);
    assert.equal(r.status, 200);
    assert.equal(r.body, await Deno.readTextFile(join(ws, "output/ignition/db.ign")));
  } finally {
    client.close();
    const { code, stderr } = await server.stop();
    assert.equal(code, 0, stderr);
  }
});

Deno.test("iago -C DIR serve names a missing --cert as given, and says where relative paths start", async () => {
  await using dir = await tempDir();
  const ws = join(dir.path, "fleet");
  await Deno.mkdir(ws);
  await fleet(ws);
  await certificates(dir.path, ["127.0.0.1"]);
  // tls.crt and tls.key are in the current directory, not in the workspace.
  const r = await iago(
    ["-C", "fleet", "serve", "--listen", "127.0.0.1:0", "--cert", "tls.crt", "--key", "tls.key"],
    { cwd: dir.path, env: ENV },
  );
  assert.equal(r.code, 2);
  assert.equal(
    r.stderr,
    `error: Cannot read the certificate "tls.crt": no such file\n` +
      `  hint: a relative path is relative to the workspace (-C DIR), here ${ws}`,
  );
});

Deno.test("iago serve refuses --cert without --key, and an unknown machine", async () => {
  await using dir = await tempDir();
  await fleet(dir.path, "52:54:00:ab:cd:ef");
  const r = await iago(["serve", "--cert", "x.crt"], { cwd: dir.path, env: ENV });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--cert and --key go together/);
  const u = await iago(["serve", "--urls", "wbe"], { cwd: dir.path, env: ENV });
  assert.equal(u.code, 2);
  assert.match(u.stderr, /No machine "wbe"/);
});
