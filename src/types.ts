/**
 * The types a workload plugin author needs. `iago plugin init` writes this file into the
 * workspace as `workloads/iago-types.ts`; a plugin imports it with `import type` only, so the
 * plugin stays one self-contained ES module that works with the compiled iago binary:
 *
 * ```ts
 * import type { Workload } from "./iago-types.ts";
 * const motd: Workload = { name: "motd", overlay: (ctx) => ({ storage: { files: [] } }) };
 * export default motd;
 * ```
 */

/** The machine a template or workload is rendered for (from `machines/NAME/machine.toml`). */
export interface MachineInfo {
  /** `name`: the machine name, a DNS label (`"postgres"`). */
  name: string;
  /** `fqdn` (`"postgres.example.org"`). */
  fqdn: string;
  /** `mac_address`, or `""` when unset (`"02:05:56:39:1b:21"`). */
  macAddress: string;
  /** `container_image` without the tag; defaults to `{registry}/{name}`. */
  containerImage: string;
  /** `container_tag`; defaults to `"latest"`. */
  containerTag: string;
  /** `network_interface`, or `[network] default_network_interface` when unset. */
  networkInterface: string;
  /** `mount_host_etc`: the container sees the machine's whole `/etc` (default false). */
  mountHostEtc: boolean;
  /** `workloads`: the workloads this machine opts into, as written in machine.toml. */
  workloads: string[];
}

/** Plugins validate this shape; it is the same object as {@link MachineInfo}. */
export type Machine = MachineInfo;

/** A login account from `[user]` or `[admin]` in `config/defaults.toml`. */
export interface AccountInfo {
  /** `username`. */
  username: string;
  /** `groups`. */
  groups: string[];
  /** `password_hash`, or the SHA-512 crypt hash of a generated password when that is empty. */
  passwordHash: string;
  /** SSH public keys for this account (the user's come from GitHub). */
  sshKeys: string[];
}

/** Everything a `butane.yaml.tmpl` sees as `it` (and a workload's overlay as `ctx`). */
export interface TemplateContext {
  machine: MachineInfo;
  /** `[user]`, plus `githubUsername`. */
  user: AccountInfo & { githubUsername: string };
  /** `[admin]`. */
  admin: AccountInfo;
  network: {
    /** `timezone`, an IANA name (`"America/New_York"`). */
    timezone: string;
    /** `default_network_interface` (`"eth0"`). */
    defaultNetworkInterface: string;
  };
  updates: {
    /** `stream`: `stable`, `testing` or `next`. */
    stream: string;
    /** `strategy` (`"periodic"`). */
    strategy: string;
    /** `period` (`"daily"`). */
    period: string;
    /** `reboot_time`, `HH:MM` (`"03:00"`). */
    rebootTime: string;
    /** `reboot_window_minutes` (`60`). */
    rebootWindowMinutes: number;
  };
  bootc: {
    /** `update_time`, `HH:MM:SS` (`"02:00:00"`). */
    updateTime: string;
    /** `health_check_wait`, seconds (`30`). */
    healthCheckWait: number;
  };
  containerRegistry: {
    /** `url` (`"ghcr.io/user"`). */
    url: string;
    /** `insecure`: registries (`host[:port]`) spoken to over plain HTTP. */
    insecure: string[];
    /** `pull_username`: the read-only account machines pull with, or `""`. */
    pullUsername: string;
    /** Its password or token (`.iago/secrets/_fleet/registry-pull-password`), or `""`. */
    pullPassword: string;
  };
  signing: {
    /** `[signing] required`: machines refuse unsigned images of the fleet's registry. */
    required: boolean;
    /** The PEM text of `[signing] public_key`, or `""`. */
    publicKey: string;
  };
  /** Generated secrets by name (`it.generatedSecrets["postgres-password"]`), also camelCased. */
  generatedSecrets: Readonly<Record<string, string>>;
  /** The same object as `generatedSecrets`. */
  secrets: Readonly<Record<string, string>>;
  /** The user's SSH public keys (from GitHub, cached). */
  userSshKeys: string[];
}

