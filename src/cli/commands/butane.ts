/**
 * `iago butane`: the Butane translator with the butane CLI's flags, report format and exit
 * codes. Reads FILE (or stdin), writes Ignition JSON to stdout or `-o FILE` (atomically).
 */
import { buildCommand } from "@stricli/core";
import { butane } from "../lean/butane.ts";

export const butaneCommand = buildCommand({
  func: butane,
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
