/**
 * The machine files `iago init` writes: `machine.toml` (generated from the name, domain and MAC)
 * and `butane.yaml.tmpl` (the embedded template, copied as it is).
 */
import type { Defaults } from "../config/mod.ts";
import template from "./machine/butane.yaml.tmpl" with { type: "text" };

/** The embedded `butane.yaml.tmpl` every new machine starts from. */
export const MACHINE_TEMPLATE: string = template;

/** The text of a new `machine.toml`, with each optional key shown and explained. */
export function machineToml(
  options: { name: string; fqdn: string; macAddress?: string },
  defaults: Defaults,
): string {
  const q = (s: string) => JSON.stringify(s);
  const mac = options.macAddress === undefined
    ? '# mac_address = "02:05:56:3a:91:0c"'
    : `mac_address = ${q(options.macAddress)}`;
  return [
    `# Machine ${options.name}. README "Configuration reference" describes every key.`,
    `name = ${q(options.name)}`,
    `fqdn = ${q(options.fqdn)}`,
    `# Image repository without tag; default: [container_registry] url + "/${options.name}".`,
    `# container_image = ${q(`${defaults.containerRegistry.url}/${options.name}`)}`,
    `container_tag = "latest"`,
    "# MAC of the machine's network card (set it in the hypervisor; reserve it in DHCP).",
    mac,
    "# Only to pin the profile to one interface name and present mac_address on it (cloned MAC).",
    '# network_interface = "enp1s0"',
    '# Workloads besides the default one: built-in ("postgres") or plugin paths ("./workloads/x.ts").',
    "workloads = []",
    "",
  ].join("\n");
}
