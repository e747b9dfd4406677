/** What each scenario proved: its checks (from the probe in the VM and from the bastion side). */

export interface Check {
  what: string;
  ok: boolean;
  detail?: string;
}

export interface ScenarioResult {
  id: string;
  title: string;
  checks: Check[];
  /** What the stand-in VM cannot show, and why (not a failure; listed under the result). */
  limits: string[];
  began?: number;
  ended?: number;
}

/** The results of a run, filled in while the VMs run. */
export class Report {
  readonly scenarios = new Map<string, ScenarioResult>();

  /** Declares scenario `id` (e.g. "3") with its title; its checks come later. */
  declare(id: string, title: string): void {
    this.scenarios.set(id, { id, title, checks: [], limits: [] });
  }

  begin(id: string): void {
    this.get(id).began ??= Date.now();
  }

  end(id: string): void {
    this.get(id).ended = Date.now();
  }

  check(id: string, what: string, ok: boolean, detail?: string): void {
    this.get(id).checks.push({ what, ok, detail });
    const line = `  [${id}] ${ok ? "pass" : "FAIL"} ${what}${!ok && detail ? `: ${detail}` : ""}`;
    console.log(line);
  }

  /** Records what scenario `id` cannot assert on the stand-in. */
  limit(id: string, what: string): void {
    this.get(id).limits.push(what);
    console.log(`  [${id}] stand-in limit: ${what}`);
  }

  /** A scenario passed when it ran to its end, with at least one check and no failure. */
  passed(s: ScenarioResult): boolean {
    return s.ended !== undefined && s.checks.length > 0 && s.checks.every((c) => c.ok);
  }

  /** The closing table: each scenario's result and time, then the total. */
  summary(totalMs: number): string {
    const lines = ["", "scenario                                         result  time"];
    for (const s of this.scenarios.values()) {
      const time = s.began !== undefined ? minutes((s.ended ?? Date.now()) - s.began) : "-";
      const result = this.passed(s) ? "pass" : "FAIL";
      lines.push(`${`${s.id}. ${s.title}`.padEnd(48)} ${result.padEnd(7)} ${time}`);
      for (const l of s.limits) lines.push(`     stand-in limit: ${l}`);
      if (!this.passed(s)) {
        if (s.began === undefined) lines.push("     did not start");
        else if (s.ended === undefined) lines.push("     did not finish");
        for (const c of s.checks.filter((c) => !c.ok)) {
          lines.push(`     failed: ${c.what}${c.detail ? `: ${c.detail.split("\n")[0]}` : ""}`);
        }
      }
    }
    lines.push(`total ${minutes(totalMs)}`);
    return lines.join("\n");
  }

  get allPassed(): boolean {
    return [...this.scenarios.values()].every((s) => this.passed(s));
  }

  private get(id: string): ScenarioResult {
    const s = this.scenarios.get(id);
    if (!s) throw new Error(`unknown scenario "${id}"`);
    return s;
  }
}

/** `3m07s` */
export function minutes(ms: number): string {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
}
