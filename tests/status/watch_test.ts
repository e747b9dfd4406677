/**
 * `iago status --watch` as its own process (signals end it), against machines played by the stub
 * `ssh` and a real registry: rounds and what changed between them, JSON Lines, appended tables,
 * the terminal redraw (under script(1), a real pty, stopped with Ctrl-C), no overlapping rounds,
 * and the exit status of the last round.
 */
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  formatChange,
  type MachineStatus,
  type StatusChange,
  statusChanges,
} from "../../src/status/mod.ts";
import { iago, tempDir } from "../helpers/cli.ts";
import { isRunning } from "../helpers/process.ts";
import { startRegistry } from "../helpers/registry.ts";
import { fleet, machineRoot, state, STUBS, tagDigest } from "./_machines.ts";

const MAIN = fileURLToPath(new URL("../../main.ts", import.meta.url));
/** How long a test waits for a round before it fails (far above a loaded machine's round). */
const ROUND_LIMIT_MS = 120_000;

/** A running `iago status --watch` whose output is read as it comes. */
class Watch {
  readonly child: Deno.ChildProcess;
  readonly #reader: ReadableStreamDefaultReader<string>;
  /** Resolves once all of stderr is read: the exit may be seen before the last of it. */
  readonly #stderrRead: Promise<void>;
  #ended?: Promise<{ code: number; stderr: string }>;
  #buffer = "";
  stderr = "";

  constructor(command: string, args: string[], cwd: string, env: Record<string, string>) {
    this.child = new Deno.Command(command, {
      args,
      cwd,
      env: { NO_COLOR: "1", ...env },
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#reader = this.child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    const stderr = this.child.stderr;
    this.#stderrRead = (async () => {
      for await (const t of stderr.pipeThrough(new TextDecoderStream())) {
        this.stderr += t;
      }
    })();
  }

