/**
 * `iago status` below the CLI: every machine (or the named ones) asked at once over SSH what it
 * runs, each answer set against the registry (what the machine's tag points at now) and the
 * workspace (the Ignition config in output/ignition/), and what needs attention.
 */
import { type Defaults, loadDefaults, loadMachine, noSuchMachine } from "../config/mod.ts";
import { IagoError, UsageError } from "../errors.ts";
import { readTextIfExists } from "../fsutil.ts";
import { ignitionDigest } from "../ignite/digest.ts";
import {
  isInsecureRegistry,
  parseImageReference,
  RegistryClient,
  registryUsername,
  resolveCredentials,
} from "../registry/mod.ts";
import type { Workspace } from "../workspace.ts";
import probeScript from "./probe.sh" with { type: "text" };
import { parseProbe, type RemoteContainer } from "./remote.ts";
import { runOverSsh, type SshTarget } from "./ssh.ts";

export interface StatusOptions {
  /** `NAME=HOST[:PORT]` overrides; a machine is reached at its fqdn otherwise. */
  addresses?: readonly string[];
  /** Login user; default `[user] username` (the account with the SSH keys). */
  user?: string;
  timeoutMs: number;
  sshOptions?: readonly string[];
  token?: string;
  env: Readonly<Record<string, string | undefined>>;
  /** Kills the ssh exchanges under way (`--watch` stopped by a signal). */
  signal?: AbortSignal;
}

/** Where a container stands against the registry. */
export type ImageState =
  | "current"
  | "update pending"
  | "rolled back"
  | "not from the fleet"
  | "not in the registry"
  | "unknown";

export interface ContainerStatus {
  name: string;
  /** What it runs, `REPO:TAG`, from its env file on the machine. */
  image: string;
  runningDigest?: string;
  /** What the tag points at in the registry now. */
  registryDigest?: string;
  imageState: ImageState;
  unit: string;
  health?: string;
  lastUpdate?: { time: string; result: string; detail?: string };
  lastRollback?: { time: string; reason: string };
}

export interface MachineStatus {
  name: string;
  /** `user@host[:port]`. */
  address: string;
  reachable: boolean;
  /** Why it could not be asked. */
  error?: string;
  /** `current`; `outdated`: provisioned from another config; `unknown`: no digest on the machine. */
  ignition?: "current" | "outdated" | "unknown" | "no local file";
  failedUnits: string[];
  containers: ContainerStatus[];
  /** Reasons this machine needs a look; empty when all is well. */
  attention: string[];
}

/** Asks every machine of `names` (all when empty); throws only for a usage problem. */
export async function fleetStatus(
  ws: Workspace,
  names: readonly string[],
  options: StatusOptions,
): Promise<MachineStatus[]> {
  const all = await ws.machineNames();
  for (const n of names) if (!all.includes(n)) throw await noSuchMachine(ws, n);
  const list = names.length > 0 ? [...new Set(names)] : all;
  if (list.length === 0) {
    throw new IagoError(`No machines in ${ws.root}`, { hint: "create one with: iago init NAME" });
  }
  const addresses = parseAddresses(options.addresses ?? [], all);
  const defaults = await loadDefaults(ws);
  const registry = new RegistryDigests(defaults, options);
  return await Promise.all(
    list.map((name) => machineStatus(ws, name, defaults, addresses, registry, options)),
  );
}

async function machineStatus(
  ws: Workspace,
  name: string,
  defaults: Defaults,
  addresses: Map<string, { host: string; port?: number }>,
  registry: RegistryDigests,
  options: StatusOptions,
): Promise<MachineStatus> {
  const machine = await loadMachine(ws, name, defaults);
  const target: SshTarget = {
    user: options.user ?? defaults.user.username,
    ...(addresses.get(name) ?? { host: machine.fqdn }),
  };
  const status: MachineStatus = {
    name,
    address: `${target.user}@${target.host}${target.port ? `:${target.port}` : ""}`,
    reachable: false,
    failedUnits: [],
    containers: [],
    attention: [],
  };
  const answer = await runOverSsh(target, probeScript, {
    timeoutMs: options.timeoutMs,
    options: options.sshOptions,
    cwd: ws.root,
    env: options.env,
    signal: options.signal,
  });
  if (!answer.ok) {
    status.error = answer.reason;
    status.attention.push(`unreachable: ${answer.reason}`);
    return status;
  }
  let remote;
  try {
    remote = parseProbe(answer.stdout);
  } catch (err) {
    status.error = (err as Error).message;
    status.attention.push(status.error);
    return status;
  }
  status.reachable = true;
  status.failedUnits = remote.failedUnits;
  if (remote.failedUnits.length > 0) {
    status.attention.push(`failed units: ${remote.failedUnits.join(", ")}`);
  }
  const local = await readTextIfExists(ws.ignitionFile(name));
  if (local === undefined) status.ignition = "no local file";
  else if (!remote.ignitionDigest) status.ignition = "unknown";
  else {
    status.ignition = remote.ignitionDigest === ignitionDigest(JSON.parse(local))
      ? "current"
      : "outdated";
    if (status.ignition === "outdated") {
      status.attention.push(
        "provisioned from another Ignition config (reprovision to apply output/ignition/)",
      );
    }
  }
  const fleetImage = `${machine.containerImage}:${machine.containerTag}`;
  for (const c of remote.containers) {
    const cs = await containerStatus(c, c.name === name ? fleetImage : undefined, registry);
    status.containers.push(cs);
    if (cs.unit !== "active") {
      status.attention.push(`${c.name}: bootc@${c.name}.service is ${cs.unit}`);
    }
    if (cs.health === "unhealthy" || cs.health === "not running") {
      status.attention.push(`${c.name}: container ${cs.health}`);
    }
    if (cs.imageState === "rolled back") {
      status.attention.push(
        `${c.name}: rolled back${cs.lastRollback ? `: ${cs.lastRollback.reason}` : ""}`,
      );
    }
    if (cs.imageState === "not from the fleet" || cs.imageState === "not in the registry") {
      status.attention.push(`${c.name}: ${cs.imageState}`);
    }
  }
  return status;
}

