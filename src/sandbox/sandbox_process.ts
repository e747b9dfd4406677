/**
 * The sandbox process seen from iago: started on first use (child_command.ts), one per run,
 * holding every sandbox worker of the run, and ended by killing it: the one way to stop code
 * that never returns (Deno cannot stop a Worker whose code runs), so no such code ever runs in
 * iago's own process. Requests run one at a time ({@link SandboxProcess.turn}), so a limit
 * blames the code that passed it, and ending the process for it ends no one else's request;
 * the workers of other plugins start again in a new process when next asked.
 *
 * What the process writes to its stdout is the protocol (frames.ts), and what it writes to its
 * stderr (Deno's own messages) is never shown: iago keeps its end, to say why the process ended
 * when it ended unasked. What templates and plugins print reaches iago as messages
 * (code_output.ts), which it shows on its stderr, named.
 */
import { deserialize, serialize } from "node:v8";
import { IagoError, printable } from "../errors.ts";
import { sandboxChildCommand } from "./child_command.ts";
import {
  CONTROL,
  controlFrame,
  controlMessage,
  type ControlReply,
  type ControlRequest,
  frame,
  frames,
} from "./frames.ts";
import { workerCode } from "./worker_url.ts";

/** A process nobody asked anything for this long ends (the next request starts another). */
const IDLE_MS = 2000;

/** How much of the end of the sandbox process's stderr iago keeps, to say why it ended. */
const STDERR_KEPT = 4096;

/** Why a worker is gone: it did not start, or its process ended. */
export interface Gone {
  message: string;
  /** The process ended because a heap passed V8's limit. */
  outOfMemory: boolean;
}

/** What a worker's messages and its end are told to. */
export interface WorkerListener {
  message(value: unknown): void;
  gone(why: Gone): void;
}

/** One worker in the sandbox process. */
export interface RemoteWorker {
  /** Sends `value` (V8-serialized) to the worker. */
  post(value: unknown): void;
  /** Ends the worker (its process stays). */
  end(): void;
}

interface Running {
  process: Deno.ChildProcess;
  stdin: WritableStreamDefaultWriter<Uint8Array>;
  listeners: Map<number, WorkerListener>;
  /** Resolves once the process has ended and all it wrote is read. */
  ended: Promise<void>;
  killed: boolean;
}

export class SandboxProcess {
  readonly #memoryMiB: number;
  #running?: Running;
  #turns: Promise<unknown> = Promise.resolve();
  #waiting = 0;
  #idle?: ReturnType<typeof setTimeout>;
  #nextChannel = CONTROL + 1;
  /** Processes started in this run (a figure for tests and benchmarks). */
  started = 0;

  readonly #code: { url: string } | { code: string };

  /**
   * `memoryBytes`: V8's heap limit for each worker (and the process's own isolate); `code`: the
   * workers' code (worker_url.ts; tests give other code).
   */
  constructor(memoryBytes: number, code = workerCode()) {
    this.#memoryMiB = Math.max(16, Math.ceil(memoryBytes / 2 ** 20));
    this.#code = code;
  }

