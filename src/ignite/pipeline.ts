/**
 * `ignite` for one machine: defaults + machine.toml → context → eta render of its template →
 * Butane document → workload overlays merged under it → secrets added → translated and checked
 * → `output/ignition/NAME.ign`, written atomically (0600) only when its bytes change.
 */
import { dirname, join } from "node:path";
import {
  type ButaneReportEntry,
  formatReportEntry,
  translateButaneDocumentSync,
} from "../butane/mod.ts";
import { mtime, newestMachineInput } from "../config/fleet.ts";
import { type Defaults, loadDefaults, loadMachine } from "../config/mod.ts";
import { IagoError } from "../errors.ts";
import { readTextIfExists } from "../fsutil.ts";
import { type GithubKeys, githubKeys } from "../keys/github.ts";
import { buildContext, machineInfo } from "../render/context.ts";
import { loadRuntimeScripts } from "../runtime/mod.ts";
import { Sandbox, sandboxMemoryFromEnv, sandboxTimeoutFromEnv } from "../sandbox/sandbox.ts";
import type { OutputSink } from "../sandbox/shown_output.ts";
import { ensureGitignore } from "../scaffold/gitignore.ts";
import type { SecretUse } from "../secrets/audit.ts";
import { finishInterruptedCommit, SecretStore } from "../secrets/store.ts";
import type { ButaneConfig, MachineInfo, TemplateContext } from "../types.ts";
import { checkOverlay, checkSecretSpecs } from "../workload/contract.ts";
import { type LoadedWorkload, loadWorkloads } from "../workload/loader.ts";
import { mergeLayersTracked, type OverlayLayer } from "../workload/merge.ts";
import type { Workspace } from "../workspace.ts";
import { addDigestFile, ignitionDigest } from "./digest.ts";
import { readMachineDocument, templatePositions } from "./document.ts";
import { readRegistryAccess, type RegistryAccess } from "./registry_access.ts";

export interface IgniteOptions {
  /** Butane warnings are errors (default true). */
  strict?: boolean;
  /** Generate every secret of the machine anew. */
  rotateSecrets?: boolean;
  /** Environment: `IAGO_GITHUB_URL`, `IAGO_PLUGIN_TIMEOUT`, `IAGO_PLUGIN_MEMORY`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Receives warnings (Butane report entries when not strict, key lookup failures). */
  onWarning?: (message: string) => void;
  /**
   * Receives each line templates and plugins print, after the file (and machine) it came from,
   * secrets hidden; `problem` for `console.warn`/`console.error`. Not shown without it.
   */
  onCodeOutput?: OutputSink;
  /**
   * Write nothing, not even the SSH key cache; a secret ignite would generate is a stand-in
   * (`NEW_SECRET_STAND_IN` + its name), so none is made that would be kept nowhere.
   */
  dryRun?: boolean;
}

/**
 * What one run shares between machines: defaults, scripts and SSH keys are read once, and one
 * sandbox renders the templates and runs the plugins. `close()` ends the sandbox process.
 */
export class IgniteSession {
  readonly ws: Workspace;
  readonly options: IgniteOptions;
  readonly sandbox: Sandbox;
  #defaults?: Promise<Defaults>;
  #scripts?: Promise<Record<string, string>>;
  #registryAccess?: Promise<RegistryAccess>;
  #keys = new Map<string, Promise<GithubKeys>>();
  #warned = new Set<string>();
  #ignoreRules?: Promise<unknown>;

  constructor(ws: Workspace, options: IgniteOptions = {}) {
    this.ws = ws;
    this.options = options;
    this.sandbox = new Sandbox({
      timeoutMs: sandboxTimeoutFromEnv(options.env ?? {}),
      memoryBytes: sandboxMemoryFromEnv(options.env ?? {}),
      onOutput: options.onCodeOutput,
    });
  }

