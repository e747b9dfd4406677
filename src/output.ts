/**
 * Terminal output. The library code is silent; commands print through an `Output`, which knows
 * whether it may use colour (a TTY and no `NO_COLOR`) and routes problems to stderr.
 */

export interface Output {
  /** Whether stdout is an interactive terminal (progress bars, prompts). */
  readonly interactive: boolean;
  /** Whether colour escapes may be used. */
  readonly color: boolean;
  /** When set, `info` lines are dropped and only problems are printed (`--quiet`). */
  quiet: boolean;
  /** A result line on stdout. */
  print(line: string): void;
  /** One item's success (`web: written ...`) on stdout; dropped with `quiet` (cron wants problems only). */
  status(line: string): void;
  /** A progress/information line on stderr; dropped with `quiet`. */
  info(line: string): void;
  /** A warning on stderr. */
  warn(line: string): void;
  /** An error on stderr. */
  error(line: string): void;
  /** A continuation of the previous error or warning (a hint), on stderr, never dropped. */
  detail(line: string): void;
  /** Styling helpers; identity functions when colour is off. */
  readonly style: Style;
}

export interface Style {
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
}

const plain: Style = {
  bold: (s) => s,
  dim: (s) => s,
  red: (s) => s,
  green: (s) => s,
  yellow: (s) => s,
};

const ansi: Style = {
  bold: (s) => `\x1b[1m${s}\x1b[22m`,
  dim: (s) => `\x1b[2m${s}\x1b[22m`,
  red: (s) => `\x1b[31m${s}\x1b[39m`,
  green: (s) => `\x1b[32m${s}\x1b[39m`,
  yellow: (s) => `\x1b[33m${s}\x1b[39m`,
};

/** Whether colour is allowed: stderr/stdout is a TTY and `NO_COLOR` is unset or empty. */
export function colorAllowed(isTty: boolean): boolean {
  return isTty && !Deno.env.get("NO_COLOR");
}

/** The process's real output. */
export function consoleOutput(): Output {
  const encoder = new TextEncoder();
  const interactive = Deno.stdout.isTerminal();
  const color = colorAllowed(Deno.stderr.isTerminal());
  const style = color ? ansi : plain;
  const out: Output = {
    interactive,
    color,
    quiet: false,
    style,
    print: (line) => writeAll(Deno.stdout, encoder.encode(line + "\n")),
    status: (line) => {
      if (!out.quiet) writeAll(Deno.stdout, encoder.encode(line + "\n"));
    },
    info: (line) => {
      if (!out.quiet) writeAll(Deno.stderr, encoder.encode(line + "\n"));
    },
    warn: (line) => writeAll(Deno.stderr, encoder.encode(`${style.yellow("warning:")} ${line}\n`)),
    error: (line) => writeAll(Deno.stderr, encoder.encode(`${style.red("error:")} ${line}\n`)),
    detail: (line) => writeAll(Deno.stderr, encoder.encode(`${line}\n`)),
  };
  return out;
}

/** An output that records lines, for tests. */
export function memoryOutput(options: { interactive?: boolean } = {}): Output & {
  stdout: string[];
  stderr: string[];
} {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const out = {
    interactive: options.interactive ?? false,
    color: false,
    quiet: false,
    style: plain,
    stdout,
    stderr,
    print: (line: string) => void stdout.push(line),
    status: (line: string) => {
      if (!out.quiet) stdout.push(line);
    },
    info: (line: string) => {
      if (!out.quiet) stderr.push(line);
    },
    warn: (line: string) => void stderr.push(`warning: ${line}`),
    error: (line: string) => void stderr.push(`error: ${line}`),
    detail: (line: string) => void stderr.push(line),
  };
  return out;
}

function writeAll(w: { writeSync(p: Uint8Array): number }, bytes: Uint8Array): void {
  let off = 0;
  try {
    while (off < bytes.length) off += w.writeSync(bytes.subarray(off));
  } catch (err) {
    // The reader went away (`iago list | head -1`): stop quietly, as other Unix tools do.
    if (err instanceof Deno.errors.BrokenPipe) Deno.exit(0);
    throw err;
  }
}
