/**
 * The registry token given on the command line. `--token TOKEN` puts it in the process's argv,
 * which every local user can read (`ps`, /proc/PID/cmdline); `--token-file FILE` and `--token -`
 * (standard input) keep it out of there.
 */
import { resolve } from "node:path";
import { IagoError, UsageError } from "../errors.ts";

export interface TokenFlags {
  /** `--token`: the token, or `-` for standard input. */
  token?: string;
  /** `--token-file`: a file holding the token. */
  tokenFile?: string;
}

/**
 * The token of `--token`, `--token -` (the first line of `stdin`) or `--token-file` (its first
 * line; relative to `cwd`), else undefined. Throws a `UsageError` when both flags are given and
 * an `IagoError` when the file cannot be read or the token is empty.
 */
export async function tokenFromFlags(
  flags: TokenFlags,
  cwd: string,
  stdin: () => ReadableStream<Uint8Array> = () => Deno.stdin.readable,
): Promise<string | undefined> {
  if (flags.token !== undefined && flags.tokenFile !== undefined) {
    throw new UsageError("Give --token or --token-file, not both");
  }
  if (flags.tokenFile !== undefined) {
    const path = resolve(cwd, flags.tokenFile);
    let text: string;
    try {
      text = await Deno.readTextFile(path);
    } catch (err) {
      throw new IagoError(
        `Cannot read the registry token from ${flags.tokenFile}: ${
          err instanceof Error ? err.message : err
        }`,
        { hint: "give a file holding the token (mode 0600), e.g. --token-file /etc/iago/token" },
      );
    }
    return nonEmpty(firstLine(text), flags.tokenFile);
  }
  if (flags.token === "-") {
    return nonEmpty(firstLine(await new Response(stdin()).text()), "standard input");
  }
  return flags.token;
}

function firstLine(text: string): string {
  return text.split(/\r?\n/)[0].trim();
}

function nonEmpty(token: string, from: string): string {
  if (token === "") {
    throw new IagoError(`The registry token from ${from} is empty`, {
      hint: "put the token on the first line",
    });
  }
  return token;
}
