/**
 * How `iago status --watch` shows its rounds: on a terminal the screen is redrawn in place (as
 * watch(1) does) with the recent changes under the table; otherwise each round's table is
 * appended with what changed since the round before, or, with `--json`, one JSON document per
 * round on a line of its own (JSON Lines).
 */
import { formatChange } from "./changes.ts";
import { formatStatus } from "./format.ts";
import type { WatchRound } from "./watch.ts";

export type WatchMode = "screen" | "lines" | "json";

/** Cursor home and erase the screen. */
const CLEAR = "\x1b[H\x1b[2J";
/** How many changes the screen keeps under the table. */
const RECENT = 12;

/** Watched every `interval` (`30s`, as given) of `intervalMs`. */
export interface WatchEvery {
  interval: string;
  intervalMs: number;
}

/** Turns each round into the text to write (lines joined by "\n", no final line break). */
export function watchView(mode: WatchMode, every: WatchEvery): (round: WatchRound) => string {
  if (mode === "json") return (round) => JSON.stringify(roundJson(round));
  const recent: string[] = [];
  let previous: Date | undefined;
  return (round) => {
    const lines = [header(round, every, mode === "screen")];
    if (round.machines) lines.push(...formatStatus(round.machines));
    if (round.error) lines.push(`could not ask the fleet: ${round.error.format()}`);
    const changes = round.changes.map(formatChange);
    if (mode === "screen") {
      recent.push(...changes.map((c) => `${isoSeconds(round.time)} ${c}`));
      recent.splice(0, Math.max(0, recent.length - RECENT));
      lines.push("", recent.length ? "Recent changes:" : "No changes seen yet.");
      lines.push(...recent.map((c) => `  ${c}`));
      return CLEAR + lines.join("\n");
    }
    if (previous && round.machines) {
      lines.push(
        changes.length
          ? `changes since ${isoSeconds(previous)}:`
          : `no changes since ${isoSeconds(previous)}`,
      );
      lines.push(...changes.map((c) => `  ${c}`));
    }
    if (round.machines) previous = round.time;
    return lines.join("\n") + "\n";
  };
}

function header(round: WatchRound, every: WatchEvery, screen: boolean): string {
  const took = `round took ${(round.tookMs / 1000).toFixed(1)} s`;
  const over = round.tookMs > every.intervalMs
    ? ` (longer than ${every.interval}: the next starts at the next tick)`
    : "";
  return `Every ${every.interval}: iago status, ${isoSeconds(round.time)}, ${took}${over}${
    screen ? " (Ctrl-C stops)" : ""
  }`;
}

function roundJson(round: WatchRound) {
  return {
    time: round.time.toISOString(),
    tookMs: Math.round(round.tookMs),
    ...(round.machines ? { machines: round.machines } : {}),
    changes: round.changes,
    ...(round.error ? { error: round.error.message } : {}),
  };
}

function isoSeconds(t: Date): string {
  return t.toISOString().replace(/\.\d+Z$/, "Z");
}
