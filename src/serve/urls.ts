/** The per-machine URLs `iago serve --urls` prints: what to put in a boot config. */
import type { Arm, ArmState } from "./arms.ts";
import type { ServedMachine } from "./fleet.ts";

export interface MachineUrls {
  name: string;
  /** `BASE/ignition?name=NAME&token=T`: for `ignition.config.url=` or `--ignition-url`. */
  ignition: string;
  /** `BASE/ignition?mac=MAC&token=T` (hyphens, as iPXE's `${net0/mac:hexhyp}`); with a MAC only. */
  ignitionByMac?: string;
  /** `BASE/ipxe?name=NAME&token=T`: the machine's iPXE script. */
  ipxe: string;
  /** Its arm (`iago serve --arm`), when it has one. */
  arm?: Arm & ArmState;
}

/** The URLs of `machine` under `baseUrl` with its `token`. */
export function machineUrls(baseUrl: string, machine: ServedMachine, token: string): MachineUrls {
  const t = `token=${encodeURIComponent(token)}`;
  const name = `name=${encodeURIComponent(machine.name)}`;
  return {
    name: machine.name,
    ignition: `${baseUrl}/ignition?${name}&${t}`,
    ...(machine.mac
      ? { ignitionByMac: `${baseUrl}/ignition?mac=${machine.mac.replaceAll(":", "-")}&${t}` }
      : {}),
    ipxe: `${baseUrl}/ipxe?${name}&${t}`,
  };
}