/** What `overlay()` receives: the template context plus the on-machine scripts. */
export interface WorkloadContext extends TemplateContext {
  /** The on-machine scripts by file name (embedded, or overridden by `config/scripts/`). */
  scripts: Readonly<Record<string, string>>;
}

/** A secret a workload wants generated once and kept in `.iago/secrets/MACHINE/`. */
export interface SecretSpec {
  /** `"postgres-password"`: lowercase letters, digits, `.`, `_`, `-`. */
  name: string;
  /** Characters of random text from a CSPRNG; default 32. */
  length?: number;
  /** Where on the machine; default `/etc/iago/secrets/NAME`. */
  path?: string;
  /** File mode on the machine; default 0o600. */
  mode?: number;
}

/** A Butane file/append/config source. */
export interface ButaneResource {
  inline?: string;
  local?: string;
  source?: string;
  compression?: string;
  verification?: { hash?: string };
  http_headers?: { name: string; value?: string }[];
}

export interface ButaneNodeOwner {
  id?: number;
  name?: string;
}

export interface ButaneFile {
  path: string;
  mode?: number;
  overwrite?: boolean;
  contents?: ButaneResource;
  append?: ButaneResource[];
  user?: ButaneNodeOwner;
  group?: ButaneNodeOwner;
}

export interface ButaneDirectory {
  path: string;
  mode?: number;
  overwrite?: boolean;
  user?: ButaneNodeOwner;
  group?: ButaneNodeOwner;
}

export interface ButaneLink {
  path: string;
  target: string;
  hard?: boolean;
  overwrite?: boolean;
  user?: ButaneNodeOwner;
  group?: ButaneNodeOwner;
}

export interface ButaneUnit {
  name: string;
  enabled?: boolean;
  mask?: boolean;
  contents?: string;
  contents_local?: string;
  dropins?: { name: string; contents?: string; contents_local?: string }[];
}

export interface ButaneUser {
  name: string;
  password_hash?: string;
  ssh_authorized_keys?: string[];
  groups?: string[];
  uid?: number;
  gecos?: string;
  home_dir?: string;
  no_create_home?: boolean;
  primary_group?: string;
  no_user_group?: boolean;
  shell?: string;
  system?: boolean;
  should_exist?: boolean;
}

export interface ButaneGroup {
  name: string;
  gid?: number;
  password_hash?: string;
  system?: boolean;
  should_exist?: boolean;
}

/**
 * A partial Butane `fcos` document: the fields in their YAML spelling, without `variant` and
 * `version`, file modes as numbers. Fields iago does not name here pass through as written.
 */
export interface ButaneConfig {
  passwd?: { users?: ButaneUser[]; groups?: ButaneGroup[] };
  storage?: {
    files?: ButaneFile[];
    directories?: ButaneDirectory[];
    links?: ButaneLink[];
    [key: string]: unknown;
  };
  systemd?: { units?: ButaneUnit[] };
  kernel_arguments?: { should_exist?: string[]; should_not_exist?: string[] };
  [key: string]: unknown;
}

/** A workload plugin: the default export of a module listed in `workloads = [...]`. */
export interface Workload {
  /** `"postgres"`. */
  name: string;
  description?: string;
  /** Problems with this machine for this workload; `[]` when fine. May be `async`. */
  validate?(machine: Machine): string[] | Promise<string[]>;
  /**
   * Secrets to generate once and reuse; they reach `overlay` as `ctx.generatedSecrets`. May be
   * `async`.
   */
  secrets?(machine: Machine): SecretSpec[] | Promise<SecretSpec[]>;
  /**
   * The workload's part of the machine's Butane document (data, not YAML text). May be
   * `async`. A plugin runs in a sandbox: no files, network, environment or processes, and a
   * time limit (`IAGO_PLUGIN_TIMEOUT`, 10 s by default); everything it needs is in `ctx`.
   */
  overlay(ctx: WorkloadContext): ButaneConfig | Promise<ButaneConfig>;
}