  /**
   * Runs `task` once every task before it has settled: one request at a time in the whole
   * sandbox. A process idle for {@link IDLE_MS} after the last one ends.
   */
  turn<T>(task: () => Promise<T>): Promise<T> {
    clearTimeout(this.#idle);
    this.#waiting++;
    const done = this.#turns.then(task);
    this.#turns = done.catch(() => {}).finally(() => {
      if (--this.#waiting === 0 && this.#running) {
        const idle = setTimeout(() => void this.close(), IDLE_MS);
        Deno.unrefTimer(idle);
        this.#idle = idle;
      }
    });
    return done;
  }

  /** Starts a worker (and the process, if it is not running); `listener` gets what it says. */
  startWorker(listener: WorkerListener): RemoteWorker {
    const running = this.#running ??= this.#start();
    const channel = this.#nextChannel++;
    running.listeners.set(channel, listener);
    send(running, controlFrame({ op: "start", worker: channel }));
    return {
      post: (value) => send(running, frame(channel, serialize(value))),
      end: () => {
        if (!running.listeners.delete(channel)) return;
        send(running, controlFrame({ op: "end", worker: channel }));
      },
    };
  }

  /** The process's resident memory (bytes), where the system says (Linux's /proc). */
  residentBytes(): number | undefined {
    const pid = this.#running?.process.pid;
    if (pid === undefined) return undefined;
    try {
      const status = Deno.readTextFileSync(`/proc/${pid}/status`);
      const kib = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
      return kib === undefined ? undefined : Number(kib) * 1024;
    } catch {
      return undefined;
    }
  }

  /** Kills the process, whatever runs in it; resolves once it has ended. */
  async kill(): Promise<void> {
    const running = this.#running;
    if (!running) return;
    running.killed = true;
    this.#running = undefined;
    try {
      running.process.kill("SIGKILL");
    } catch { /* it had ended */ }
    await running.ended;
  }

  /** Ends the process (it exits when its stdin closes); resolves once it has ended. */
  async close(): Promise<void> {
    clearTimeout(this.#idle);
    const running = this.#running;
    if (!running) return;
    this.#running = undefined;
    await running.stdin.close().catch(() => {});
    await running.ended;
  }

  #start(): Running {
    const { command, args, env } = sandboxChildCommand(this.#memoryMiB, this.#code);
    let process: Deno.ChildProcess;
    try {
      process = new Deno.Command(command, {
        args,
        env,
        cwd: "/",
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      throw new IagoError(`Cannot start the sandbox for templates and plugins: ${message}`, {
        hint: /run access/.test(message)
          ? "run iago as released: its permissions let it start itself (--allow-run)"
          : undefined,
        cause: err,
      });
    }
    this.started++;
    const running: Running = {
      process,
      stdin: process.stdin.getWriter(),
      listeners: new Map(),
      ended: Promise.resolve(),
      killed: false,
    };
    let stderr = "";
    const stderrRead = (async () => {
      for await (const text of process.stderr.pipeThrough(new TextDecoderStream())) {
        stderr = (stderr + text).slice(-STDERR_KEPT);
      }
    })();
    const stdoutRead = (async () => {
      for await (const { channel, payload } of frames(process.stdout)) {
        if (channel === CONTROL) {
          const reply = controlMessage<ControlReply>(payload);
          running.listeners.get(reply.worker)?.gone({ message: reply.message, outOfMemory: false });
          running.listeners.delete(reply.worker);
        } else {
          running.listeners.get(channel)?.message(deserialize(payload));
        }
      }
    })();
    running.ended = (async () => {
      const [status] = await Promise.all([process.status, stdoutRead, stderrRead]);
      if (this.#running === running) this.#running = undefined;
      const why: Gone = {
        message: endedBecause(status, stderr, running.killed),
        outOfMemory: /out of memory/i.test(stderr),
      };
      for (const listener of running.listeners.values()) listener.gone(why);
      running.listeners.clear();
    })();
    send(running, controlFrame(asCodeRequest(this.#code)));
    return running;
  }
}

function asCodeRequest(code: { url: string } | { code: string }): ControlRequest {
  return "url" in code ? { op: "code", url: code.url } : { op: "code", code: code.code };
}

function send(running: Running, bytes: Uint8Array): void {
  // A write after the process ended fails: its end is reported to the listeners instead.
  running.stdin.write(bytes).catch(() => {});
}

/**
 * Why the process ended, from its status and what it said on stderr: Deno's `error:` line (an
 * exception nothing caught), else its last line.
 */
function endedBecause(status: Deno.CommandStatus, stderr: string, killed: boolean): string {
  if (killed) return "it was ended";
  const lines = stderr.split("\n").map((l) => l.trim()).filter((l) => l !== "");
  const said = lines.find((l) => l.startsWith("error:")) ?? lines.at(-1);
  const how = status.signal ? `signal ${status.signal}` : `exit code ${status.code}`;
  return said ? `${printable(said)} (${how})` : `it ended (${how})`;
}
