/** `iago plugin init NAME`: scaffold a workload plugin with a test. */
import { buildCommand, buildRouteMap } from "@stricli/core";
import type { IagoContext } from "../context.ts";

const pluginInitCommand = buildCommand({
  func: async function (this: IagoContext, _flags: Record<never, never>, name: string) {
    const { scaffoldPlugin } = await import("../../plugin/scaffold.ts");
    for (const path of await scaffoldPlugin(this.workspace, name)) {
      this.out.print(`created ${this.workspace.relative(path)}`);
    }
    this.out.info(
      `Use it from a machine with workloads = ["./workloads/${name}.ts"]; ` +
        `test it with: deno test workloads/${name}_test.ts`,
    );
  },
  parameters: {
    positional: {
      kind: "tuple",
      parameters: [{ brief: "plugin name (a DNS label)", parse: String, placeholder: "NAME" }],
    },
  },
  docs: {
    brief: "Create a workload plugin and its test in workloads/",
    fullDescription: [
      "Write workloads/NAME.ts (a complete example plugin), workloads/NAME_test.ts and",
      "workloads/iago-types.ts (the plugin types; import them with `import type`).",
      "See docs/plugins.md for the contract.",
      "",
      "Examples:",
      "  iago plugin init redis",
      "  deno test workloads/redis_test.ts",
    ].join("\n"),
  },
});

export const pluginCommand = buildRouteMap({
  routes: { init: pluginInitCommand },
  docs: { brief: "Workload plugins: create one to start from" },
});
