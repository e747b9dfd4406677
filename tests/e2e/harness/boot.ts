/**
 * One boot of the VM: a machine made by a fleet workspace, a probe that checks scenarios inside
 * it, and the bastion steps the probe asks for while it runs.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startConductor, type Step } from "./conductor.ts";
import type { Report } from "./report.ts";
import { boot } from "./vm.ts";

const PROBE_LIB = fileURLToPath(new URL("./probe-lib.sh", import.meta.url));

/** What every boot gets: the services on 127.0.0.1 and where to put its files. */
export interface Services {
  report: Report;
  /** A directory of this run (workspaces, Ignition files, serial logs). */
  scratch: string;
  /** The anonymous Distribution registry, as both sides name it: `vmhost.test:PORT`. */
  lan: string;
  /** The Distribution registry with htpasswd, `vmhost.test:PORT`, and its push and pull users. */
  privateRegistry: string;
  pushUser: { user: string; password: string };
  pullUser: { user: string; password: string };
  /** The GitHub keys stand-in (`IAGO_GITHUB_URL`), serving `octo`'s key. */
  githubUrl: string;
  sshKey: string;
  /** The tiny base image on the LAN registry (`[scaffold] base_image` of every fleet). */
  tinyBase: string;
}

export interface Machine {
  /** The Ignition file iago wrote for the machine. */
  ignition: string;
  /** Its `mac_address`: the VM's network card gets it, as the user sets it in the hypervisor. */
  mac: string;
  /** The probe's own part (bash), run after the helpers of probe-lib.sh. */
  probe: string;
  /** Bastion steps the probe can ask for (`host NAME`). */
  steps: Record<string, Step>;
  /** More kernel arguments for this boot. */
  kargs?: string;
  /** Stops what `prepare` started for the boot (a server), once the VM is off. */
  close?(): Promise<void>;
}

export interface BootPlan {
  /** A short name for logs: `web`, `private`, `postgres`. */
  name: string;
  /** The scenarios this boot proves: id and title. */
  scenarios: [string, string][];
  /** Makes the workspace and the machine (bastion side: init, build, ignite, ...). */
  prepare(services: Services): Promise<Machine>;
}

/**
 * Prepares the machine, boots it with its probe, and records the outcome in the report. A
 * failure before the boot (an iago command) fails every scenario of the plan with its message.
 */
export async function runBoot(plan: BootPlan, services: Services, timeout: number): Promise<void> {
  const { report } = services;
  console.log(`boot ${plan.name}: preparing the machine on the bastion`);
  let machine: Machine;
  const first = plan.scenarios[0][0];
  report.begin(first);
  try {
    machine = await plan.prepare(services);
  } catch (err) {
    report.check(first, "the bastion prepares the machine", false, (err as Error).message);
    return;
  }
  const conductor = startConductor(report, machine.steps);
  try {
    const probe = join(services.scratch, `${plan.name}-probe.sh`);
    await Deno.writeTextFile(
      probe,
      `#!/bin/bash\nH=http://vmhost.test:${conductor.port}\n${await Deno.readTextFile(
        PROBE_LIB,
      )}\n${machine.probe}`,
    );
    const serial = join(services.scratch, `${plan.name}-serial.log`);
    console.log(`boot ${plan.name}: booting (serial console: ${serial})`);
    const started = Date.now();
    const result = await boot(machine.ignition, machine.mac, probe, serial, timeout, machine.kargs);
    await Deno.writeTextFile(join(services.scratch, `${plan.name}-probe.out`), result.output);
    console.log(
      `boot ${plan.name}: done in ${
        Math.round((Date.now() - started) / 1000)
      } s, probe exit ${result.code}`,
    );
    if (result.code !== 0) {
      const last = plan.scenarios.map(([id]) => id).find((id) =>
        report.scenarios.get(id)?.ended === undefined
      );
      report.check(
        last ?? first,
        "the probe ran to its end",
        false,
        `exit ${result.code}: ${result.output.trim().split("\n").slice(-8).join("\n")}`,
      );
    }
  } finally {
    await conductor.close();
    await machine.close?.();
  }
}
