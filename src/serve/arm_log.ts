/**
 * What the server's log says about arms: a machine armed (by `iago serve --arm` in another
 * process, seen through the file watcher or at the next request), and disarmed when its fetch
 * was served, when its window closed (a timer, so the journal says it when it happens) or when
 * `--disarm` removed it.
 */
import { type Arm, armState, type ArmStore, describeArm } from "./arms.ts";
import type { FetchLog } from "./fetched.ts";

export interface ArmEvent {
  time: Date;
  machine: string;
  armed: boolean;
  reason: string;
}

/** `2026-12-06T05:10:00.000Z arm machine=web: armed (one fetch, until 2026-12-06T05:25:00Z)`. */
export function formatArmEvent(e: ArmEvent): string {
  return `${e.time.toISOString()} arm machine=${e.machine}: ${
    e.armed ? "armed" : "disarmed"
  } (${e.reason})`;
}

/** setTimeout's longest delay; a later window end is waited for in steps. */
const LONGEST_TIMER_MS = 2 ** 31 - 1;

interface Seen {
  armedAt: string;
  /** Neither used nor expired. */
  live: boolean;
  timer?: ReturnType<typeof setTimeout>;
}

export class ArmLog {
  readonly #arms: ArmStore;
  readonly #fetched: FetchLog;
  readonly #note: (event: ArmEvent) => void;
  readonly #now: () => number;
  readonly #seen = new Map<string, Seen>();

  constructor(deps: {
    arms: ArmStore;
    fetched: FetchLog;
    note: (event: ArmEvent) => void;
    now?: () => number;
  }) {
    this.#arms = deps.arms;
    this.#fetched = deps.fetched;
    this.#note = deps.note;
    this.#now = deps.now ?? Date.now;
  }

  /** Says what changed since the arms were last seen; call after loading arms and fetches. */
  update(): void {
    const current = this.#arms.all();
    for (const [name, arm] of Object.entries(current)) {
      const seen = this.#seen.get(name);
      if (seen?.armedAt === arm.armedAt) continue;
      clearTimeout(seen?.timer);
      const until = arm.until === undefined ? undefined : Date.parse(arm.until);
      const live = armState(arm, this.#fetched.get(name), this.#now()).state === "armed";
      const next: Seen = { armedAt: arm.armedAt, live };
      this.#seen.set(name, next);
      if (!live) continue;
      this.#say(name, true, describeArm(arm));
      if (until !== undefined) this.#expireAt(name, next, arm, until);
    }
    for (const [name, seen] of this.#seen) {
      if (current[name]) continue;
      clearTimeout(seen.timer);
      this.#seen.delete(name);
      if (seen.live) this.#say(name, false, "iago serve --disarm");
    }
  }

  /** `name`'s arm was used by the fetch just served to `from`. */
  used(name: string, from: string): void {
    const seen = this.#seen.get(name);
    if (!seen?.live) return;
    seen.live = false;
    clearTimeout(seen.timer);
    this.#say(name, false, `its one fetch was served to ${from}`);
  }

  /** Stops the window timers. */
  close(): void {
    for (const seen of this.#seen.values()) clearTimeout(seen.timer);
  }

  #expireAt(name: string, seen: Seen, arm: Arm, until: number): void {
    seen.timer = setTimeout(() => {
      if (this.#now() < until) return this.#expireAt(name, seen, arm, until);
      if (!seen.live) return;
      seen.live = false;
      this.#say(name, false, `its window closed at ${arm.until!.replace(/\.\d+Z$/, "Z")}`);
    }, Math.min(Math.max(0, until - this.#now() + 1), LONGEST_TIMER_MS));
  }

  #say(machine: string, armed: boolean, reason: string): void {
    this.#note({ time: new Date(this.#now()), machine, armed, reason });
  }
}
