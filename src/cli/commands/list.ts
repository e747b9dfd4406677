/** `iago list` (`ls`): the machines of the workspace as a table, or JSON with `--json`. */
import { buildCommand } from "@stricli/core";
import { list } from "../lean/list.ts";

export const listCommand = buildCommand({
  func: list,
  parameters: {
    flags: {
      json: { kind: "boolean", default: false, brief: "print a JSON array instead of a table" },
    },
  },
  docs: {
    brief: "List the machines: fqdn, MAC, image, workloads, Ignition state",
    fullDescription: [
      "List every machine of the workspace. IGNITION is 'missing', 'up to date', or 'stale'",
      "(older than machine.toml, butane.yaml.tmpl or config/defaults.toml: run iago ignite).",
      "",
      "Examples:",
      "  iago list",
      "  iago ls --json",
    ].join("\n"),
  },
});
