/**
 * The machines `iago serve` knows: names and MAC addresses from every `machine.toml`,
 * read again after anything under `machines/` or `config/` changes, and each machine's
 * Ignition file, read at every request so an `ignite` while serving is served at once.
 */
import { loadDefaults, loadMachine, noSuchMachine } from "../config/mod.ts";
import { IagoError } from "../errors.ts";
import { readTextIfExists } from "../fsutil.ts";
import type { Workspace } from "../workspace.ts";

export interface ServedMachine {
  name: string;
  /** Normalised (`52:54:00:12:34:56`); undefined when machine.toml sets none. */
  mac?: string;
}

/** Throws a `UsageError` naming the closest machine when one of `names` is not in `ws`. */
export async function checkMachineNames(ws: Workspace, names: readonly string[]): Promise<void> {
  const all = await ws.machineNames();
  for (const n of names) if (!all.includes(n)) throw await noSuchMachine(ws, n);
}

export class Fleet {
  readonly #ws: Workspace;
  /** Only these machines (all when empty). */
  readonly #only: readonly string[];
  readonly #onWarning: (message: string) => void;
  #table?: Promise<ServedMachine[]>;

  constructor(ws: Workspace, only: readonly string[], onWarning: (message: string) => void) {
    this.#ws = ws;
    this.#only = only;
    this.#onWarning = onWarning;
  }

  /** Forgets the machine table: the next lookup reads machine.toml files again. */
  invalidate(): void {
    this.#table = undefined;
  }

  /** The served machines; a machine.toml that cannot be read is left out with a warning. */
  machines(): Promise<ServedMachine[]> {
    return this.#table ??= this.#read();
  }

  async byName(name: string): Promise<ServedMachine | undefined> {
    return (await this.machines()).find((m) => m.name === name);
  }

  async byMac(mac: string): Promise<ServedMachine | undefined> {
    return (await this.machines()).find((m) => m.mac === mac);
  }

  /** The machine's current Ignition file, or undefined when it has none yet. */
  async ignition(name: string): Promise<string | undefined> {
    return await readTextIfExists(this.#ws.ignitionFile(name));
  }

  async #read(): Promise<ServedMachine[]> {
    const names = this.#only.length > 0 ? this.#only : await this.#ws.machineNames();
    let defaults;
    try {
      defaults = await loadDefaults(this.#ws);
    } catch (err) {
      if (!(err instanceof IagoError)) throw err;
      this.#onWarning(`${err.format()} (serving by name only until it is fixed)`);
      return names.map((name) => ({ name }));
    }
    const out: ServedMachine[] = [];
    for (const name of names) {
      try {
        const m = await loadMachine(this.#ws, name, defaults);
        out.push({ name, mac: m.macAddress });
      } catch (err) {
        if (!(err instanceof IagoError)) throw err;
        this.#onWarning(`${err.format()} (machine "${name}" is not served until it is fixed)`);
      }
    }
    return out;
  }
}