  /** Ends the sandbox process (an idle one would keep iago running); resolves once it ended. */
  close(): Promise<void> {
    return this.sandbox.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  defaults(): Promise<Defaults> {
    return this.#defaults ??= loadDefaults(this.ws);
  }

  scripts(): Promise<Record<string, string>> {
    return this.#scripts ??= loadRuntimeScripts(this.ws.scriptsDir, {
      within: this.ws.root,
      label: this.ws.relative(this.ws.scriptsDir),
      onWarning: (w) => this.options.onWarning?.(w),
    });
  }

  /** The pull password and signing key every machine gets, read once per run. */
  async registryAccess(): Promise<RegistryAccess> {
    const defaults = await this.defaults();
    return await (this.#registryAccess ??= readRegistryAccess(
      this.ws,
      defaults,
      (w) => this.warnOnce(w),
    ));
  }

  githubKeys(username: string): Promise<GithubKeys> {
    let pending = this.#keys.get(username);
    if (!pending) {
      pending = githubKeys(username, {
        baseUrl: this.options.env?.IAGO_GITHUB_URL,
        cacheDir: join(this.ws.stateDir, "keys"),
        readOnlyCache: this.options.dryRun,
      });
      this.#keys.set(username, pending);
    }
    return pending;
  }

  /**
   * Writes or repairs the workspace's `.gitignore` rules for `output/` and `.iago/`, once per
   * run: called before the first Ignition file or secret is written, so `git add -A` never
   * stages them.
   */
  ignoreRules(): Promise<unknown> {
    return this.#ignoreRules ??= ensureGitignore(this.ws);
  }

  /** Passes `message` to `onWarning` the first time in this run. */
  warnOnce(message: string): void {
    if (this.#warned.has(message)) return;
    this.#warned.add(message);
    this.options.onWarning?.(message);
  }
}

/** The outcome for one machine. */
export interface IgniteResult {
  name: string;
  /** `written`: new or changed; `unchanged`: same bytes already there; `checked`: not written. */
  status: "written" | "unchanged" | "checked";
  /** Where the output is (or would be). */
  file: string;
  /** The Ignition JSON. */
  json: string;
}

/**
 * Generates the Ignition file of machine `name` and writes it to `output` (default
 * `output/ignition/NAME.ign`) unless the same bytes are there. Throws an `IagoError` for every
 * problem, leaving the previous file and the stored secrets as they were.
 */
export async function igniteMachine(
  session: IgniteSession,
  name: string,
  output?: string,
): Promise<IgniteResult> {
  const ws = session.ws;
  const file = output ?? ws.ignitionFile(name);
  // A run killed half-way through its commit left the new secrets pending: settle them before
  // they are read, or this run would make its output from the wrong generation.
  await finishInterruptedCommit(ws.machineSecretsDir(name));
  const { json, store } = await generate(session, name);
  const previous = await readTextIfExists(file);
  if (previous === json && !store.dirty) {
    await markCurrent(ws, name, file);
    return { name, status: "unchanged", file, json };
  }
  await session.ignoreRules();
  await Deno.mkdir(dirname(file), { recursive: true, mode: 0o700 });
  await store.commit(file, json);
  return { name, status: "written", file, json };
}

/**
 * Renders, merges and translates machine `name` without writing anything (for `validate`),
 * and says which stored secrets its Ignition file uses. Throws like `igniteMachine`.
 */
export async function checkMachineIgnition(
  session: IgniteSession,
  name: string,
): Promise<IgniteResult & { use: SecretUse }> {
  const { json, use } = await generate(session, name);
  return { name, status: "checked", file: session.ws.ignitionFile(name), json, use };
}

/** What `ignite` would write for a machine, and which of its values are secret. */
export interface DryIgnition extends IgniteResult {
  /** Every secret value in it (stored, or stand-ins for new ones). */
  secretValues: string[];
  /** Secrets `ignite` would generate (`postgres-password`, `accounts/core`, ...). */
  newSecrets: string[];
}

/**
 * What `ignite` would write for machine `name` now, from a session with `dryRun` (nothing is
 * written or generated). Throws like `igniteMachine`.
 */
export async function dryIgnite(session: IgniteSession, name: string): Promise<DryIgnition> {
  if (!session.options.dryRun) throw new Error("dryIgnite() needs a session with dryRun");
  const { json, store } = await generate(session, name);
  return {
    name,
    status: "checked",
    file: session.ws.ignitionFile(name),
    json,
    secretValues: store.values,
    newSecrets: store.newNames.filter((n) => !n.endsWith(".hash")),
  };
}

