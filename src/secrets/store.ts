/**
 * Generated secrets of one machine, kept in `.iago/secrets/MACHINE/` (directory 0700, files
 * 0600): generated once from a CSPRNG, reused by every later ignite, replaced only on rotation.
 * New or rotated values are staged in memory and written by `commit()` just before the Ignition
 * file that uses them, which puts them back if that file cannot be written.
 */
import { getRandomValues } from "node:crypto";
import { join } from "node:path";
import { readTextIfExists, writeFileAtomic } from "../fsutil.ts";
import { sha512Crypt } from "./crypt.ts";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** A random string of `length` letters and digits from a CSPRNG (no modulo bias). */
export function generateSecret(length = 32): string {
  if (!Number.isInteger(length) || length < 1) {
    throw new RangeError(`Cannot generate a secret of length ${length}`);
  }
  let out = "";
  // 248 is the largest multiple of 62 below 256: bytes at or above it are drawn again.
  while (out.length < length) {
    for (const b of getRandomValues(new Uint8Array(length * 2))) {
      if (b < 248 && out.length < length) out += ALPHABET[b % 62];
    }
  }
  return out;
}

/** A generated account password and its SHA-512 crypt hash. */
export interface AccountPassword {
  password: string;
  hash: string;
}

export class SecretStore {
  readonly #dir: string;
  readonly #rotate: boolean;
  readonly #pending = new Map<string, string>();

  /** `dir` is `.iago/secrets/MACHINE`; with `rotate`, every value asked for is new. */
  constructor(dir: string, options: { rotate?: boolean } = {}) {
    this.#dir = dir;
    this.#rotate = options.rotate ?? false;
  }

  /**
   * The secret `name`: the stored value (whatever its length: it may be the only copy of a
   * password in use), else (or when rotating) a new one of `length`.
   */
  async secret(name: string, length = 32): Promise<string> {
    return await this.#get(name, () => generateSecret(length));
  }

  /** The generated password of account `username` and its `$6$` hash, stored together. */
  async accountPassword(username: string): Promise<AccountPassword> {
    const file = join("accounts", username);
    const password = await this.#get(file, () => generateSecret(24));
    // The hash is kept beside the password, so the output stays the same from run to run.
    const hash = this.#pending.has(file)
      ? this.#stage(`${file}.hash`, sha512Crypt(password))
      : await this.#get(`${file}.hash`, () => sha512Crypt(password));
    return { password, hash };
  }

  /** Whether values were generated that `commit()` has not written yet. */
  get dirty(): boolean {
    return this.#pending.size > 0;
  }

  /**
   * Writes the new values: directories 0700, files 0600, each atomically. Returns a function
   * that puts back what the files held before. Throws when a value cannot be written, after
   * putting back those already written.
   */
  async commit(): Promise<() => Promise<void>> {
    const previous: { path: string; text?: string }[] = [];
    const restore = async () => {
      for (const { path, text } of previous.reverse()) {
        if (text === undefined) await Deno.remove(path).catch(() => {});
        else await writeFileAtomic(path, text, { mode: 0o600 });
      }
    };
    try {
      for (const [name, value] of this.#pending) {
        const path = join(this.#dir, name);
        await Deno.mkdir(join(path, ".."), { recursive: true, mode: 0o700 });
        previous.push({ path, text: await readTextIfExists(path) });
        await writeFileAtomic(path, value + "\n", { mode: 0o600 });
      }
    } catch (err) {
      await restore();
      throw err;
    }
    this.#pending.clear();
    return restore;
  }

  #stage(name: string, value: string): string {
    this.#pending.set(name, value);
    return value;
  }

  async #get(name: string, make: () => string): Promise<string> {
    const staged = this.#pending.get(name);
    if (staged !== undefined) return staged;
    if (!this.#rotate) {
      const stored = await readTextIfExists(join(this.#dir, name));
      const value = stored?.replace(/\n$/, "");
      if (value !== undefined && value !== "") return value;
    }
    const value = make();
    this.#pending.set(name, value);
    return value;
  }
}
