/**
 * What `iago serve` answers, request by request: a machine's Ignition config or its iPXE
 * script, found by name or MAC, only with that machine's token, only once or within a window
 * when asked, server-wide or by the machine's own arm. Every denial is the same 404, so a caller
 * cannot tell an unknown MAC from a wrong token or a used arm; the log line says which (and
 * never holds the token). Tokens, fetches and arms are checked at each request (a stat of each
 * file, read again when it changed): another `iago serve --rotate/--arm` changes them while the
 * server runs.
 */
import { IagoError } from "../errors.ts";
import type { ArmLog } from "./arm_log.ts";
import { armState, type ArmStore } from "./arms.ts";
import { normalizeMac } from "./mac.ts";
import type { FetchLog } from "./fetched.ts";
import type { Fleet, ServedMachine } from "./fleet.ts";
import { type IpxeImages, ipxeScript } from "./ipxe.ts";
import { withServeLock } from "./state_lock.ts";
import type { TokenStore } from "./tokens.ts";

export interface Policy {
  /** Each machine's config is served once; later fetches are denied until its token is rotated. */
  once: boolean;
  /** Configs are served only until then (ms since the epoch). */
  until?: number;
  /** Only armed machines are served (`iago serve --arm NAME`). */
  armedOnly?: boolean;
  /** The URL machines reach this server at (`http://10.0.0.2:8080`). */
  baseUrl: string;
  /** Where iPXE scripts boot from; without them, no iPXE script is served. */
  images?: IpxeImages;
}

/** One request's log entry. */
export interface FetchEntry {
  time: Date;
  remote: string;
  method: string;
  path: string;
  /** The machine the request named or matched. */
  machine?: string;
  /** The MAC it gave, normalised when it is one. */
  mac?: string;
  allowed: boolean;
  reason: string;
}

/** `2026-12-06T02:00:00.000Z 10.0.2.15 GET /ignition machine=web: allowed (4211 bytes)`. */
export function formatEntry(e: FetchEntry): string {
  const who = [e.machine && `machine=${e.machine}`, e.mac && `mac=${e.mac}`].filter(Boolean);
  return `${e.time.toISOString()} ${e.remote} ${e.method} ${e.path}${
    who.length ? ` ${who.join(" ")}` : ""
  }: ${e.allowed ? "allowed" : "denied"} (${e.reason})`;
}

export class IgnitionHandler {
  readonly #fleet: Fleet;
  readonly #tokens: TokenStore;
  readonly #fetched: FetchLog;
  readonly #arms: ArmStore;
  readonly #armLog: ArmLog;
  readonly #stateDir: string;
  readonly #policy: Policy;
  readonly #log: (entry: FetchEntry) => void;
  readonly #now: () => number;

  constructor(deps: {
    fleet: Fleet;
    tokens: TokenStore;
    fetched: FetchLog;
    arms: ArmStore;
    armLog: ArmLog;
    /** `.iago/`, where the serve lock is. */
    stateDir: string;
    policy: Policy;
    log: (entry: FetchEntry) => void;
    now?: () => number;
  }) {
    this.#fleet = deps.fleet;
    this.#tokens = deps.tokens;
    this.#fetched = deps.fetched;
    this.#arms = deps.arms;
    this.#armLog = deps.armLog;
    this.#stateDir = deps.stateDir;
    this.#policy = deps.policy;
    this.#log = deps.log;
    this.#now = deps.now ?? Date.now;
  }