async function generate(
  session: IgniteSession,
  name: string,
): Promise<{ json: string; store: SecretStore; use: SecretUse }> {
  const ws = session.ws;
  const defaults = await session.defaults();
  const machine = await loadMachine(ws, name, defaults);
  const templateFile = ws.relative(ws.templateFile(name));
  const template = await readTextIfExists(ws.templateFile(name));
  if (template === undefined) {
    throw new IagoError(`Machine "${name}" has no template`, {
      at: { file: templateFile },
      hint:
        `create it with: iago init --machine-only ${name} (on a new machine), or restore it from git`,
    });
  }
  const workloads = await loadWorkloads(
    ws,
    session.sandbox,
    machine.workloads,
    { file: machine.file },
    await readTextIfExists(ws.machineFile(name)),
  );
  const info = machineInfo(machine, defaults);
  await checkWorkloadsFit(workloads, info);

  const store = new SecretStore(ws.machineSecretsDir(name), {
    rotate: session.options.rotateSecrets,
    dryRun: session.options.dryRun,
  });
  const secretFiles = new Map<LoadedWorkload, ButaneConfig>();
  const secrets: Record<string, string> = {};
  const use: SecretUse = {
    accounts: [defaults.user, defaults.admin].filter((a) => !a.passwordHash).map((a) => a.username),
    files: [],
  };
  for (const w of workloads) {
    const specs = await callPlugin(w, "secrets()", () => w.workload.secrets?.(info)) ?? [];
    const problems = checkSecretSpecs(specs);
    if (problems.length > 0) throw notAWorkload(w, problems);
    const files = [];
    for (const spec of specs) {
      const value = await store.secret(spec.name, spec.length ?? 32).catch((err) => {
        throw new IagoError(
          err instanceof IagoError
            ? `${w.source}: secrets(): ${err.message}`
            : `${w.source}: secrets() asks for "${spec.name}", which iago cannot keep: ${
              err instanceof Error ? err.message : String(err)
            }`,
          {
            hint: (err instanceof IagoError && err.hint) ||
              "give the secret another name in the workload's secrets()",
            cause: err,
          },
        );
      });
      const path = spec.path ?? `/etc/iago/secrets/${spec.name}`;
      secrets[spec.name] = value;
      use.files.push({ name: spec.name, path });
      files.push({
        path,
        mode: spec.mode ?? 0o600,
        contents: { inline: value },
      });
    }
    if (files.length > 0) secretFiles.set(w, { storage: { files } });
  }

  const access = await session.registryAccess();
  const context = buildContext({
    defaults,
    machine,
    secrets,
    pullPassword: access.pullPassword,
    signingPublicKey: access.signingPublicKey,
    userSshKeys: await userKeys(session, defaults),
    userPasswordHash: defaults.user.passwordHash ||
      (await store.accountPassword(defaults.user.username)).hash,
    adminPasswordHash: defaults.admin.passwordHash ||
      (await store.accountPassword(defaults.admin.username)).hash,
  });

  // The template and the plugins' overlay() get these: what they print must not show them.
  session.sandbox.hideInOutput([...store.values, access.pullPassword]);
  const rendered = await session.sandbox.renderTemplate(template, context, templateFile);
  const document = readMachineDocument(rendered.text, templateFile, rendered.sourceLine);
  const layers = await overlayLayers(workloads, context, await session.scripts(), secretFiles);
  const merged = mergeLayersTracked(layers, { source: templateFile, config: document.config });
  const positions = templatePositions(document.tree, merged.config);

  const translate = (config: ButaneConfig) =>
    translateButaneDocumentSync(config as Record<string, unknown>, {
      filesDir: ws.scriptsDir,
      filesDirShown: ws.relative(ws.scriptsDir),
      // A link in config/scripts must not put a file from elsewhere on the bastion into it.
      localFilesInside: true,
      strict: session.options.strict ?? true,
      fileName: templateFile,
      positions,
    });
  let result = translate(merged.config);
  // The config carries its own digest (computed without that file) so `iago status` can tell
  // which config provisioned a machine: translated once to know it, once more with the file.
  if (result.ok && result.json !== undefined) {
    result = translate(addDigestFile(merged.config, ignitionDigest(JSON.parse(result.json))));
  }
  // Findings come with lines of the rendered YAML: report the template's lines. A finding at a
  // place the template did not write belongs to the workload that wrote it, though the
  // translator gives it the line of the nearest key the template has (its list, say).
  const writer = (entry: ButaneReportEntry) =>
    positions.has(entry.path) ? templateFile : merged.sourceOf(entry.path) ?? templateFile;
  const report = result.report.map((e) => {
    if (writer(e) !== templateFile) return { ...e, line: undefined, col: undefined };
    return e.line === undefined ? e : { ...e, line: rendered.sourceLine(e.line) };
  });
  const blame = (entry: ButaneReportEntry) =>
    entry.line === undefined ? writer(entry) : templateFile;
  if (!result.ok || result.json === undefined) {
    throw translationError({ ...result, report }, blame);
  }
  for (const entry of report) {
    const at = entry.line === undefined ? "" : `:${entry.line}:${entry.col ?? 1}`;
    session.options.onWarning?.(`${blame(entry)}${at}: ${describeEntry(entry)}`);
  }
  return { json: result.json, store, use };
}

async function userKeys(session: IgniteSession, defaults: Defaults): Promise<string[]> {
  const github = defaults.user.githubUsername;
  if (!github) return [];
  const { keys, warning, failure } = await session.githubKeys(github);
  if (keys.length === 0 && !defaults.user.passwordHash) {
    throw new IagoError(
      `Nobody could log in as "${defaults.user.username}": GitHub user "${github}" has no SSH keys${
        failure ? ` (${failure}; none cached)` : ""
      } and [user] password_hash is empty`,
      {
        at: { file: defaults.file },
        hint:
          "add an SSH key to the GitHub account (or fix github_username), or set password_hash (openssl passwd -6)",
      },
    );
  }
  if (warning) session.warnOnce(warning);
  return keys;
}