async function containerStatus(
  c: RemoteContainer,
  fleetImage: string | undefined,
  registry: RegistryDigests,
): Promise<ContainerStatus> {
  const s = c.state;
  const out: ContainerStatus = {
    name: c.name,
    image: c.image,
    runningDigest: c.runningDigest,
    imageState: "unknown",
    unit: c.unit,
    health: c.health,
    ...(s?.lastUpdateTime
      ? {
        lastUpdate: {
          time: s.lastUpdateTime,
          result: s.lastUpdateResult,
          ...(s.lastUpdateDetail ? { detail: s.lastUpdateDetail } : {}),
        },
      }
      : {}),
    ...(s?.lastRollbackTime
      ? { lastRollback: { time: s.lastRollbackTime, reason: s.lastRollbackReason } }
      : {}),
  };
  // Under `staging` the machine runs REPO:staging by design; anything else is by hand.
  const expected = c.strategy === "staging" && fleetImage
    ? fleetImage.replace(/:[^:/]+$/, ":staging")
    : fleetImage;
  if (expected && c.image !== expected) {
    out.imageState = "not from the fleet";
    return out;
  }
  const tag = await registry.digestOf(c.image);
  if (tag.error) return out;
  out.registryDigest = tag.digest;
  if (!tag.digest) {
    out.imageState = "not in the registry";
    return out;
  }
  if (!c.runningDigest) return out;
  if (c.runningDigest === tag.digest) out.imageState = "current";
  else if (s?.badDigests.includes(tag.digest)) out.imageState = "rolled back";
  else if (await registry.has(c.image, c.runningDigest)) out.imageState = "update pending";
  else out.imageState = "not from the fleet";
  return out;
}

/** Tag and manifest lookups, one client per registry, with build's credentials. */
class RegistryDigests {
  readonly #defaults: Defaults;
  readonly #options: StatusOptions;
  readonly #clients = new Map<string, RegistryClient>();

  constructor(defaults: Defaults, options: StatusOptions) {
    this.#defaults = defaults;
    this.#options = options;
  }

  /** What `REPO:TAG` points at now; `error` when the registry could not be asked. */
  async digestOf(ref: string): Promise<{ digest?: string; error?: string }> {
    try {
      const r = parseImageReference(ref);
      return { digest: await this.#client(r.registry).resolveTag(r.repository, r.tag ?? "latest") };
    } catch (err) {
      return { error: err instanceof Error ? err.message : String(err) };
    }
  }

  /** Whether `digest` is a manifest in the repository of `ref`. */
  async has(ref: string, digest: string): Promise<boolean> {
    try {
      const r = parseImageReference(ref);
      return await this.#client(r.registry).resolveTag(r.repository, digest) !== undefined;
    } catch {
      return false;
    }
  }

  #client(registry: string): RegistryClient {
    let c = this.#clients.get(registry);
    if (!c) {
      const d = this.#defaults;
      const fleetRegistry = parseImageReference(`${d.containerRegistry.url}/x`).registry;
      c = new RegistryClient(registry, {
        insecure: isInsecureRegistry(registry, d.containerRegistry.insecure),
        credentials: resolveCredentials({
          token: this.#options.token,
          env: this.#options.env,
          username: registryUsername(d),
          onepasswordReference: d.secrets.onepasswordReference,
          tokenRegistries: [fleetRegistry],
        }),
        timeoutMs: this.#options.timeoutMs,
        // A watch stopped by a signal ends its lookups at once, not at their time limit.
        signal: this.#options.signal,
      });
      this.#clients.set(registry, c);
    }
    return c;
  }
}

function parseAddresses(
  list: readonly string[],
  machines: string[],
): Map<string, { host: string; port?: number }> {
  const out = new Map<string, { host: string; port?: number }>();
  for (const item of list) {
    const m = /^([a-z0-9-]+)=([^\s:@]+|\[[0-9a-fA-F:]+\])(?::(\d{1,5}))?$/.exec(item);
    if (!m) {
      throw new UsageError(`Invalid --address "${item}"`, {
        hint: "write NAME=HOST or NAME=HOST:PORT, e.g. web=10.0.0.5 or web=127.0.0.1:2222",
      });
    }
    if (!machines.includes(m[1])) {
      throw new UsageError(`--address names no machine: "${m[1]}"`);
    }
    out.set(m[1], { host: m[2].replace(/^\[|\]$/g, ""), ...(m[3] ? { port: Number(m[3]) } : {}) });
  }
  return out;
}
