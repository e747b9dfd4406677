/**
 * The Benchmarks table's rows. Each bench script prints what it measured for the README's table
 * as `BENCH-ROW {json}` lines on stdout, beside its own human output; `deno task bench`
 * (bench/run.ts) collects them and prints the whole table from that one run, so the README's
 * table is what one run printed, never rows merged from different runs.
 */

/** One row of the Benchmarks table: iago's figure beside what it is compared with. */
export interface BenchRow {
  /** What was measured, in the user's words. */
  work: string;
  /** iago's figures. */
  iago: string;
  /** The comparison measured in the same run, or why there is none (see `missingTool`). */
  beside: string;
  /** The goal the figure is held to, if there is one. */
  target?: string;
}

const PREFIX = "BENCH-ROW ";

/** Prints `row` as the machine-readable line `deno task bench` collects. */
export function reportRow(row: BenchRow): void {
  console.log(PREFIX + JSON.stringify(row));
}

/** The row a `BENCH-ROW` line carries; undefined for any other line (a script's own output). */
export function parseRow(line: string): BenchRow | undefined {
  if (!line.startsWith(PREFIX)) return undefined;
  const row = JSON.parse(line.slice(PREFIX.length));
  for (const key of ["work", "iago", "beside"] as const) {
    if (typeof row[key] !== "string") {
      throw new Error(`Cannot read benchmark row: "${key}" is not a string in ${line}`);
    }
  }
  return row;
}

/**
 * The comparison cell of a row whose comparison tool is not on this machine, saying how to
 * get it, so a run without it still completes and the table says what is missing.
 */
export function missingTool(tool: string, howToGet: string): string {
  return `not measured: ${tool} is not installed (${howToGet})`;
}

/** Whether `command` is an executable file on PATH (or a path to one). */
export function hasTool(command: string): boolean {
  const dirs = command.includes("/") ? [""] : (Deno.env.get("PATH") ?? "").split(":");
  return dirs.some((dir) => {
    try {
      const info = Deno.statSync(dir ? `${dir}/${command}` : command);
      return info.isFile && ((info.mode ?? 0o111) & 0o111) !== 0;
    } catch {
      return false;
    }
  });
}

const HEADER = ["benchmark", "iago", "beside it, same run", "target"];

/**
 * `rows` as a Markdown table laid out the way `deno fmt` lays out the README's tables (cells
 * padded to their column, `|` escaped), so the printed table can replace the README's as is.
 */
export function markdownTable(rows: BenchRow[]): string {
  const cells = [HEADER, ...rows.map((r) => [r.work, r.iago, r.beside, r.target ?? ""])]
    .map((row) => row.map((cell) => cell.replaceAll("\n", " ").replaceAll("|", "\\|")));
  const widths = HEADER.map((_, i) => Math.max(3, ...cells.map((row) => row[i].length)));
  const line = (row: string[]) => `| ${row.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  return [
    line(cells[0]),
    line(widths.map((w) => "-".repeat(w))),
    ...cells.slice(1).map(line),
  ].join("\n");
}