  /** The response to `req` from `remote` (an address, for the log). */
  async handle(req: Request, remote: string): Promise<Response> {
    const url = new URL(req.url);
    const entry: FetchEntry = {
      time: new Date(this.#now()),
      remote,
      method: req.method,
      path: url.pathname,
      allowed: false,
      reason: "",
    };
    const deny = (reason: string) => {
      entry.reason = reason;
      this.#log(entry);
      return notFound();
    };
    if (req.method !== "GET" && req.method !== "HEAD") return deny("method not allowed");
    const kind = url.pathname === "/ignition" ? "ignition" : url.pathname === "/ipxe" ? "ipxe" : "";
    if (!kind) return deny("no such page");

    const q = url.searchParams;
    const name = q.get("name") ?? undefined;
    const macText = q.get("mac") ?? undefined;
    if (name === undefined && macText === undefined) return deny("neither name nor mac given");
    const mac = macText === undefined ? undefined : normalizeMac(macText);
    entry.mac = mac ?? macText?.slice(0, 40);
    if (macText !== undefined && !mac) return deny("not a MAC address");
    let machine: ServedMachine | undefined;
    if (name !== undefined) {
      entry.machine = name.slice(0, 63);
      machine = await this.#fleet.byName(name);
      if (!machine) return deny("unknown machine");
      if (mac !== undefined && machine.mac !== mac) return deny("MAC is not this machine's");
    } else {
      machine = await this.#fleet.byMac(mac!);
      if (!machine) return deny("unknown MAC");
      entry.machine = machine.name;
    }
    const token = q.get("token");
    if (!token) return deny("no token");
    try {
      await this.#tokens.load();
    } catch (err) {
      return deny(err instanceof IagoError ? err.message : String(err));
    }
    if (!this.#tokens.matches(machine.name, token)) return deny("wrong token");

    if (kind === "ipxe") {
      if (!this.#policy.images) return deny("no --kernel/--initrd/--rootfs given, no iPXE script");
      const ignitionUrl = `${this.#policy.baseUrl}/ignition?name=${
        encodeURIComponent(machine.name)
      }&token=${encodeURIComponent(token)}`;
      entry.allowed = true;
      entry.reason = "iPXE script";
      this.#log(entry);
      return new Response(ipxeScript(this.#policy.images, ignitionUrl), {
        headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" },
      });
    }

    const served = machine.name;
    // Decided and recorded under the lock: of two racing requests (in this process or with
    // another server on the same workspace) one is refused, and an arm made a moment ago counts.
    const verdict = await withServeLock(this.#stateDir, async () => {
      await this.#fetched.load();
      await this.#arms.load();
      this.#armLog.update();
      const refusal = this.#refusal(served);
      if (refusal) return { refusal };
      const config = await this.#fleet.ignition(served);
      if (config === undefined) return { refusal: `no Ignition file (iago ignite ${served})` };
      if (req.method === "GET") {
        await this.#fetched.record(served, { at: entry.time.toISOString(), from: remote });
      }
      return { config };
    });
    if (verdict.refusal !== undefined) return deny(verdict.refusal);
    const config = verdict.config!;
    entry.allowed = true;
    entry.reason = `${new TextEncoder().encode(config).length} bytes`;
    this.#log(entry);
    if (req.method === "GET") this.#armLog.used(served, remote);
    return new Response(req.method === "HEAD" ? null : config, {
      headers: {
        "content-type": "application/vnd.coreos.ignition+json",
        "cache-control": "no-store",
      },
    });
  }

  /** Why `name`'s config may not be served now, or undefined when it may. */
  #refusal(name: string): string | undefined {
    const now = this.#now();
    const earlier = this.#fetched.get(name);
    const arm = this.#arms.get(name);
    if (arm) {
      const s = armState(arm, earlier, now);
      if (s.state === "expired") return `its arm expired at ${s.at}`;
      if (s.state === "used") return `its one-time arm was used at ${s.at} by ${s.from}`;
      return undefined;
    }
    if (this.#policy.armedOnly) return `not armed (iago serve --arm ${name})`;
    if (this.#policy.until !== undefined && now > this.#policy.until) {
      return `the window closed at ${new Date(this.#policy.until).toISOString()}`;
    }
    if (this.#policy.once && earlier) {
      return `one-time config, fetched already at ${earlier.at} by ${earlier.from}`;
    }
    return undefined;
  }
}

function notFound(): Response {
  return new Response("Not Found\n", {
    status: 404,
    headers: { "content-type": "text/plain; charset=utf-8" },
  });
}
