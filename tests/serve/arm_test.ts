/**
 * Per-machine arms of `iago serve` over real HTTP on 127.0.0.1: arming one machine of a running
 * server for one more fetch (within a window), without a restart and without touching the
 * others; a used or expired arm denied like every other denial; the log saying armed and
 * disarmed; `--armed-only`; `--disarm`; `--rotate` taking effect on a running server.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type ArmEvent,
  armMachines,
  type FetchEntry,
  formatArmEvent,
  type RunningServer,
  startServer,
} from "../../src/serve/mod.ts";
import { Workspace } from "../../src/workspace.ts";
import { iago, tempDir } from "../helpers/cli.ts";
import { ENV, fleet } from "./_fleet.ts";

const MAIN = fileURLToPath(new URL("../../main.ts", import.meta.url));

type Served = RunningServer & { log: FetchEntry[]; notes: ArmEvent[] };

async function serve(
  dir: string,
  options: { once?: boolean; armedOnly?: boolean } = {},
): Promise<Served> {
  const log: FetchEntry[] = [];
  const notes: ArmEvent[] = [];
  const server = await startServer(new Workspace(dir), {
    hostname: "127.0.0.1",
    port: 0,
    machines: [],
    once: options.once ?? false,
    armedOnly: options.armedOnly,
    log: (e) => log.push(e),
    note: (e) => notes.push(e),
    onWarning: (w) => {
      throw new Error(`unexpected warning: ${w}`);
    },
  });
  return { ...server, log, notes };
}

async function tokenOf(dir: string, name: string): Promise<string> {
  return JSON.parse(await Deno.readTextFile(join(dir, ".iago/serve/tokens.json")))[name];
}

async function fetchConfig(server: Served, dir: string, name: string, token?: string) {
  const res = await fetch(
    `${server.baseUrl}/ignition?name=${name}&token=${token ?? await tokenOf(dir, name)}`,
  );
  const body = await res.text();
  return { status: res.status, body, reason: server.log.at(-1)!.reason };
}

/** Waits (up to 60 s, far above a loaded machine's file watcher) for the log to say `text`. */
async function noted(server: Served, text: RegExp): Promise<ArmEvent> {
  for (let i = 0; i < 600; i++) {
    const hit = server.notes.find((e) => text.test(formatArmEvent(e)));
    if (hit) return hit;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the log never said ${text}: ${server.notes.map(formatArmEvent).join("\n")}`);
}

Deno.test("serve --arm lets one machine of a running --once server be fetched once more; a used arm gets the same 404", async () => {
  await using dir = await tempDir();
  await fleet(dir.path);
  const server = await serve(dir.path, { once: true });
  try {
    const expected = await Deno.readTextFile(join(dir.path, "output/ignition/web.ign"));
    assert.equal((await fetchConfig(server, dir.path, "web")).status, 200);
    assert.equal((await fetchConfig(server, dir.path, "db")).status, 200);
    const refused = await fetchConfig(server, dir.path, "web");
    assert.equal(refused.status, 404);

    const r = await iago(["serve", "--arm", "web", "--window", "15m"], {
      cwd: dir.path,
      env: ENV,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^web: armed \(one fetch, until \S+Z\)$/);
    // The running server says so without being asked.
    const armed = await noted(server, /machine=web: armed/);
    assert.match(
      formatArmEvent(armed),
      /^\S+Z arm machine=web: armed \(one fetch, until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\)$/,
    );

    const again = await fetchConfig(server, dir.path, "web");
    assert.equal(again.status, 200, again.reason);
    assert.equal(again.body, expected);
    await noted(
      server,
      /^\S+ arm machine=web: disarmed \(its one fetch was served to 127\.0\.0\.1\)$/,
    );
    const used = await fetchConfig(server, dir.path, "web");
    assert.deepEqual(
      { status: used.status, body: used.body },
      { status: refused.status, body: refused.body },
    );
    assert.match(used.reason, /^its one-time arm was used at \S+ by 127\.0\.0\.1$/);
    // db was not armed: still used up by its first fetch.
    const db = await fetchConfig(server, dir.path, "db");
    assert.equal(db.status, 404);
    assert.match(db.reason, /^one-time config, fetched already at /);
    assert.deepEqual(server.notes.map((e) => [e.machine, e.armed]), [["web", true], [
      "web",
      false,
    ]]);
  } finally {
    await server.shutdown();
  }
});

Deno.test("an arm's window closes: the log says so when it closes, and a fetch after it gets 404", async () => {
  await using dir = await tempDir();
  await fleet(dir.path);
  const server = await serve(dir.path);
  try {
    const ws = new Workspace(dir.path);
    await armMachines(ws, ["web"], { windowMs: 1_000 });
    const closed = await noted(server, /machine=web: disarmed \(its window closed at \S+Z\)/);
    const until = Date.parse(/closed at (\S+)\)/.exec(formatArmEvent(closed))![1]);
    assert.ok(closed.time.getTime() >= until, "said before the window closed");
    const late = await fetchConfig(server, dir.path, "web");
    assert.equal(late.status, 404);
    assert.match(late.reason, /^its arm expired at \S+Z$/);
    // The server serves the others as it was started to: every time.
    assert.equal((await fetchConfig(server, dir.path, "db")).status, 200);
    assert.equal((await fetchConfig(server, dir.path, "db")).status, 200);
  } finally {
    await server.shutdown();
  }
});

Deno.test("serve --armed-only serves no machine until it is armed; --disarm takes an arm back", async () => {
  await using dir = await tempDir();
  await fleet(dir.path);
  const server = await serve(dir.path, { armedOnly: true });
  try {
    const none = await fetchConfig(server, dir.path, "web");
    assert.equal(none.status, 404);
    assert.equal(none.reason, "not armed (iago serve --arm web)");
    const armed = await iago(["serve", "--arm", "web", "db"], { cwd: dir.path, env: ENV });
    assert.equal(
      armed.stdout,
      "web: armed (one fetch, no time limit)\ndb: armed (one fetch, no time limit)",
    );
    await noted(server, /machine=db: armed/);
    const disarmed = await iago(["serve", "--disarm", "db"], { cwd: dir.path, env: ENV });
    assert.equal(disarmed.stdout, "db: disarmed");
    await noted(server, /machine=db: disarmed \(iago serve --disarm\)/);
    const armLine = async (name: string) =>
      (await iago(["serve", "--urls", name], { cwd: dir.path, env: ENV })).stdout.split("\n")
        .find((l) => l.startsWith("  arm "));
    assert.equal(await armLine("web"), "  arm       armed (one fetch, no time limit)");
    assert.equal((await fetchConfig(server, dir.path, "web")).status, 200);
    assert.match((await armLine("web"))!, /^ {2}arm {7}used at \S+Z by 127\.0\.0\.1$/);
    assert.equal(await armLine("db"), undefined);
    const db = await fetchConfig(server, dir.path, "db");
    assert.equal(db.status, 404);
    assert.equal(db.reason, "not armed (iago serve --arm db)");
    const again = await iago(["serve", "--disarm", "db"], { cwd: dir.path, env: ENV });
    assert.equal(again.stdout, "db: was not armed");
  } finally {
    await server.shutdown();
  }
});

/**
 * Sets the serve state files' times to one moment long past, so the server trusts their stat
 * alone and only a new inode or size tells it a file changed.
 */
async function settle(dir: string): Promise<void> {
  const past = new Date("2001-01-01T00:00:00Z");
  for (const f of ["tokens.json", "fetched.json", "arms.json"]) {
    await Deno.utime(join(dir, ".iago/serve", f), past, past).catch((err) => {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    });
  }
}

Deno.test("a running server answers by an arm or disarm of another run at once, whether its files look fresh or settled", async () => {
  for (const settled of [false, true]) {
    await using dir = await tempDir();
    await fleet(dir.path);
    const server = await serve(dir.path, { armedOnly: true });
    const step = async (...args: string[]) => {
      const r = await iago(["serve", ...args], { cwd: dir.path, env: ENV });
      assert.equal(r.code, 0, r.stderr);
      if (settled) await settle(dir.path);
    };
    const answer = async () => {
      const r = await fetchConfig(server, dir.path, "web");
      return `${r.status} ${r.reason.replace(/ at \S+ by /, " at T by ")}`;
    };
    try {
      if (settled) await settle(dir.path);
      const seen = [await answer()];
      // No waiting for the file watcher: each answer right after the other run returned.
      await step("--arm", "web");
      seen.push(await answer(), await answer());
      if (settled) await settle(dir.path);
      await step("--arm", "web");
      seen.push(await answer());
      await step("--arm", "web");
      await step("--disarm", "web");
      seen.push(await answer());
      await step("--arm", "web", "--window", "10m");
      seen.push(await answer());
      const db = await fetchConfig(server, dir.path, "db");
      assert.equal(db.reason, "not armed (iago serve --arm db)");
      assert.deepEqual(seen, [
        "404 not armed (iago serve --arm web)",
        `200 ${server.log[1].reason}`,
        "404 its one-time arm was used at T by 127.0.0.1",
        `200 ${server.log[1].reason}`,
        "404 not armed (iago serve --arm web)",
        `200 ${server.log[1].reason}`,
      ], `settled: ${settled}`);
    } finally {
      await server.shutdown();
    }
  }
});

Deno.test("serve --rotate takes effect on a running server: the old token is refused, the new one served", async () => {
  await using dir = await tempDir();
  await fleet(dir.path);
  const server = await serve(dir.path, { once: true });
  try {
    const old = await tokenOf(dir.path, "web");
    assert.equal((await fetchConfig(server, dir.path, "web", old)).status, 200);
    const r = await iago(["serve", "--rotate", "--json", "web"], { cwd: dir.path, env: ENV });
    assert.equal(r.code, 0, r.stderr);
    const fresh = new URL(JSON.parse(r.stdout)[0].ignition).searchParams.get("token")!;
    const stale = await fetchConfig(server, dir.path, "web", old);
    assert.equal(stale.status, 404);
    assert.equal(stale.reason, "wrong token");
    // Rotating re-arms a one-time config: the running server does not hold the old fetch.
    assert.equal((await fetchConfig(server, dir.path, "web", fresh)).status, 200);
  } finally {
    await server.shutdown();
  }
});

Deno.test("iago serve prints arms in its log, as a process, and refuses --arm without names or beside --urls", async () => {
  await using dir = await tempDir();
  await fleet(dir.path);
  const none = await iago(["serve", "--arm"], { cwd: dir.path, env: ENV });
  assert.equal(none.code, 2);
  assert.match(none.stderr, /Name the machines to arm/);
  const both = await iago(["serve", "--arm", "--urls", "web"], { cwd: dir.path, env: ENV });
  assert.equal(both.code, 2);
  assert.match(both.stderr, /--urls, --rotate, --arm, --disarm and --pointer each do one thing/);
  const unknown = await iago(["serve", "--arm", "wbe"], { cwd: dir.path, env: ENV });
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /No machine "wbe"/);

  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, "serve", "--listen", "127.0.0.1:0", "--armed-only"],
    cwd: dir.path,
    env: ENV,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const read = async (stream: ReadableStream<Uint8Array>, until: RegExp) => {
    const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    while (!until.test(text)) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
    reader.releaseLock();
    return text;
  };
  try {
    const started = await read(child.stderr, /serving Ignition on (\S+) /);
    assert.match(started, /, armed machines only/);
    const base = /as (http:\/\/\S+?)[, ]/.exec(started)![1];
    const armed = await iago(["serve", "--arm", "web", "--window", "10m"], {
      cwd: dir.path,
      env: ENV,
    });
    assert.equal(armed.code, 0, armed.stderr);
    const log = read(child.stdout, /disarmed/);
    const token = await tokenOf(dir.path, "web");
    // Once the server has said it is armed (its watcher), the fetch is served.
    let res = { status: 0 };
    for (let i = 0; i < 100 && res.status !== 200; i++) {
      res = await fetch(`${base}/ignition?name=web&token=${token}`);
      await (res as Response).body?.cancel();
    }
    assert.equal(res.status, 200);
    const lines = (await log).trim().split("\n");
    assert.match(lines[0], /^\S+Z arm machine=web: armed \(one fetch, until \S+Z\)$/);
    assert.match(lines[1], /^\S+Z 127\.0\.0\.1 GET \/ignition machine=web: allowed \(\d+ bytes\)$/);
    assert.match(
      lines[2],
      /^\S+Z arm machine=web: disarmed \(its one fetch was served to 127\.0\.0\.1\)$/,
    );
    for (const l of lines) assert.ok(!l.includes(token), l);
  } finally {
    child.kill("SIGTERM");
    assert.equal((await child.status).code, 0);
    await child.stderr.cancel().catch(() => {});
    await child.stdout.cancel().catch(() => {});
  }
});
