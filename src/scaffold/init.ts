/**
 * `iago init NAME`: a new machine (machine.toml and butane.yaml.tmpl) and its container
 * scaffold. Everything is checked first, then written into hidden staging directories and
 * renamed into place, so a failure leaves the workspace as it was.
 */
import { ensureGitignore } from "./gitignore.ts";
import { join } from "node:path";
import {
  checkDefaults,
  checkMachine,
  collectMacs,
  DEFAULT_DEFAULTS_TOML,
  type Defaults,
  generateMac,
  unwrap,
} from "../config/mod.ts";
import { isDomain } from "../config/checks.ts";
import { IagoError, UsageError } from "../errors.ts";
import { exists, readTextIfExists, writeFileAtomic } from "../fsutil.ts";
import { checkMachineName, type Workspace } from "../workspace.ts";
import { renderContainerScaffold, wantsLink } from "./container.ts";
import { MACHINE_TEMPLATE, machineToml } from "./machine.ts";

export interface InitOptions {
  /** Domain of the fqdn; default `[machine] domain`. */
  domain?: string;
  /** Write a random `mac_address` under `[machine] mac_prefix` (default true). */
  generateMac?: boolean;
  /** Only machines/NAME. */
  machineOnly?: boolean;
  /** Only containers/NAME. */
  containerOnly?: boolean;
  /** Random bytes for the MAC (tests); defaults to the CSPRNG. */
  random?: (bytes: Uint8Array) => Uint8Array;
}

export interface InitResult {
  name: string;
  /** Workspace-relative paths written, in order. */
  created: string[];
  /** The generated MAC, when one was. */
  macAddress?: string;
  fqdn?: string;
}

/**
 * Creates machine `name` in `ws`. Throws a `UsageError` for a bad name or flags, and an
 * `IagoError` when the machine or container exists or the defaults are invalid; in every
 * failure case nothing is left written.
 */
export async function initMachine(
  ws: Workspace,
  name: string,
  options: InitOptions = {},
): Promise<InitResult> {
  checkMachineName(name);
  if (options.machineOnly && options.containerOnly) {
    throw new UsageError("--machine-only and --container-only exclude each other", {
      hint: "leave both out to create the machine and its container",
    });
  }
  if (options.domain !== undefined && !isDomain(options.domain)) {
    throw new UsageError(`Invalid domain "${options.domain}"`, {
      hint: 'use DNS labels separated by dots, like "example.com"',
    });
  }
  const wantMachine = !options.containerOnly;
  const wantContainer = !options.machineOnly;

  const defaultsText = await readTextIfExists(ws.defaultsFile);
  const defaults = unwrap(
    defaultsText === undefined
      ? checkDefaults(DEFAULT_DEFAULTS_TOML, ws.relative(ws.defaultsFile))
      : checkDefaults(defaultsText, ws.relative(ws.defaultsFile)),
  );

  const machineDir = ws.machineDir(name);
  const containerDir = ws.containerDir(name);
  if (wantMachine && await exists(machineDir)) {
    throw new IagoError(`Cannot create machine "${name}": ${ws.relative(machineDir)} exists`, {
      hint: `choose another name, or remove it first with: iago rm ${name}`,
    });
  }
  if (wantContainer && await exists(containerDir)) {
    throw new IagoError(`Cannot create container "${name}": ${ws.relative(containerDir)} exists`, {
      hint: wantMachine
        ? `use --machine-only to create only the machine, or remove it first with: iago rm ${name}`
        : `remove it first with: iago rm ${name}`,
    });
  }

  const result: InitResult = { name, created: [] };
  const undo: (() => Promise<void>)[] = [];
  try {
    if (defaultsText === undefined) {
      await writeFileAtomic(ws.defaultsFile, DEFAULT_DEFAULTS_TOML, { mkdirMode: 0o755 });
      undo.push(() => Deno.remove(ws.defaultsFile));
      result.created.push(ws.relative(ws.defaultsFile));
      const restore = await ensureGitignore(ws);
      if (restore) {
        undo.push(restore);
        result.created.push(".gitignore");
      }
    }
    if (wantMachine) {
      const staged = await stageMachine(ws, name, defaults, options, result);
      undo.push(() => Deno.remove(staged, { recursive: true }));
      await Deno.rename(staged, machineDir);
      undo.push(() => Deno.remove(machineDir, { recursive: true }));
      result.created.push(
        ws.relative(join(machineDir, "machine.toml")),
        ws.relative(join(machineDir, "butane.yaml.tmpl")),
      );
    }
    if (wantContainer) {
      const staged = await stageContainer(ws, name, defaults);
      undo.push(() => Deno.remove(staged, { recursive: true }));
      await Deno.rename(staged, containerDir);
      undo.push(() => Deno.remove(containerDir, { recursive: true }));
      result.created.push(ws.relative(containerDir) + "/");
    }
  } catch (err) {
    for (const step of undo.reverse()) await step().catch(() => {});
    throw err;
  }
  return result;
}

/** Writes machine.toml and the template into a hidden directory; returns its path. */
async function stageMachine(
  ws: Workspace,
  name: string,
  defaults: Defaults,
  options: InitOptions,
  result: InitResult,
): Promise<string> {
  const domain = (options.domain ?? defaults.machine.domain).toLowerCase().replace(/\.$/, "");
  const fqdn = `${name}.${domain}`;
  let macAddress: string | undefined;
  if (options.generateMac ?? true) {
    const taken = new Set((await collectMacs(ws)).keys());
    macAddress = generateMac(defaults.machine.macPrefix, taken, options.random);
  }
  const text = machineToml({ name, fqdn, macAddress }, defaults);
  // The generated file must read back as valid; a failure here is a bug, reported as such.
  unwrap(checkMachine(text, ws.relative(ws.machineFile(name)), name, defaults));
  const staged = await stagingDir(ws.machinesDir, name);
  await writeFileAtomic(join(staged, "machine.toml"), text);
  await writeFileAtomic(join(staged, "butane.yaml.tmpl"), MACHINE_TEMPLATE);
  result.fqdn = fqdn;
  if (macAddress !== undefined) result.macAddress = macAddress;
  return staged;
}

/** Writes the container scaffold into a hidden directory; returns its path. */
async function stageContainer(ws: Workspace, name: string, defaults: Defaults): Promise<string> {
  const ctx = {
    name,
    appUser: `${name}-app`,
    baseImage: defaults.scaffold.baseImage,
    image: `${defaults.containerRegistry.url}/${name}:latest`,
  };
  const files = await renderContainerScaffold(ws, ctx);
  const staged = await stagingDir(ws.containersDir, name);
  try {
    for (const f of files) {
      await writeFileAtomic(join(staged, f.path), f.text, { mode: f.mode, mkdirMode: 0o755 });
    }
    const link = wantsLink(ctx);
    await Deno.mkdir(join(staged, link.path, ".."), { recursive: true });
    await Deno.symlink(link.target, join(staged, link.path));
  } catch (err) {
    await Deno.remove(staged, { recursive: true }).catch(() => {});
    throw err;
  }
  return staged;
}

/** A new hidden directory next to where `name` will go (so the rename stays on one device). */
async function stagingDir(parent: string, name: string): Promise<string> {
  await Deno.mkdir(parent, { recursive: true });
  const dir = join(parent, `.${name}.init-${crypto.randomUUID().slice(0, 8)}`);
  await Deno.mkdir(dir);
  return dir;
}
