/**
 * One way to report a problem: every expected failure is an `IagoError` with a message that
 * says what went wrong and where, and a hint that says how to fix it. The CLI prints these as
 * one or two lines; anything else is a bug and gets a stack trace only with `IAGO_DEBUG=1`.
 */

/** Where in a user's file a problem is: `file:line:col` when known. */
export interface SourceLocation {
  file: string;
  line?: number;
  col?: number;
}

/** Formats a location as `file:line:col`, leaving out what is unknown. */
export function formatLocation(loc: SourceLocation): string {
  let out = loc.file;
  if (loc.line !== undefined) {
    out += `:${loc.line}`;
    if (loc.col !== undefined) out += `:${loc.col}`;
  }
  return out;
}

export interface IagoErrorOptions {
  /** Where the problem is; printed before the message. */
  at?: SourceLocation;
  /** How to fix it; printed on a second line. */
  hint?: string;
  /** Process exit code; 1 (failure) unless this is a usage error. */
  exitCode?: number;
  cause?: unknown;
}

/** An expected failure with a user-facing message. */
export class IagoError extends Error {
  readonly at?: SourceLocation;
  readonly hint?: string;
  readonly exitCode: number;

  constructor(message: string, options: IagoErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = "IagoError";
    this.at = options.at;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? 1;
  }

  /**
   * The one or two lines the CLI prints for this error. Control characters but line breaks
   * are escaped (a carriage return could overwrite the line with another).
   */
  format(): string {
    const where = this.at ? `${formatLocation(this.at)}: ` : "";
    const text = this.hint
      ? `${where}${this.message}\n  hint: ${this.hint}`
      : `${where}${this.message}`;
    return text.split("\n").map(printable).join("\n");
  }
}

/** A command line the CLI cannot act on: exit code 2. */
export class UsageError extends IagoError {
  constructor(message: string, options: Omit<IagoErrorOptions, "exitCode"> = {}) {
    super(message, { ...options, exitCode: 2 });
    this.name = "UsageError";
  }
}

/**
 * `s` with its control characters escaped (`\n`, `\r`, `\x1b`): a name read from a directory
 * can hold any of them, and printed as it is, it could fake a line of output (`error: ...`).
 */
export function printable(s: string): string {
  // deno-lint-ignore no-control-regex
  return s.replace(/[\x00-\x1f\x7f-\x9f]/g, (c) => {
    const named: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };
    return named[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`;
  });
}

/** Several independent problems found in one pass (validation reports all at once). */
export class ProblemsError extends IagoError {
  readonly problems: IagoError[];

  constructor(problems: IagoError[], summary?: string) {
    super(summary ?? `${problems.length} problem${problems.length === 1 ? "" : "s"} found`);
    this.name = "ProblemsError";
    this.problems = problems;
  }

  override format(): string {
    return [...this.problems.map((p) => p.format()), this.message].join("\n");
  }
}

/**
 * The optimal-string-alignment (Damerau) distance between two short strings: insertions,
 * deletions, substitutions and swaps of neighbours each cost 1, so `wbe` is 1 from `web`.
 */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from(
    { length: a.length + 1 },
    (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.length][b.length];
}

/** The closest candidate to `word`, if one is close enough to be a likely typo. */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  const limit = Math.max(1, Math.floor(word.length / 3));
  return bestDistance <= limit ? best : undefined;
}
