/**
 * Butane's report: errors and warnings, each at a YAML path with the line and column of the
 * value the user wrote there, printed exactly as butane prints them. Positions are looked up
 * only when an entry is added, so a clean translation never pays for them.
 */
import { type Pos, YMap, YSeq, type YValue } from "./yaml.ts";

export interface ButaneReportEntry {
  severity: "error" | "warning";
  /** The YAML path, e.g. `$.storage.files.0.path`. */
  path: string;
  line?: number;
  col?: number;
  message: string;
  /** The file the YAML came from (`TranslateOptions.fileName`), for `file:line:col` messages. */
  file?: string;
}

/** `error at $.x, line 5 col 13: msg` (or `error at $.x: msg` without a position). */
export function formatReportEntry(e: ButaneReportEntry): string {
  const where = e.line !== undefined ? `, line ${e.line} col ${e.col ?? 1}` : "";
  return `${e.severity} at ${e.path}${where}: ${e.message}`;
}

/** Where the user wrote a path: `key` asks for the key itself rather than its value. */
export type PositionLookup = (path: string, key: boolean) => Pos | undefined;

/** Collects entries and resolves their positions. */
export class Report {
  readonly entries: ButaneReportEntry[] = [];

  constructor(
    private readonly lookup: PositionLookup = () => undefined,
    private readonly file?: string,
  ) {}

  error(path: string, message: string): void {
    this.add("error", path, message);
  }

  warn(path: string, message: string): void {
    this.add("warning", path, message);
  }

  /** A warning positioned at the key itself (unused keys). */
  warnAtKey(path: string, message: string): void {
    this.push("warning", path, message, this.lookup(path, true));
  }

  /** A warning at a position the caller knows (a YAML leaf the tree keeps no node for). */
  warnAt(path: string, message: string, pos: Pos): void {
    this.push("warning", path, message, pos);
  }

  add(severity: "error" | "warning", path: string, message: string): void {
    this.push(severity, path, message, this.lookup(path, false));
  }

  private push(severity: "error" | "warning", path: string, message: string, pos?: Pos): void {
    const e: ButaneReportEntry = { severity, path, line: pos?.line, col: pos?.col, message };
    if (this.file !== undefined) e.file = this.file;
    this.entries.push(e);
  }

  get hasErrors(): boolean {
    return this.entries.some((e) => e.severity === "error");
  }
}

/**
 * Positions from the YAML tree: the node at `path`, else its nearest ancestor that the user
 * wrote. Keys may contain dots, so a map tries the longest run of segments that names a key.
 */
export function treePositions(root: YValue): PositionLookup {
  return (path, key) => {
    const segs = path.split(".").slice(1);
    let node: YValue = root;
    let best: Pos | undefined = root?.pos;
    let i = 0;
    while (i < segs.length && node !== null) {
      if (node instanceof YMap) {
        let found = false;
        for (let j = segs.length; j > i; j--) {
          const k = segs.slice(i, j).join(".");
          if (!node.entries.has(k)) continue;
          // A key a `<<` merged in is not in butane's tree: positions stop at the mapping.
          if (node.merged?.has(k)) return best;
          if (key && j === segs.length) return node.keyPos.get(k);
          // A null or alias is a leaf in butane's tree: positions below it stop there.
          const leaf = node.leafPos.get(k);
          if (leaf) return leaf;
          const child: YValue = node.entries.get(k) ?? null;
          if (child === null) return key ? node.keyPos.get(k) : best;
          node = child;
          i = j;
          found = true;
          break;
        }
        if (!found) return best;
      } else if (node instanceof YSeq) {
        const leaf = /^\d+$/.test(segs[i]) ? node.leafPos.get(Number(segs[i])) : undefined;
        if (leaf) return leaf;
        const item = node.items[Number(segs[i])];
        if (item === undefined || item === null || !/^\d+$/.test(segs[i])) return best;
        node = item;
        i++;
      } else {
        return best;
      }
      best = node.pos;
    }
    return best;
  };
}

/** Positions from a table of paths (for documents that were not read from YAML text). */
export function tablePositions(table: ReadonlyMap<string, Pos>): PositionLookup {
  return (path) => {
    let p = path;
    for (;;) {
      const pos = table.get(p);
      if (pos) return pos;
      const i = p.lastIndexOf(".");
      if (i < 0) return undefined;
      p = p.slice(0, i);
    }
  };
}
