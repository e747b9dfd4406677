/**
 * The template context (`it` in `butane.yaml.tmpl`): the machine, the fleet defaults, generated
 * secrets and SSH keys, in camelCase. Built from already-loaded data; touches no files.
 */
import type { Defaults, Machine } from "../config/mod.ts";
import type { MachineInfo, TemplateContext } from "../types.ts";

export interface ContextInput {
  defaults: Defaults;
  machine: Machine;
  /** Generated secrets by name. */
  secrets: Record<string, string>;
  /** The user's SSH keys (GitHub, cached). */
  userSshKeys: string[];
  /** The password of `[container_registry] pull_username` (`""` without one). */
  pullPassword?: string;
  /** The PEM text of `[signing] public_key` (`""` without one). */
  signingPublicKey?: string;
  /** Hashes to use when defaults leave `password_hash` empty. */
  userPasswordHash: string;
  adminPasswordHash: string;
}

/** Returns the context; every value is present (optional settings are `""`). */
export function buildContext(input: ContextInput): TemplateContext {
  const { defaults: d, machine: m } = input;
  const secrets: Record<string, string> = {};
  for (const [name, value] of Object.entries(input.secrets)) {
    secrets[name] = value;
    const camel = camelCase(name);
    if (!(camel in secrets)) secrets[camel] = value;
  }
  Object.freeze(secrets);
  return {
    machine: machineInfo(m, d),
    user: {
      username: d.user.username,
      githubUsername: d.user.githubUsername,
      groups: [...d.user.groups],
      passwordHash: d.user.passwordHash || input.userPasswordHash,
      sshKeys: [...input.userSshKeys],
    },
    admin: {
      username: d.admin.username,
      groups: [...d.admin.groups],
      passwordHash: d.admin.passwordHash || input.adminPasswordHash,
      sshKeys: [],
    },
    network: {
      timezone: d.network.timezone,
      defaultNetworkInterface: d.network.defaultNetworkInterface,
    },
    updates: {
      stream: d.updates.stream,
      strategy: d.updates.strategy,
      period: d.updates.period,
      rebootTime: d.updates.rebootTime,
      rebootWindowMinutes: d.updates.rebootWindowMinutes,
    },
    bootc: { updateTime: d.bootc.updateTime, healthCheckWait: d.bootc.healthCheckWait },
    containerRegistry: {
      url: d.containerRegistry.url,
      insecure: [...d.containerRegistry.insecure],
      pullUsername: d.containerRegistry.pullUsername,
      pullPassword: input.pullPassword ?? "",
    },
    signing: { required: d.signing.required, publicKey: input.signingPublicKey ?? "" },
    generatedSecrets: secrets,
    secrets,
    userSshKeys: [...input.userSshKeys],
  };
}

/** `postgres-password` → `postgresPassword`. */
export function camelCase(name: string): string {
  return name.replace(/[-_.]+([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** The machine as templates and workloads see it (`it.machine`): optional settings as `""`. */
export function machineInfo(machine: Machine, defaults: Defaults): MachineInfo {
  return {
    name: machine.name,
    fqdn: machine.fqdn,
    macAddress: machine.macAddress ?? "",
    containerImage: machine.containerImage,
    containerTag: machine.containerTag,
    networkInterface: machine.networkInterface ?? defaults.network.defaultNetworkInterface,
    mountHostEtc: machine.mountHostEtc,
    workloads: [...machine.workloads],
  };
}
