/**
 * A machine's pointer config: the small Ignition config it boots with where its real one cannot
 * be given (a cloud's user data, a hypervisor's or ISO's embedded config, a PXE image), telling
 * Ignition to fetch the machine's config from `iago serve` and use it instead
 * (`ignition.config.replace`), as the Fedora CoreOS docs do for a remote config.
 */
import { createHash } from "node:crypto";
import { makeDataUrl } from "../butane/base/dataurl.ts";
import { IagoError, UsageError } from "../errors.ts";
import { removeLeftoverTempFiles, writeFileAtomic } from "../fsutil.ts";
import { formatFinding, validateIgnition } from "../ignition/validate.ts";
import type { Workspace } from "../workspace.ts";
import { checkMachineNames, Fleet } from "./fleet.ts";
import { machineLinks } from "./links.ts";
import { withServeLock } from "./state_lock.ts";
import { machineUrls } from "./urls.ts";

/** The spec version of iago's configs (Butane fcos 1.5.0), which every Ignition since 2.15 reads. */
const POINTER_VERSION = "3.4.0";

export interface PointerOptions {
  /** PEM certificates Ignition trusts besides the system's, for an HTTPS server of your own CA. */
  ca?: string;
  /** Pin each machine's current config by its SHA-512 (`verification.hash`). */
  hash?: boolean;
  onWarning: (message: string) => void;
}

/** A machine's pointer config: JSON, one line. */
export interface MachinePointer {
  name: string;
  json: string;
}

/**
 * The pointer configs of `names` (every machine when empty): each machine's config URL under
 * `baseUrl`, with its token (made when it has none); with `ca`, those CAs; with `hash`, the
 * SHA-512 of the config it serves now, which Ignition checks what it fetched against (so a
 * plain-HTTP fetch cannot be changed on the way, and a later `ignite` needs a new pointer).
 * Throws a `UsageError` when Ignition would refuse the URL, `ca` holds no PEM certificate, there
 * is no such machine (or none at all), or (with `hash`) a machine has no Ignition file yet:
 * before any token is made. Throws an `IagoError` when a named machine's machine.toml has a problem.
 */
export async function machinePointers(
  ws: Workspace,
  names: readonly string[],
  baseUrl: string,
  options: PointerOptions,
): Promise<MachinePointer[]> {
  const { ca } = options;
  if (ca !== undefined && !/^-----BEGIN CERTIFICATE-----$/m.test(ca)) {
    throw new UsageError("--ca holds no PEM certificate", {
      hint: "give the CA certificate (-----BEGIN CERTIFICATE-----) that signed --cert",
    });
  }
  if (ca !== undefined && !baseUrl.startsWith("https://")) {
    throw new UsageError(`--ca is for an https:// --url, not "${baseUrl}"`, {
      hint: "serve HTTPS with --cert and --key, and give --url https://HOST:PORT",
    });
  }
  const sample = pointer(machineUrls(baseUrl, { name: "n" }, "T").ignition, {
    ca,
    hash: options.hash ? `sha512-${"0".repeat(128)}` : undefined,
  });
  const problem = validateIgnition(sample)[0];
  if (problem) {
    throw new UsageError(
      `Cannot point a machine at --url "${baseUrl}": ${formatFinding(problem)}`,
      {
        hint: "give the address machines reach this server at: http://HOST:PORT or https://...",
      },
    );
  }
  await checkMachineNames(ws, names);
  const hashes = new Map<string, string>();
  if (options.hash) {
    const fleet = new Fleet(ws, names, options.onWarning);
    for (const name of names.length > 0 ? names : await ws.machineNames()) {
      const config = await fleet.ignition(name);
      if (config === undefined) {
        throw new UsageError(`Cannot pin the config of "${name}": it has no Ignition file yet`, {
          hint: `run iago ignite ${name} first: --hash pins the config iago serve serves now`,
        });
      }
      // What the server sends: the file's text as UTF-8.
      hashes.set(name, `sha512-${createHash("sha512").update(config).digest("hex")}`);
    }
  }
  const links = await machineLinks(ws, names, baseUrl, options);
  if (links.length === 0 && names.length === 0) {
    throw new UsageError("There are no machines in this workspace to point at the server", {
      hint: "iago init NAME makes one, iago ignite NAME its config",
    });
  }
  const left = names.filter((n) => !links.some((l) => l.name === n));
  if (left.length > 0) {
    throw new IagoError(`Cannot make the pointer config of ${left.join(", ")}`, {
      hint: "fix the machine.toml problem above, then run again",
    });
  }
  return links.map((l) => ({
    name: l.name,
    json: JSON.stringify(pointer(l.ignition, { ca, hash: hashes.get(l.name) })),
  }));
}

/**
 * Writes each pointer to `output/pointer/NAME.ign` (0600: it holds the machine's token), each
 * atomically, and returns the files in the order given. Under the serve lock, which every
 * writer of that directory takes: the temp files of a run killed while writing (each holds a
 * token) are removed first.
 */
export async function writePointers(
  ws: Workspace,
  pointers: readonly MachinePointer[],
): Promise<{ name: string; file: string }[]> {
  return await withServeLock(ws.stateDir, async () => {
    await removeLeftoverTempFiles(ws.pointerDir);
    const written = [];
    for (const { name, json } of pointers) {
      const file = ws.pointerFile(name);
      await writeFileAtomic(file, `${json}\n`, { mode: 0o600, mkdirMode: 0o700 });
      written.push({ name, file });
    }
    return written;
  });
}

function pointer(configUrl: string, options: { ca?: string; hash?: string }) {
  const { ca, hash } = options;
  const tls = ca === undefined ? {} : {
    security: {
      tls: {
        certificateAuthorities: [{
          source: makeDataUrl(new TextEncoder().encode(ca), false).source,
        }],
      },
    },
  };
  const verification = hash === undefined ? {} : { verification: { hash } };
  return {
    ignition: {
      version: POINTER_VERSION,
      config: { replace: { source: configUrl, ...verification } },
      ...tls,
    },
  };
}
