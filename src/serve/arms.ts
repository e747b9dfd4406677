/**
 * Per-machine arms of `iago serve`, kept in `.iago/serve/arms.json` (0600): `iago serve --arm web
 * --window 15m` lets web's config be fetched once more (within 15 minutes) whatever the server
 * was started with, and a running server sees it at its next request. An armed machine follows
 * its arm alone: once its fetch was served, or its window closed, it is denied until it is armed
 * again or disarmed (`--disarm`, back to the server's own --once/--window/--armed-only).
 */
import { join } from "node:path";
import { writeFileAtomic } from "../fsutil.ts";
import type { Fetch } from "./fetched.ts";
import { StateFile } from "./state_file.ts";

export interface Arm {
  /** ISO time it was armed. */
  armedAt: string;
  /** ISO time its window closes; none: open until used or disarmed. */
  until?: string;
}

export class ArmStore {
  readonly file: string;
  readonly #stored: StateFile;
  #arms: Record<string, Arm> = {};

  constructor(stateDir: string) {
    this.file = join(stateDir, "serve", "arms.json");
    this.#stored = new StateFile(this.file);
  }

  /** Reads the arms again when the file changed (another process may have armed a machine). */
  async load(): Promise<Record<string, Arm>> {
    const changed = await this.#stored.changed();
    if (!changed) return this.#arms;
    const { text } = changed;
    let parsed: unknown;
    try {
      parsed = text === undefined ? {} : JSON.parse(text);
    } catch {
      parsed = {};
    }
    // A torn or foreign file arms nothing: serving less is the safe side.
    this.#arms = typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)
      ? Object.fromEntries(
        Object.entries(parsed).filter(([, a]) =>
          typeof a?.armedAt === "string" && (a.until === undefined || typeof a.until === "string")
        ),
      )
      : {};
    return this.#arms;
  }

  get(name: string): Arm | undefined {
    return this.#arms[name];
  }

  /** The arms as last loaded. */
  all(): Readonly<Record<string, Arm>> {
    return this.#arms;
  }

  /** Arms `name` from `now` for one fetch, until `now + windowMs` when given. Hold the lock. */
  async arm(name: string, now: number, windowMs?: number): Promise<Arm> {
    await this.load();
    const arm: Arm = {
      armedAt: new Date(now).toISOString(),
      ...(windowMs !== undefined ? { until: new Date(now + windowMs).toISOString() } : {}),
    };
    await this.#save({ ...this.#arms, [name]: arm });
    return arm;
  }

  /** Removes `name`'s arm; whether it had one. Hold the lock. */
  async disarm(name: string): Promise<boolean> {
    await this.load();
    if (!this.#arms[name]) return false;
    const { [name]: _, ...rest } = this.#arms;
    await this.#save(rest);
    return true;
  }

  async #save(arms: Record<string, Arm>): Promise<void> {
    await writeFileAtomic(this.file, JSON.stringify(arms, null, 2) + "\n", {
      mode: 0o600,
      mkdirMode: 0o700,
    });
    this.#arms = arms;
  }
}

/** Where an arm stands: still to be used, used by a fetch, or past its window. */
export type ArmState =
  | { state: "armed" }
  | { state: "used"; at: string; from: string }
  | { state: "expired"; at: string };

/**
 * The state of `arm` at `now`, given the machine's fetch since it was armed (arming forgets the
 * one before): the one rule the server decides and logs by, and `--urls` shows.
 */
export function armState(arm: Arm, fetch: Fetch | undefined, now: number): ArmState {
  if (fetch) return { state: "used", at: fetch.at, from: fetch.from };
  if (arm.until !== undefined && now > Date.parse(arm.until)) {
    return { state: "expired", at: arm.until };
  }
  return { state: "armed" };
}

/** `one fetch, until 2026-12-06T05:25:00Z` or `one fetch, no time limit`. */
export function describeArm(arm: Arm): string {
  return `one fetch, ${arm.until ? `until ${arm.until.replace(/\.\d+Z$/, "Z")}` : "no time limit"}`;
}

/** `armed (one fetch, until ...)`, `used at T by 10.0.2.15`, `expired at T`. */
export function describeArmState(arm: Arm & ArmState): string {
  if (arm.state === "used") return `used at ${arm.at} by ${arm.from}`;
  if (arm.state === "expired") return `expired at ${arm.at.replace(/\.\d+Z$/, "Z")}`;
  return `armed (${describeArm(arm)})`;
}