  /** The output up to and including the first match of `pattern` after what was read so far. */
  async until(pattern: RegExp): Promise<string> {
    const deadline = Date.now() + ROUND_LIMIT_MS;
    while (true) {
      const m = pattern.exec(this.#buffer);
      if (m) {
        const end = m.index + m[0].length;
        const text = this.#buffer.slice(0, end);
        this.#buffer = this.#buffer.slice(end);
        return text;
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      const chunk = await Promise.race([
        this.#reader.read(),
        new Promise<"late">((r) => timer = setTimeout(() => r("late"), deadline - Date.now())),
      ]).finally(() => clearTimeout(timer));
      if (chunk === "late") throw new Error(`nothing matched ${pattern} in time:\n${this.#buffer}`);
      if (chunk.done) throw new Error(`the watch ended:\n${this.#buffer}\n${this.stderr}`);
      this.#buffer += chunk.value;
    }
  }

  /** The next JSON Lines document. */
  async round(): Promise<{ time: string; machines: MachineStatus[]; changes: StatusChange[] }> {
    return JSON.parse(await this.until(/\n/));
  }

  /**
   * Sends `signal`; its exit status and stderr. Fails when it still runs long after: whatever
   * it waits for then (a lookup, a child) is what a signal must cut short.
   */
  async stop(signal: Deno.Signal): Promise<{ code: number; stderr: string }> {
    try {
      this.child.kill(signal);
    } catch {
      // It has ended already.
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const ended = await Promise.race([
      this.child.status,
      new Promise<"running">((r) => timer = setTimeout(() => r("running"), ROUND_LIMIT_MS)),
    ]).finally(() => clearTimeout(timer));
    if (ended === "running") {
      this.child.kill("SIGKILL");
      await this.ended();
      throw new Error(`iago still ran ${ROUND_LIMIT_MS / 1000} s after ${signal}:\n${this.stderr}`);
    }
    return await this.ended();
  }

  /** Its exit status and all it wrote to stderr, once it has ended. */
  ended(): Promise<{ code: number; stderr: string }> {
    this.#ended ??= (async () => {
      const { code } = await this.child.status;
      await this.#stderrRead;
      await this.#reader.cancel().catch(() => {});
      await this.child.stdin.close().catch(() => {});
      return { code, stderr: this.stderr };
    })();
    return this.#ended;
  }
}

async function writeAtomic(path: string, text: string): Promise<void> {
  await Deno.mkdir(dirname(path), { recursive: true });
  await Deno.writeTextFile(`${path}.tmp`, text);
  await Deno.rename(`${path}.tmp`, path);
}

Deno.test("statusChanges() and formatChange() tell what changed between two rounds", () => {
  const machine = (over: Partial<MachineStatus>): MachineStatus => ({
    name: "web",
    address: "core@web.test",
    reachable: true,
    ignition: "current",
    failedUnits: [],
    containers: [{ name: "web", image: "r/web:latest", imageState: "current", unit: "active" }],
    attention: [],
    ...over,
  });
  const cases: { before: MachineStatus; now: MachineStatus; out: string[] }[] = [
    { before: machine({}), now: machine({}), out: [] },
    {
      before: machine({}),
      now: machine({
        containers: [{
          name: "web",
          image: "r/web:latest",
          imageState: "rolled back",
          unit: "active",
          health: "healthy",
          lastUpdate: { time: "2026-12-06T02:00:41Z", result: "rolled-back" },
        }],
      }),
      out: [
        "web: web image current -> rolled back",
        "web: web health - -> healthy",
        "web: web last update - -> rolled-back 2026-12-06T02:00:41Z",
      ],
    },
    {
      before: machine({}),
      now: machine({ reachable: false, error: "no answer within 15 s", containers: [] }),
      out: ["web: unreachable (no answer within 15 s)"],
    },
    {
      before: machine({ reachable: false, error: "no answer within 15 s", containers: [] }),
      now: machine({ ignition: "outdated" }),
      out: ["web: reachable again"],
    },
    {
      before: machine({ failedUnits: ["a.service"] }),
      now: machine({ ignition: "outdated", failedUnits: ["b.service"], containers: [] }),
      out: [
        "web: ignition current -> outdated",
        "web: b.service failed",
        "web: a.service no longer failed",
        "web: container web gone",
      ],
    },
  ];
  for (const c of cases) {
    assert.deepEqual(statusChanges([c.before], [c.now]).map(formatChange), c.out);
  }
  // A machine new to the watch (or gone from it) has nothing to compare with.
  assert.deepEqual(statusChanges([], [machine({})]), []);
});

Deno.test("status --watch --json: one document per round with what changed; SIGTERM exits with the last round's status", async () => {
  const registry = await startRegistry();
  await using dir = await tempDir();
  let watch: Watch | undefined;
  try {
    const ws = join(dir.path, "ws");
    const machines = join(dir.path, "machines");
    await fleet(ws, registry.host, ["db", "web"]);
    const v1 = await tagDigest(registry.host);
    const image = `${registry.host}/fleet/web:latest`;
    for (const name of ["db", "web"]) {
      await machineRoot(join(machines, `${name}.test`), name, { image, running: v1 });
    }
    watch = new Watch(
      Deno.execPath(),
      [
        "run",
        "-A",
        MAIN,
        "status",
        "--watch",
        "--interval",
        "1s",
        "--json",
        "--timeout",
        "120s",
      ],
      ws,
      { PATH: `${STUBS}:${Deno.env.get("PATH")}`, STUB_MACHINES: machines },
    );

    const first = await watch.round();
    assert.deepEqual(first.changes, []);
    assert.deepEqual(
      first.machines.map((m) => [m.name, m.containers[0].imageState]),
      [["db", "current"], ["web", "current"]],
    );

    /** Rounds until `done` holds, and every change they reported. */
    const roundsUntil = async (done: (machines: MachineStatus[]) => boolean) => {
      const changes: string[] = [];
      for (let round = await watch!.round();; round = await watch!.round()) {
        changes.push(...round.changes.map(formatChange));
        if (done(round.machines)) return changes.sort();
      }
    };
    const by = (ms: MachineStatus[], name: string) => ms.find((m) => m.name === name)!;

    // A new image is pushed: both machines have an update pending.
    await Deno.writeTextFile(join(ws, "containers/web/app.conf"), "v2\n");
    assert.equal((await iago(["build", "web"], { cwd: ws })).code, 0);
    const v2 = await tagDigest(registry.host);
    assert.deepEqual(
      await roundsUntil((ms) => ms.every((m) => m.containers[0].imageState === "update pending")),
      ["db: db image current -> update pending", "web: web image current -> update pending"],
    );

    // db tried v2 and rolled back.
    await writeAtomic(
      join(machines, "db.test/var/lib/iago/bootc-update/db.state"),
      state({
        CONTAINER: "db",
        IMAGE: image,
        CURRENT_DIGEST: v1,
        LAST_UPDATE_TIME: "2026-12-06T05:00:41Z",
        LAST_UPDATE_RESULT: "rolled-back",
        LAST_ROLLBACK_TIME: "2026-12-06T05:00:40Z",
        LAST_ROLLBACK_REASON: "health check of bootc-db failed 30s after the restart",
        BAD_DIGESTS: v2,
      }),
    );
    assert.deepEqual(
      await roundsUntil((ms) => by(ms, "db").containers[0].imageState === "rolled back"),
      [
        "db: db image update pending -> rolled back",
        "db: db last update - -> rolled-back 2026-12-06T05:00:41Z",
      ],
    );

    // web goes away.
    await Deno.rename(join(machines, "web.test"), join(machines, "web.gone"));
    assert.deepEqual(
      await roundsUntil((ms) => !by(ms, "web").reachable),
      ["web: unreachable (ssh: connect to host web.test port 22: Connection refused)"],
    );

    const end = await watch.stop("SIGTERM");
    watch = undefined;
    assert.equal(end.code, 1, end.stderr);
    assert.match(end.stderr, /^error: 2 of 2 machines need attention: db, web$/m);
  } finally {
    if (watch) await watch.stop("SIGKILL");
    await registry.stop();
  }
});

Deno.test("status --watch never starts a round before the last one ended; SIGINT ends a round under way with the last round's status", async () => {
  const registry = await startRegistry();
  await using dir = await tempDir();
  let watch: Watch | undefined;
  try {
    const ws = join(dir.path, "ws");
    const machines = join(dir.path, "machines");
    await fleet(ws, registry.host, ["slow"]);
    const root = join(machines, "slow.test");
    await machineRoot(root, "slow", {
      image: `${registry.host}/fleet/web:latest`,
      running: await tagDigest(registry.host),
    });
    // Each answer takes 2 s; rounds are due every second.
    await Deno.writeTextFile(join(root, "stub/slow"), "2\n");
    watch = new Watch(
      Deno.execPath(),
      [
        "run",
        "-A",
        MAIN,
        "status",
        "--watch",
        "--interval",
        "1s",
        "--timeout",
        "120s",
      ],
      ws,
      { PATH: `${STUBS}:${Deno.env.get("PATH")}`, STUB_MACHINES: machines },
    );

    const header = /^Every 1s: iago status, \S+Z, round took (\d+\.\d) s(.*)$/m;
    const rounds: string[] = [];
    // Each round's text ends with a blank line.
    for (let i = 0; i < 3; i++) rounds.push(await watch.until(/\n\n/));
    const times: number[] = [];
    for (const [i, text] of rounds.entries()) {
      const [, took, rest] = header.exec(text) ?? assert.fail(text);
      assert.ok(Number(took) >= 2, text);
      assert.equal(rest, " (longer than 1s: the next starts at the next tick)");
      times.push(Date.parse(/iago status, (\S+Z)/.exec(text)![1]));
      // Appended, not redrawn: plain text, and from the second round on what changed.
      assert.ok(!text.includes("\x1b"), text);
      assert.match(text, /^slow +yes +unknown +slow +current \w{12} +healthy +-$/m);
      if (i > 0) assert.match(text, /^no changes since \S+Z$/m);
    }
    // Asked again while it answered, the stub would have made the machine unreachable.
    for (let i = 1; i < times.length; i++) assert.ok(times[i] - times[i - 1] >= 2000, `${times}`);

    // Stopped while a round waits for the machine: the stub is killed, the last round counts.
    // That answer takes 10 minutes, so it cannot end by itself before the signal is handled.
    await Deno.writeTextFile(join(root, "stub/slow"), "600\n");
    const busy = join(root, "stub/busy/pid");
    let stubPid = 0;
    while (!stubPid) {
      await delay(50);
      const [pid, seconds] = (await Deno.readTextFile(busy).catch(() => "")).trim().split(" ");
      if (seconds === "600") stubPid = Number(pid);
    }
    const end = await watch.stop("SIGINT");
    watch = undefined;
    assert.equal(end.code, 0, end.stderr);
    assert.equal(end.stderr, "");
    // Killed, not waited for: it never got to the end of its answer.
    assert.ok(!isRunning(stubPid), "the ssh of the round under way was left running");
    assert.ok(await Deno.stat(busy).catch(() => false), "the round under way was waited for");
  } finally {
    if (watch) await watch.stop("SIGKILL");
    await registry.stop();
  }
});

Deno.test("status --watch stopped while the registry does not answer ends at once, not at the registry's time limit", async () => {
  const registry = await startRegistry();
  // The fleet's registry as it goes silent: it takes connections and never answers.
  const silent = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const host = `127.0.0.1:${(silent.addr as Deno.NetAddr).port}`;
  const held: Deno.Conn[] = [];
  const asked = Promise.withResolvers<void>();
  (async () => {
    for await (const conn of silent) {
      held.push(conn);
      asked.resolve();
    }
  })().catch(() => {});
  await using dir = await tempDir();
  let watch: Watch | undefined;
  try {
    const ws = join(dir.path, "ws");
    const machines = join(dir.path, "machines");
    await fleet(ws, registry.host, ["web"]);
    for (const file of ["config/defaults.toml", "machines/web/machine.toml"]) {
      const path = join(ws, file);
      await Deno.writeTextFile(
        path,
        (await Deno.readTextFile(path)).replaceAll(registry.host, host),
      );
    }
    await machineRoot(join(machines, "web.test"), "web", {
      image: `${host}/fleet/web:latest`,
      running: await tagDigest(registry.host),
    });
    // A time limit far beyond the test: only the signal can end the lookup under way.
    watch = new Watch(
      Deno.execPath(),
      ["run", "-A", MAIN, "status", "--watch", "--json", "--timeout", "3600s"],
      ws,
      { PATH: `${STUBS}:${Deno.env.get("PATH")}`, STUB_MACHINES: machines },
    );
    await asked.promise;
    const end = await watch.stop("SIGTERM");
    watch = undefined;
    assert.equal(end.code, 1, end.stderr);
    assert.equal(end.stderr, "error: Stopped before the first round finished\n");
  } finally {
    if (watch) await watch.stop("SIGKILL");
    silent.close();
    for (const conn of held) conn.close();
    await registry.stop();
  }
});

Deno.test("status --watch on a terminal redraws the table in place with the recent changes, and stops on Ctrl-C", async () => {
  const registry = await startRegistry();
  await using dir = await tempDir();
  let watch: Watch | undefined;
  try {
    const ws = join(dir.path, "ws");
    const machines = join(dir.path, "machines");
    await fleet(ws, registry.host, ["web"]);
    await machineRoot(join(machines, "web.test"), "web", {
      image: `${registry.host}/fleet/web:latest`,
      running: await tagDigest(registry.host),
    });
    // `exec`: script(1) runs the command through $SHELL -c (set here: it may be unset, or a
    // login shell of any kind); dash would stay in between and die of the Ctrl-C itself (exit
    // 130) instead of handing it to iago.
    const command = [
      "exec",
      Deno.execPath(),
      "run",
      "-A",
      MAIN,
      "status",
      "--watch",
      "--interval",
      "1s",
      "--timeout",
      "120s",
    ].join(" ");
    // script(1) gives iago a real terminal; a Ctrl-C typed into it reaches iago as SIGINT.
    watch = new Watch("script", ["-qfec", command, "/dev/null"], ws, {
      SHELL: "/bin/sh",
      PATH: `${STUBS}:${Deno.env.get("PATH")}`,
      STUB_MACHINES: machines,
    });
    const first = await watch.until(/No changes seen yet\./);
    await Deno.writeTextFile(join(ws, "containers/web/app.conf"), "v2\n");
    assert.equal((await iago(["build", "web"], { cwd: ws })).code, 0);
    const text = await watch.until(/web: web image current -> update pending\r\n/);
    const clear = "\x1b[H\x1b[2J";
    assert.ok((first + text).split(clear).length > 2, "the screen was not redrawn");
    const shown = text.slice(text.lastIndexOf(clear) + clear.length).split("\r\n");
    // A round on a loaded machine can take longer than the 1 s interval, which the header says.
    assert.match(
      shown[0],
      /^Every 1s: iago status, \S+Z, round took [\d.]+ s( \(longer than 1s: the next starts at the next tick\))? \(Ctrl-C stops\)$/,
    );
    assert.match(shown[1], /^MACHINE +REACHABLE/);
    assert.match(shown[2], /^web +yes +unknown +web +update pending \w{12} +healthy +-$/);
    assert.equal(shown[3], "1 machine: 0 need attention");
    assert.equal(shown[4], "");
    assert.equal(shown[5], "Recent changes:");
    assert.match(shown[6], /^ {2}\S+Z web: web image current -> update pending$/);

    const writer = watch.child.stdin.getWriter();
    await writer.write(new Uint8Array([3])); // Ctrl-C
    writer.releaseLock();
    const { code } = await watch.ended();
    watch = undefined;
    assert.equal(code, 0);
  } finally {
    if (watch) await watch.stop("SIGKILL");
    await registry.stop();
  }
});

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
