/**
 * The on-machine scripts, embedded in the program (never read from its source tree at run
 * time), and the user's overrides of them from `config/scripts/`.
 */
import { join } from "node:path";
import { didYouMean, IagoError } from "../errors.ts";
import bootcManager from "./bootc-manager.sh" with { type: "text" };
import bootcRun from "./bootc-run.sh" with { type: "text" };
import bootcUpdate from "./bootc-update.sh" with { type: "text" };
import motd from "./motd.sh" with { type: "text" };
import postgresBackup from "./postgres-backup.sh" with { type: "text" };

/** Every embedded script by file name; each is installed as `/usr/local/bin/NAME`, mode 0755. */
export const RUNTIME_SCRIPTS: Readonly<Record<string, string>> = Object.freeze({
  "bootc-run.sh": bootcRun,
  "bootc-manager.sh": bootcManager,
  "bootc-update.sh": bootcUpdate,
  "motd.sh": motd,
  "postgres-backup.sh": postgresBackup,
});

/** The scripts every machine gets (the `default` workload). */
export const DEFAULT_WORKLOAD_SCRIPTS: readonly string[] = Object.freeze([
  "bootc-run.sh",
  "bootc-manager.sh",
  "bootc-update.sh",
  "motd.sh",
]);

/** The scripts the `postgres` workload adds. */
export const POSTGRES_WORKLOAD_SCRIPTS: readonly string[] = Object.freeze(["postgres-backup.sh"]);

/**
 * `/etc/profile.d/iago-motd.sh`: runs `motd.sh` in interactive login shells. It is sourced by
 * the user's shell, so it only calls the script (which may use `set -u` and `exit`).
 */
export const MOTD_PROFILE_SCRIPT = `# iago: container status at login (see /usr/local/bin/motd.sh)
case $- in
  *i*) [ -x /usr/local/bin/motd.sh ] && /usr/local/bin/motd.sh ;;
esac
`;

export interface LoadRuntimeScriptsOptions {
  /** How the directory is named in messages (e.g. `config/scripts`); default the path. */
  label?: string;
  /** Receives a warning for a file that looks like a misspelt script name. */
  onWarning?: (message: string) => void;
  /**
   * The directory overrides must be in once links are followed (the workspace): a link to a
   * file elsewhere would embed it in every machine's Ignition file.
   */
  within?: string;
}

/**
 * The embedded scripts with the user's overrides applied: a file `config/scripts/NAME` with
 * the name of an embedded script replaces it. Other files there are left alone: they are the
 * template's own files (`contents.local`), not overrides; one whose name is a likely typo of an
 * embedded script is reported through `onWarning`. A missing directory means no overrides.
 * Throws an `IagoError` naming the file when an override is not a regular file, cannot be read,
 * is outside `within`, or does not start with a `#!` line (systemd could not run it).
 */
export async function loadRuntimeScripts(
  scriptsDir: string,
  options: LoadRuntimeScriptsOptions = {},
): Promise<Record<string, string>> {
  const label = options.label ?? scriptsDir;
  const scripts: Record<string, string> = { ...RUNTIME_SCRIPTS };
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(scriptsDir));
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return scripts;
    throw new IagoError(`Cannot read the script overrides: ${(err as Error).message}`, {
      at: { file: label },
      cause: err,
    });
  }
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const shown = `${label}/${entry.name}`;
    if (!Object.hasOwn(RUNTIME_SCRIPTS, entry.name)) {
      const near = didYouMean(entry.name, Object.keys(RUNTIME_SCRIPTS));
      if (near && options.onWarning) {
        options.onWarning(
          `${shown}: replaces no embedded script; did you mean "${near}"?`,
        );
      }
      continue;
    }
    const path = join(scriptsDir, entry.name);
    let text: string;
    try {
      const info = await Deno.stat(path);
      if (!info.isFile) {
        throw new IagoError(`Cannot use the override "${entry.name}": it is not a regular file`, {
          at: { file: shown },
          hint: `replace it with a file, or remove it to use the embedded ${entry.name}`,
        });
      }
      if (options.within !== undefined) await checkWithin(path, options.within, entry.name, shown);
      text = await Deno.readTextFile(path);
    } catch (err) {
      if (err instanceof IagoError) throw err;
      throw new IagoError(`Cannot read the override "${entry.name}": ${(err as Error).message}`, {
        at: { file: shown },
        cause: err,
      });
    }
    if (!text.startsWith("#!")) {
      throw new IagoError(
        `Cannot use the override "${entry.name}": it does not start with a "#!" line`,
        {
          at: { file: shown, line: 1, col: 1 },
          hint: "start it with #!/bin/bash (or another interpreter), as the embedded script does",
        },
      );
    }
    scripts[entry.name] = text;
  }
  return scripts;
}

/** Throws an `IagoError` unless the file at `path`, links followed, is inside `dir`. */
async function checkWithin(path: string, dir: string, name: string, shown: string) {
  const [real, root] = await Promise.all([Deno.realPath(path), Deno.realPath(dir)]);
  if (real.startsWith(root + "/")) return;
  throw new IagoError(
    `Cannot use the override "${name}": it is a link to ${real}, outside the workspace`,
    {
      at: { file: shown },
      hint: "copy the script into the workspace instead of linking to it",
    },
  );
}
