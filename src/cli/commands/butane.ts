/**
 * `iago butane`: the Butane translator with the butane CLI's flags, report format and exit
 * codes. Reads FILE (or stdin), writes Ignition JSON to stdout or `-o FILE` (atomically).
 */
import { buildCommand } from "@stricli/core";
import { isAbsolute, join } from "node:path";
import { IagoError } from "../../errors.ts";
import { writeFileAtomic } from "../../fsutil.ts";
import type { IagoContext } from "../context.ts";

interface ButaneFlags {
  strict?: boolean;
  pretty?: boolean;
  filesDir?: string;
  check?: boolean;
  output?: string;
  raw?: boolean;
}

export const butaneCommand = buildCommand({
  func: async function (this: IagoContext, flags: ButaneFlags, file?: string) {
    const { butaneOutput, translateButaneText } = await import("../../butane/mod.ts");
    const abs = (p: string) => (isAbsolute(p) ? p : join(this.workspace.root, p));
    let text: string;
    if (file === undefined || file === "-") {
      text = await new Response(Deno.stdin.readable).text();
    } else {
      try {
        text = await Deno.readTextFile(abs(file));
      } catch (err) {
        const why = err instanceof Deno.errors.NotFound
          ? "no such file"
          : err instanceof Deno.errors.IsADirectory
          ? "it is a directory"
          : err instanceof Deno.errors.PermissionDenied
          ? "permission denied"
          : undefined;
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
  },
  parameters: {
    flags: {
      strict: { kind: "boolean", optional: true, brief: "fail on any warning" },
      pretty: { kind: "boolean", optional: true, brief: "indent the JSON output" },
      filesDir: {
        kind: "parsed",
        parse: String,
        optional: true,
        placeholder: "DIR",
        brief: "directory for local, contents_local, ssh_authorized_keys_local and trees",
      },
      check: { kind: "boolean", optional: true, brief: "check the config only, write nothing" },
      raw: {
        kind: "boolean",
        optional: true,
        brief: "openshift: write the Ignition config, not a MachineConfig",
      },
      output: {
        kind: "parsed",
        parse: String,
        optional: true,
        placeholder: "FILE",
        brief: "write the output to FILE instead of stdout",
      },
    },
    aliases: { s: "strict", p: "pretty", d: "filesDir", c: "check", o: "output", r: "raw" },
    positional: {
      kind: "tuple",
      parameters: [{
        brief: "Butane YAML file (stdin when absent)",
        parse: String,
        optional: true,
        placeholder: "FILE",
      }],
    },
  },
  docs: {
    brief:
      "Translate a Butane config (fcos, flatcar, openshift, r4e, fiot) to Ignition, like the butane CLI",
    fullDescription: [
      "Translate a Butane YAML config to Ignition JSON (openshift: a MachineConfig YAML, or with",
      "--raw its Ignition JSON). Problems are reported on stderr as",
      "`error at $.path, line L col C: message`; exit 1 on errors (or warnings with --strict).",
    ].join("\n"),
  },
});
