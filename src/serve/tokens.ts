/**
 * The per-machine tokens of `iago serve`: 256 random bits each, made on first use and kept in
 * `.iago/serve/tokens.json` (0600, directory 0700) so URLs stay the same across restarts until
 * rotated. Compared in constant time.
 */
import { Buffer } from "node:buffer";
import { createHash, getRandomValues, timingSafeEqual } from "node:crypto";
import { join } from "node:path";
import { IagoError } from "../errors.ts";
import { writeFileAtomic } from "../fsutil.ts";
import { StateFile } from "./state_file.ts";

export class TokenStore {
  readonly file: string;
  readonly #stored: StateFile;
  #tokens: Record<string, string> = {};

  constructor(stateDir: string) {
    this.file = join(stateDir, "serve", "tokens.json");
    this.#stored = new StateFile(this.file);
  }

  /**
   * Reads the stored tokens again when the file changed (`--rotate` in another process changes
   * them); throws an `IagoError` when the file is not what iago wrote.
   */
  async load(): Promise<void> {
    const changed = await this.#stored.changed();
    if (!changed) return;
    const { text } = changed;
    if (text === undefined) {
      this.#tokens = {};
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (
      typeof parsed !== "object" || parsed === null || Array.isArray(parsed) ||
      Object.values(parsed).some((v) => typeof v !== "string" || v.length < 32)
    ) {
      // Refused at every load until it is fixed, not only at the first.
      this.#stored.forget();
      throw new IagoError(`${this.file} is not a token file written by iago serve`, {
        hint: "remove it; iago serve makes new tokens (and new URLs) for every machine",
      });
    }
    this.#tokens = parsed as Record<string, string>;
  }

  /** The token of `name`, made and stored when it has none. Hold the serve lock. */
  async tokenOf(name: string): Promise<string> {
    await this.load();
    const have = this.#tokens[name];
    if (have) return have;
    return await this.rotate(name);
  }

  /**
   * A new token for `name`, stored before it is returned; the old one stops working. Hold the
   * serve lock.
   */
  async rotate(name: string): Promise<string> {
    await this.load();
    const token = Buffer.from(getRandomValues(new Uint8Array(32))).toString("base64url");
    const next = { ...this.#tokens, [name]: token };
    await writeFileAtomic(this.file, JSON.stringify(next, null, 2) + "\n", {
      mode: 0o600,
      mkdirMode: 0o700,
    });
    this.#tokens = next;
    return token;
  }

  /** Whether `given` is the token of `name`, in time that does not depend on where they differ. */
  matches(name: string, given: string): boolean {
    const want = this.#tokens[name];
    if (!want) return false;
    // Hashing first gives equal lengths, which timingSafeEqual needs, and hides the length.
    const a = createHash("sha256").update(want).digest();
    const b = createHash("sha256").update(given).digest();
    return timingSafeEqual(a, b);
  }
}
