/**
 * Butane's report: errors and warnings, each at a YAML path with the line and column of the
 * value the user wrote there, printed exactly as butane prints them.
 */
import type { Pos } from "./yaml.ts";

export interface ButaneReportEntry {
  severity: "error" | "warning";
  /** The YAML path, e.g. `$.storage.files.0.path`. */
  path: string;
  line?: number;
  col?: number;
  message: string;
}

/** `error at $.x, line 5 col 13: msg` (or `error at $.x: msg` without a position). */
export function formatReportEntry(e: ButaneReportEntry): string {
  const where = e.line !== undefined ? `, line ${e.line} col ${e.col ?? 1}` : "";
  return `${e.severity} at ${e.path}${where}: ${e.message}`;
}

/** A YAML path as butane prints it: `$` then `.segment` per key or index. */
export function joinPath(parent: string, segment: string | number): string {
  return `${parent}.${segment}`;
}

/** Collects entries and resolves their positions from the decoded document's position table. */
export class Report {
  readonly entries: ButaneReportEntry[] = [];

  constructor(
    private readonly positions: Map<string, Pos>,
    private readonly keyPositions: Map<string, Pos> = new Map(),
  ) {}

  error(path: string, message: string): void {
    this.add("error", path, message);
  }

  warn(path: string, message: string): void {
    this.add("warning", path, message);
  }

  /** A warning positioned at the key itself (unused keys). */
  warnAtKey(path: string, message: string): void {
    const pos = this.keyPositions.get(path) ?? this.lookup(path);
    this.entries.push({ severity: "warning", path, line: pos?.line, col: pos?.col, message });
  }

  add(severity: "error" | "warning", path: string, message: string): void {
    const pos = this.lookup(path);
    this.entries.push({ severity, path, line: pos?.line, col: pos?.col, message });
  }

  get hasErrors(): boolean {
    return this.entries.some((e) => e.severity === "error");
  }

  /** The position of `path`, else of its nearest ancestor that the user wrote. */
  private lookup(path: string): Pos | undefined {
    let p = path;
    for (;;) {
      const pos = this.positions.get(p);
      if (pos) return pos;
      const i = p.lastIndexOf(".");
      if (i < 0) return undefined;
      p = p.slice(0, i);
    }
  }
}
