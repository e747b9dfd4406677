/**
 * The user's workspace: the directory holding `config/`, `machines/`, `containers/`, `output/`
 * and `.iago/`. Every path iago reads or writes is derived here from a validated machine name,
 * so nothing a user types can reach outside the workspace.
 */
import { join, resolve } from "node:path";
import { IagoError, printable, UsageError } from "./errors.ts";

/** A DNS label: what a machine name must be. */
export const MACHINE_NAME_PATTERN = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Where the machines' registry pull password lives, relative to the workspace. `_fleet` cannot be
 * a machine name, so it never meets a machine's `.iago/secrets/NAME/`.
 */
export const PULL_PASSWORD_FILE = ".iago/secrets/_fleet/registry-pull-password";

/** Throws a usage error unless `name` is a DNS label (which also rules out `..` and `/`). */
export function checkMachineName(name: string): string {
  if (!MACHINE_NAME_PATTERN.test(name)) {
    throw new UsageError(`Invalid machine name "${printable(name)}"`, {
      hint:
        "a machine name is a DNS label: 1-63 lowercase letters, digits and hyphens, not starting or ending with a hyphen",
    });
  }
  return name;
}

/** The problem of `machines/NAME` being a symbolic link, for every command that meets one. */
export function linkedMachine(name: string): IagoError {
  return new IagoError("The machine directory is a symbolic link, which iago does not follow", {
    at: { file: `machines/${name}` },
    hint:
      "move the machine's directory itself into machines/ (a link could reach outside the workspace)",
  });
}

/** Paths inside one workspace. */
export class Workspace {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  get configDir(): string {
    return join(this.root, "config");
  }
  get defaultsFile(): string {
    return join(this.root, "config", "defaults.toml");
  }
  get scriptsDir(): string {
    return join(this.root, "config", "scripts");
  }
  get machinesDir(): string {
    return join(this.root, "machines");
  }
  get containersDir(): string {
    return join(this.root, "containers");
  }
  get sharedContainerDir(): string {
    return join(this.root, "containers", "_shared");
  }
  get workloadsDir(): string {
    return join(this.root, "workloads");
  }
  get ignitionDir(): string {
    return join(this.root, "output", "ignition");
  }
  /** Pointer configs of `iago serve --pointer` for several machines (they hold tokens). */
  get pointerDir(): string {
    return join(this.root, "output", "pointer");
  }
  get imagesDir(): string {
    return join(this.root, "output", "images");
  }
  /** Local state: generated secrets, caches, the lock. Mode 0700. */
  get stateDir(): string {
    return join(this.root, ".iago");
  }
  get secretsDir(): string {
    return join(this.root, ".iago", "secrets");
  }

  /** The password or token the machines pull with (`[container_registry] pull_username`). */
  get pullPasswordFile(): string {
    return join(this.root, PULL_PASSWORD_FILE);
  }

  machineDir(name: string): string {
    return join(this.machinesDir, checkMachineName(name));
  }
  machineFile(name: string): string {
    return join(this.machineDir(name), "machine.toml");
  }
  templateFile(name: string): string {
    return join(this.machineDir(name), "butane.yaml.tmpl");
  }
  containerDir(name: string): string {
    return join(this.containersDir, checkMachineName(name));
  }
  ignitionFile(name: string): string {
    return join(this.ignitionDir, `${checkMachineName(name)}.ign`);
  }
  pointerFile(name: string): string {
    return join(this.pointerDir, `${checkMachineName(name)}.ign`);
  }
  imageArchive(name: string): string {
    return join(this.imagesDir, `${checkMachineName(name)}.tar`);
  }
  machineSecretsDir(name: string): string {
    return join(this.secretsDir, checkMachineName(name));
  }

  /** A path relative to the workspace root, for messages (`machines/web/machine.toml`). */
  relative(path: string): string {
    const abs = resolve(path);
    return abs.startsWith(this.root + "/") ? abs.slice(this.root.length + 1) : abs;
  }

  /** Names of the machines (directories of `machines/` holding a machine.toml), sorted. */
  async machineNames(): Promise<string[]> {
    return await listNames(this.machinesDir, "machine.toml");
  }

  /**
   * Names of the entries of `machines/` that are symbolic links: never machines (`ignite NAME`
   * refuses them, `--all`, `list` and `validate` say they were skipped), since a link could
   * reach outside the workspace.
   */
  async linkedMachineDirs(): Promise<string[]> {
    const names: string[] = [];
    try {
      for await (const entry of Deno.readDir(this.machinesDir)) {
        if (entry.isSymlink) names.push(entry.name);
      }
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    }
    return names.sort();
  }

  /** Throws the `linkedMachine` error when `machines/NAME` is a symbolic link. */
  async checkNotLinked(name: string): Promise<void> {
    const info = await Deno.lstat(this.machineDir(name)).catch(() => undefined);
    if (info?.isSymlink) throw linkedMachine(name);
  }

  /** Names of the containers (directories of `containers/` but `_shared`), sorted. */
  async containerNames(): Promise<string[]> {
    return (await listNames(this.containersDir)).filter((n) => n !== "_shared");
  }
}

async function listNames(dir: string, mustContain?: string): Promise<string[]> {
  const candidates: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (entry.isDirectory && !entry.name.startsWith(".")) candidates.push(entry.name);
    }
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  // One at a time and synchronously: a thousand lstat calls at once would each take a thread
  // of Deno's file-system pool, and each thread keeps a malloc arena of its own (megabytes of
  // resident memory for the rest of the run, see bench/ignite_bench.ts).
  const kept = mustContain === undefined ? candidates : candidates.filter((name) => {
    try {
      Deno.lstatSync(join(dir, name, mustContain));
      return true;
    } catch {
      return false;
    }
  });
  return kept.sort();
}
