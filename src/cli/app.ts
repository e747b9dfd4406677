/**
 * The command tree. Each command lives in `commands/NAME.ts` and is registered here once, with
 * its aliases; Stricli gives typed flags, `--flag=false`, `--no-flag`, help and completions.
 */
import {
  type Application,
  buildApplication,
  buildRouteMap,
  text_en as textEn,
} from "@stricli/core";
import { versionLine } from "../version.ts";
import type { IagoContext } from "./context.ts";
import { completeCommand, completionsCommand } from "./commands/completions.ts";
import { buildCommand } from "./commands/build.ts";
import { butaneCommand } from "./commands/butane.ts";
import { igniteCommand } from "./commands/ignite.ts";
import { initCommand } from "./commands/init.ts";
import { planCommand } from "./commands/plan.ts";
import { serveCommand } from "./commands/serve.ts";
import { statusCommand } from "./commands/status.ts";
import { listCommand } from "./commands/list.ts";
import { pluginCommand } from "./commands/plugin.ts";
import { rmCommand } from "./commands/rm.ts";
import { validateCommand } from "./commands/validate.ts";
import { verifyCommand } from "./commands/verify.ts";

/** Builds the application; `onError` prints a failure and returns its exit code. */
export function buildApp(onError: (exc: unknown) => number): Application<IagoContext> {
  const root = buildRouteMap({
    routes: {
      init: initCommand,
      list: listCommand,
      rm: rmCommand,
      validate: validateCommand,
      ignite: igniteCommand,
      build: buildCommand,
      verify: verifyCommand,
      plan: planCommand,
      serve: serveCommand,
      status: statusCommand,
      butane: butaneCommand,
      plugin: pluginCommand,
      completions: completionsCommand,
      __complete: completeCommand,
    },
    aliases: { ls: "list", remove: "rm", delete: "rm", val: "validate", gen: "ignite" },
    docs: {
      brief: "Fedora CoreOS machines, their Ignition files and bootc images, from a git repository",
      fullDescription: [
        "Fedora CoreOS machines, their Ignition files and bootc images, from a git repository.",
        "",
        "Global flags, before or after the command:",
        "  -C DIR, --workspace DIR   the workspace (holding config/ and machines/); default: .",
        "  -q, --quiet               print only problems (for cron)",
        "",
        "Every boolean flag also takes --flag=false and --no-flag. Exit codes: 0 ok, 1 failure,",
        "2 usage error. NO_COLOR turns colour off; IAGO_DEBUG=1 adds stack traces.",
      ].join("\n"),
      hideRoute: { __complete: true },
    },
  });
  return buildApplication<IagoContext>(root, {
    name: "iago",
    versionInfo: { currentVersion: versionLine() },
    scanner: { caseStyle: "allow-kebab-for-camel", allowArgumentEscapeSequence: true },
    documentation: { caseStyle: "convert-camel-to-kebab", disableAnsiColor: false },
    determineExitCode: onError,
    localization: {
      loadText: () => ({
        ...textEn,
        // Usage problems in iago's own format: "error: what" and a hint line saying where to look.
        noCommandRegisteredForInput: (args) =>
          `error: ${textEn.noCommandRegisteredForInput({ ...args, ansiColor: false })}\n` +
          "  hint: iago --help lists the commands",
        exceptionWhileParsingArguments: (exc) =>
          `error: ${textEn.exceptionWhileParsingArguments(exc, false)}\n` +
          "  hint: iago COMMAND --help shows its flags and arguments",
        // determineExitCode has already printed the error in iago's own format.
        exceptionWhileRunningCommand: () => "",
        commandErrorResult: () => "",
      }),
    },
  });
}
