/**
 * `iago serve` as a running server: Deno.serve over HTTP, or HTTPS with a given certificate,
 * the machine table read again when `machines/` or `config/` change and arms logged when
 * `.iago/serve/` changes (Deno.watchFs), and a clean stop on SIGTERM/SIGINT: no new
 * connections, requests in flight finish.
 */
import { dirname } from "node:path";
import { IagoError, UsageError } from "../errors.ts";
import type { Workspace } from "../workspace.ts";
import { type ArmEvent, ArmLog } from "./arm_log.ts";
import { ArmStore } from "./arms.ts";
import { FetchLog } from "./fetched.ts";
import { checkMachineNames, Fleet } from "./fleet.ts";
import { type FetchEntry, IgnitionHandler, type Policy } from "./handler.ts";
import { withServeLock } from "./state_lock.ts";
import { TokenStore } from "./tokens.ts";

export interface ServeOptions {
  /** `127.0.0.1:8080`. */
  hostname: string;
  port: number;
  /** PEM certificate chain and key: HTTPS. */
  tls?: { cert: string; key: string };
  /** Only these machines (all when empty). */
  machines: readonly string[];
  once: boolean;
  /** How long configs are served after the start, in ms. */
  windowMs?: number;
  /** Serve only machines armed with `iago serve --arm`. */
  armedOnly?: boolean;
  /** What machines use to reach the server; default from the listening address. */
  baseUrl?: string;
  images?: Policy["images"];
  log: (entry: FetchEntry) => void;
  /** A machine armed or disarmed. */
  note: (event: ArmEvent) => void;
  onWarning: (message: string) => void;
  /** Stop on SIGTERM and SIGINT (the CLI); tests stop it themselves. */
  signals?: boolean;
  /** The clock (ms) for windows and arms; default `Date.now` (tests move their own). */
  now?: () => number;
}

export interface RunningServer {
  /** The URL machines use. */
  baseUrl: string;
  port: number;
  /** Stops accepting, lets requests in flight finish, closes the watcher. */
  shutdown(): Promise<void>;
  /** Resolves when the server has stopped. */
  finished: Promise<void>;
}

/** Starts serving; throws an `IagoError` when the address is taken or TLS files are bad. */
export async function startServer(ws: Workspace, options: ServeOptions): Promise<RunningServer> {
  await checkMachineNames(ws, options.machines);
  const tokens = new TokenStore(ws.stateDir);
  const fetched = new FetchLog(ws.stateDir);
  const arms = new ArmStore(ws.stateDir);
  const fleet = new Fleet(ws, options.machines, options.onWarning);
  const served = await fleet.machines();
  await withServeLock(ws.stateDir, async () => {
    for (const m of served) await tokens.tokenOf(m.name);
    await fetched.load();
    await arms.load();
  });

  const controller = new AbortController();
  let server: Deno.HttpServer<Deno.NetAddr>;
  // The handler needs the port the server got, so it is made after the server starts.
  const ready: { handler?: IgnitionHandler } = {};
  try {
    server = Deno.serve({
      hostname: options.hostname,
      port: options.port,
      signal: controller.signal,
      onListen: () => {},
      ...(options.tls ?? {}),
    }, (req, info) => ready.handler!.handle(req, info.remoteAddr.hostname));
  } catch (err) {
    if (err instanceof Deno.errors.AddrInUse) {
      throw new IagoError(
        `Cannot listen on ${options.hostname}:${options.port}: the address is in use`,
        {
          hint: "stop what listens there, or choose another with --listen HOST:PORT",
        },
      );
    }
    if (options.tls) {
      throw new IagoError(`Cannot serve HTTPS: ${err instanceof Error ? err.message : err}`, {
        hint: "--cert takes a PEM certificate (chain) and --key its PEM private key",
      });
    }
    throw err;
  }
  const port = server.addr.port;
  const scheme = options.tls ? "https" : "http";
  const baseUrl = (options.baseUrl ?? `${scheme}://${hostForUrl(options.hostname)}:${port}`)
    .replace(/\/+$/, "");
  const now = options.now ?? Date.now;
  const armLog = new ArmLog({ arms, fetched, note: options.note, now });
  armLog.update();
  ready.handler = new IgnitionHandler({
    fleet,
    tokens,
    fetched,
    arms,
    armLog,
    stateDir: ws.stateDir,
    policy: {
      armedOnly: options.armedOnly,
      once: options.once,
      until: options.windowMs === undefined ? undefined : now() + options.windowMs,
      baseUrl,
      images: options.images,
    },
    log: options.log,
    now,
  });

  const watchers = [
    watch([ws.machinesDir, ws.configDir], () => fleet.invalidate()),
    // `iago serve --arm` in another process: say so now, not at the machine's request.
    watch([dirname(arms.file)], async () => {
      try {
        await withServeLock(ws.stateDir, async () => {
          await fetched.load();
          await arms.load();
        });
        armLog.update();
      } catch (err) {
        // The next request reads them again and says it then.
        if (!(err instanceof IagoError)) throw err;
      }
    }),
  ];
  const stop = () => controller.abort();
  if (options.signals) {
    Deno.addSignalListener("SIGTERM", stop);
    Deno.addSignalListener("SIGINT", stop);
  }
  const finished = server.finished.then(async () => {
    for (const w of watchers) w?.close();
    armLog.close();
    if (options.signals) {
      Deno.removeSignalListener("SIGTERM", stop);
      Deno.removeSignalListener("SIGINT", stop);
    }
    await Promise.all(watchers.map((w) => w?.done));
  });
  return {
    baseUrl,
    port,
    shutdown: async () => {
      stop();
      await finished;
    },
    finished,
  };
}

/** Calls `onChange` after each change under `paths` (none when they cannot be watched). */
function watch(
  paths: string[],
  onChange: () => void | Promise<void>,
): { close(): void; done: Promise<void> } | undefined {
  let fsw: Deno.FsWatcher;
  try {
    fsw = Deno.watchFs(paths, { recursive: true });
  } catch {
    return undefined;
  }
  const done = (async () => {
    try {
      for await (const _ of fsw) await onChange();
    } catch {
      // closed
    }
  })();
  return { close: () => fsw.close(), done };
}

function hostForUrl(hostname: string): string {
  return hostname.includes(":") ? `[${hostname}]` : hostname;
}

/** `HOST:PORT`, `:PORT` or `PORT` as given to --listen. */
export function parseListen(text: string): { hostname: string; port: number } {
  const m = /^(?:(\[[0-9a-fA-F:]+\]|[^:]*):)?(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) {
    throw new UsageError(`Invalid --listen "${text}"`, {
      hint: "write HOST:PORT, e.g. 127.0.0.1:8080 or 0.0.0.0:8080 (port 0: any free port)",
    });
  }
  const host = (m[1] ?? "").replace(/^\[|\]$/g, "");
  return { hostname: host === "" ? "0.0.0.0" : host, port };
}

/** `90s`, `30m`, `2h`, `1d` in ms. */
export function parseDuration(text: string): number {
  const m = /^(\d+)(s|m|h|d)$/.exec(text.trim());
  if (!m || Number(m[1]) === 0) {
    throw new UsageError(`Invalid duration "${text}"`, {
      hint: "write a whole number and a unit: 90s, 30m, 2h or 1d",
    });
  }
  return Number(m[1]) * { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as "s"];
}
