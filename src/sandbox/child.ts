/**
 * The sandbox process: the process iago starts (`iago __iago-sandbox`, see child_command.ts)
 * to run templates and plugins in, so that code which never returns or takes all the memory
 * can be ended by ending this process, and nothing it writes reaches iago's stdout or stderr.
 * It holds the sandbox workers (worker.ts, Deno Workers without permissions) and passes each
 * one's messages between it and iago unread: frames on stdin and stdout (frames.ts). It has
 * no permissions itself: none are given to it, and whatever a compiled binary (which has
 * iago's own) grants is revoked before any template or plugin code is loaded.
 *
 * This module is part of iago's lean entry (the hidden argument is checked before anything
 * else): keep it small and free of imports beyond frames.ts.
 */
import {
  CONTROL,
  controlFrame,
  controlMessage,
  type ControlRequest,
  frame,
  frames,
  readChunks,
  writeAll,
} from "./frames.ts";

/** The hidden argument that makes iago the sandbox process. */
export const SANDBOX_CHILD_ARG = "__iago-sandbox";

const GRANTED_TO_IAGO = ["write", "net", "env", "run", "ffi", "sys"] as const;

/**
 * A built-in the import map iago starts this process with (or, compiled, builds it with) must
 * refuse: without that map a plugin's static import of it reaches this process's descriptors,
 * the pipes to iago among them (child_command.ts).
 */
const PROBE = "node:net";

async function refused(specifier: string): Promise<boolean> {
  try {
    await import(specifier);
    return false;
  } catch {
    return true;
  }
}

/** Serves iago until it closes stdin, then exits (a worker still running cannot hold it). */
export async function runSandboxChild(): Promise<never> {
  for (const name of GRANTED_TO_IAGO) Deno.permissions.revokeSync({ name });
  if (!await refused(PROBE)) {
    // iago's last line of this process's stderr says why it ended.
    console.error(
      `This iago cannot sandbox templates and plugins: its sandbox process lets a static import load "${PROBE}" (its import map is missing)`,
    );
    Deno.exit(70);
  }
  // One frame at a time: a frame's writes must not interleave with another's.
  let written = Promise.resolve();
  const send = (bytes: Uint8Array) => written = written.then(() => writeAll(Deno.stdout, bytes));
  const workers = new Map<number, Worker>();
  let url: string | undefined;
  for await (const { channel, payload } of frames(readChunks(Deno.stdin))) {
    if (channel !== CONTROL) {
      workers.get(channel)?.postMessage(payload, [payload.buffer as ArrayBuffer]);
      continue;
    }
    const message = controlMessage<ControlRequest>(payload);
    switch (message.op) {
      case "code":
        if ("code" in message) {
          // Workers start from this blob: nothing to read from disk at all.
          Deno.permissions.revokeSync({ name: "read" });
          url = URL.createObjectURL(new Blob([message.code], { type: "text/javascript" }));
        } else {
          url = message.url;
        }
        break;
      case "start": {
        const id = message.worker;
        const worker = new Worker(url!, { type: "module", deno: { permissions: "none" } });
        worker.onmessage = (e: MessageEvent<Uint8Array>) => void send(frame(id, e.data));
        worker.onerror = (e) => {
          e.preventDefault();
          void send(controlFrame({ op: "error", worker: id, message: e.message }));
        };
        workers.set(id, worker);
        break;
      }
      case "end":
        workers.get(message.worker)?.terminate();
        workers.delete(message.worker);
        break;
    }
  }
  Deno.exit(0);
}
