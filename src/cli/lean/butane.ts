/**
 * What `iago butane` does once its flags are parsed: read FILE (or stdin), translate it, print
 * butane's report on stderr and the Ignition JSON on stdout or to `-o FILE` (atomically). Kept
 * apart from the command's flag definitions so the lean entry runs it without Stricli.
 */
import { isAbsolute, join } from "node:path";
import { IagoError } from "../../errors.ts";
import { whyUnreadable, writeFileAtomic } from "../../fsutil.ts";
import type { IagoContext } from "../context.ts";
import { butaneOutput, translateButaneText } from "../../butane/mod.ts";

// For the lean entry, which reports what this module throws with this module's code.
export { report } from "../report.ts";

/** The flags of `iago butane`, as Stricli or the lean entry parsed them. */
export interface ButaneFlags {
  strict?: boolean;
  pretty?: boolean;
  filesDir?: string;
  check?: boolean;
  output?: string;
  raw?: boolean;
}

/** Translates one Butane file the way the butane CLI does. */
export async function butane(
  this: IagoContext,
  flags: ButaneFlags,
  file?: string,
): Promise<void> {
  const abs = (p: string) => (isAbsolute(p) ? p : join(this.workspace.root, p));
  // Bytes, not text: butane refuses what is not UTF-8 with yaml.v3's words, and so does iago.
  let text: Uint8Array;
  if (file === undefined || file === "-") {
    text = new Uint8Array(await new Response(Deno.stdin.readable).arrayBuffer());
  } else {
    try {
      // (Synchronous: an asynchronous read is a trip to Deno's thread pool, at every run.)
      text = Deno.readFileSync(abs(file));
    } catch (err) {
      const why = whyUnreadable(err);
      if (why === undefined) throw err;
      throw new IagoError(`Cannot read "${file}": ${why}`, {
        hint: "give the path of a Butane YAML file, or pipe one on stdin",
      });
    }
  }
  const result = await translateButaneText(text, {
    strict: flags.strict,
    pretty: flags.pretty,
    filesDir: flags.filesDir === undefined ? undefined : abs(flags.filesDir),
    filesDirShown: flags.filesDir,
    fileName: file,
    raw: flags.raw,
  });
  // The report is problems in butane's own format: on stderr as is, kept with --quiet.
  const output = butaneOutput(result, flags.check);
  if (output.stderr) this.out.detail(output.stderr.replace(/\n$/, ""));
  if (output.exitCode !== 0) {
    this.process.exitCode = output.exitCode;
    return;
  }
  if (flags.check) return;
  if (flags.output !== undefined) {
    try {
      await writeFileAtomic(abs(flags.output), output.stdout);
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound || err instanceof Deno.errors.PermissionDenied)) {
        throw err;
      }
      const why = err instanceof Deno.errors.NotFound
        ? "its directory does not exist"
        : "permission denied";
      throw new IagoError(`Cannot write "${flags.output}": ${why}`, {
        hint: "-o takes a file in an existing, writable directory",
      });
    }
  } else {
    this.out.print(output.stdout.replace(/\n$/, ""));
  }
}