async function overlayLayers(
  workloads: LoadedWorkload[],
  context: TemplateContext,
  scripts: Record<string, string>,
  secretFiles: Map<LoadedWorkload, ButaneConfig>,
): Promise<OverlayLayer[]> {
  const layers: OverlayLayer[] = [];
  for (const w of workloads) {
    // Each workload gets its own copy: one cannot change what the next one sees.
    const overlay = await callPlugin(
      w,
      "overlay()",
      () => w.workload.overlay(Object.freeze({ ...structuredClone(context), scripts })),
    );
    const problems = checkOverlay(overlay);
    if (problems.length > 0) throw notAWorkload(w, problems);
    layers.push({ source: w.source, config: overlay as ButaneConfig });
    const secrets = secretFiles.get(w);
    if (secrets) layers.push({ source: w.source, config: secrets });
  }
  return layers;
}

async function checkWorkloadsFit(workloads: LoadedWorkload[], info: MachineInfo): Promise<void> {
  for (const w of workloads) {
    const problems = await callPlugin(w, "validate()", () => w.workload.validate?.(info)) ?? [];
    if (!Array.isArray(problems) || problems.some((p) => typeof p !== "string")) {
      throw notAWorkload(w, ["validate() must return an array of strings"]);
    }
    if (problems.length > 0) {
      throw new IagoError(
        `${w.source} does not fit machine "${info.name}": ${problems.join("; ")}`,
        {
          hint: "change the machine's machine.toml, or remove the workload from its workloads",
        },
      );
    }
  }
}

/**
 * Runs a workload's function and awaits what it returns (a plugin's always comes as a promise
 * from the sandbox, which already names the plugin in its errors); an exception of a built-in
 * becomes an error naming it.
 */
async function callPlugin<T>(w: LoadedWorkload, what: string, fn: () => T): Promise<Awaited<T>> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof IagoError) throw err;
    const message = err instanceof Error ? err.message : String(err);
    throw new IagoError(`${w.source}: ${what} failed: ${message}`, {
      cause: err,
      hint: "fix the workload",
    });
  }
}

function notAWorkload(w: LoadedWorkload, problems: string[]): IagoError {
  return new IagoError(`${w.source}: ${problems.join("; ")}`, {
    hint: 'see README "Workloads and plugins" for the contract',
  });
}

/** A report entry without its position (the message's location prefix carries that). */
function describeEntry(entry: ButaneReportEntry): string {
  return formatReportEntry({ ...entry, line: undefined, col: undefined });
}

function translationError(
  result: { report: ButaneReportEntry[]; error?: string },
  blame: (entry: ButaneReportEntry) => string,
): IagoError {
  const first = result.report.find((e) => e.severity === "error") ?? result.report[0];
  if (!first) {
    return new IagoError(
      `Cannot translate the Butane document: ${result.error ?? "unknown error"}`,
      { at: { file: blame({ severity: "error", path: "$", message: "" }) } },
    );
  }
  const file = blame(first);
  const more = result.report.length > 1 ? ` (and ${result.report.length - 1} more)` : "";
  const strictOnly = result.report.every((e) => e.severity === "warning");
  return new IagoError(`${describeEntry(first)}${more}`, {
    at: first.line !== undefined ? { file, line: first.line, col: first.col } : { file },
    hint: strictOnly
      ? "warnings are errors with --strict (the default); fix them, or run with --strict=false"
      : first.line === undefined && !file.endsWith(".tmpl")
      ? "the entry comes from this workload's overlay(); the path is in the merged document"
      : "the path is in the merged document (workloads' entries first)",
  });
}

/**
 * An unchanged Ignition file is not rewritten, but it is made current: when an input changed in
 * a way that did not change the output (a comment), its time moves past the inputs' so `iago
 * list` does not call it stale; and a copy that widened its mode gets 0600 back (it holds secrets).
 */
async function markCurrent(ws: Workspace, name: string, file: string): Promise<void> {
  const info = await Deno.stat(file);
  if ((info.mode! & 0o777) !== 0o600) await Deno.chmod(file, 0o600);
  const defaultsTime = await mtime(ws.defaultsFile) ?? 0;
  if ((info.mtime?.getTime() ?? 0) < await newestMachineInput(ws, name, defaultsTime)) {
    const now = new Date();
    await Deno.utime(file, now, now);
  }
}
