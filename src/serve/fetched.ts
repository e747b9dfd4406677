/**
 * Which machines have fetched their Ignition config, kept in `.iago/serve/fetched.json` (0600)
 * so a one-time URL stays used across restarts. Rotating a machine's token re-arms it.
 */
import { join } from "node:path";
import { readTextIfExists, writeFileAtomic } from "../fsutil.ts";

export interface Fetch {
  /** ISO time. */
  at: string;
  /** Remote address. */
  from: string;
}

export class FetchLog {
  readonly file: string;
  #fetched: Record<string, Fetch> = {};
  #writing: Promise<void> = Promise.resolve();

  constructor(stateDir: string) {
    this.file = join(stateDir, "serve", "fetched.json");
  }

  async load(): Promise<void> {
    const text = await readTextIfExists(this.file);
    try {
      if (text !== undefined) this.#fetched = JSON.parse(text);
    } catch {
      // A torn or foreign file: start over rather than refuse to serve.
      this.#fetched = {};
    }
  }

  /** The first successful fetch of `name` since its token was made, if any. */
  get(name: string): Fetch | undefined {
    return this.#fetched[name];
  }

  /**
   * Records a fetch of `name` at once (a second request in the same tick sees it) and stores
   * it; resolves when it is on disk.
   */
  record(name: string, fetch: Fetch): Promise<void> {
    if (!this.#fetched[name]) this.#fetched = { ...this.#fetched, [name]: fetch };
    return this.#save();
  }

  /** Forgets `name`'s fetch (its token was rotated). */
  forget(name: string): Promise<void> {
    const { [name]: _, ...rest } = this.#fetched;
    this.#fetched = rest;
    return this.#save();
  }

  #save(): Promise<void> {
    const text = JSON.stringify(this.#fetched, null, 2) + "\n";
    this.#writing = this.#writing.then(() =>
      writeFileAtomic(this.file, text, { mode: 0o600, mkdirMode: 0o700 })
    );
    return this.#writing;
  }
}
