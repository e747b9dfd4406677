/**
 * Which machines have fetched their Ignition config, kept in `.iago/serve/fetched.json` (0600)
 * so a one-time URL stays used across restarts. Rotating a machine's token or arming it forgets
 * its fetch. Changes are read from and written to the file under the serve lock
 * (`withServeLock`), as another process changes it too.
 */
import { join } from "node:path";
import { writeFileAtomic } from "../fsutil.ts";
import { StateFile } from "./state_file.ts";

export interface Fetch {
  /** ISO time. */
  at: string;
  /** Remote address. */
  from: string;
}

export class FetchLog {
  readonly file: string;
  readonly #stored: StateFile;
  #fetched: Record<string, Fetch> = {};

  constructor(stateDir: string) {
    this.file = join(stateDir, "serve", "fetched.json");
    this.#stored = new StateFile(this.file);
  }

  /** Reads the file again when it changed. */
  async load(): Promise<void> {
    const changed = await this.#stored.changed();
    if (!changed) return;
    const { text } = changed;
    try {
      this.#fetched = text === undefined ? {} : JSON.parse(text);
    } catch {
      // A torn or foreign file: start over rather than refuse to serve.
      this.#fetched = {};
    }
  }

  /** The first successful fetch of `name` since its token was made, if any. */
  get(name: string): Fetch | undefined {
    return this.#fetched[name];
  }

  /** Records `name`'s fetch unless it has one already; resolves when it is on disk. */
  async record(name: string, fetch: Fetch): Promise<void> {
    await this.load();
    if (!this.#fetched[name]) await this.#save({ ...this.#fetched, [name]: fetch });
  }

  /** Forgets `name`'s fetch (its token was rotated, or it was armed). */
  async forget(name: string): Promise<void> {
    await this.load();
    const { [name]: _, ...rest } = this.#fetched;
    await this.#save(rest);
  }

  async #save(fetched: Record<string, Fetch>): Promise<void> {
    const text = JSON.stringify(fetched, null, 2) + "\n";
    await writeFileAtomic(this.file, text, { mode: 0o600, mkdirMode: 0o700 });
    this.#fetched = fetched;
  }
}
