/**
 * `iago plugin init NAME`: a workload plugin to start from. It writes three files into the
 * workspace's `workloads/`: the plugin, its test, and `iago-types.ts` (the plugin types of this
 * iago version), so the plugin type-checks and tests offline with nothing but Deno.
 */
import { join } from "node:path";
import { IagoError, UsageError } from "../errors.ts";
import { exists, writeFileAtomic } from "../fsutil.ts";
import { MACHINE_NAME_PATTERN, type Workspace } from "../workspace.ts";
import pluginTemplate from "./plugin.ts.tmpl" with { type: "text" };
import testTemplate from "./plugin_test.ts.tmpl" with { type: "text" };
import typesText from "../types.ts" with { type: "text" };

export const TYPES_FILE = "iago-types.ts";

/** Writes the plugin scaffold and returns the paths written (the types file only when changed). */
export async function scaffoldPlugin(ws: Workspace, name: string): Promise<string[]> {
  if (!MACHINE_NAME_PATTERN.test(name)) {
    throw new UsageError(`Invalid plugin name "${name}"`, {
      hint: "a plugin name is a DNS label: lowercase letters, digits and hyphens",
    });
  }
  if (name === "default" || name === "postgres") {
    throw new IagoError(`Cannot create plugin "${name}": a built-in workload has that name`, {
      hint: "choose another name; built-in workloads are used by name in machine.toml",
    });
  }
  const dir = ws.workloadsDir;
  const plugin = join(dir, `${name}.ts`);
  const test = join(dir, `${name}_test.ts`);
  for (const path of [plugin, test]) {
    if (await exists(path)) {
      throw new IagoError(`Cannot create plugin "${name}": ${ws.relative(path)} exists`, {
        hint: "choose another name, or remove the existing file first",
      });
    }
  }
  const fill = (t: string) => t.replaceAll("__NAME__", name);
  const written: string[] = [];
  await Deno.mkdir(dir, { recursive: true });
  const types = join(dir, TYPES_FILE);
  if ((await Deno.readTextFile(types).catch(() => undefined)) !== typesText) {
    await writeFileAtomic(types, typesText);
    written.push(types);
  }
  await writeFileAtomic(test, fill(testTemplate));
  await writeFileAtomic(plugin, fill(pluginTemplate));
  written.push(plugin, test);
  return written;
}
