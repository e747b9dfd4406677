/**
 * The stand-in VM (../shared/vm): builds its image once into a cache directory and boots an
 * Ignition file with a probe script, as a Fedora CoreOS machine boots it.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));

/** Where the VM image is cached: `IAGO_E2E_VM_DIR`, default `/var/cache/iago-e2e/vm`. */
export const VM_DIR = Deno.env.get("IAGO_E2E_VM_DIR") ?? "/var/cache/iago-e2e/vm";

/** The VM tools: `IAGO_E2E_VM_TOOLS`, default `../shared/vm` beside the checkout. */
export const VM_TOOLS = Deno.env.get("IAGO_E2E_VM_TOOLS") ?? join(ROOT, "..", "shared", "vm");

/**
 * Builds the VM image unless it is there (build-image.sh skips an existing one; the first build
 * takes about 8 minutes and needs root). Throws with the script's output when it fails.
 */
export async function ensureVmImage(): Promise<void> {
  try {
    await Deno.stat(join(VM_TOOLS, "boot.sh"));
  } catch {
    throw new Error(
      `The VM tools are not at ${VM_TOOLS}: set IAGO_E2E_VM_TOOLS to the shared/vm directory`,
    );
  }
  const out = await new Deno.Command(join(VM_TOOLS, "build-image.sh"), {
    args: [VM_DIR],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    const dec = new TextDecoder();
    throw new Error(
      `build-image.sh ${VM_DIR} failed:\n${dec.decode(out.stdout)}${dec.decode(out.stderr)}`,
    );
  }
}

export interface BootResult {
  /** The probe's exit status; 124 when the VM ran out of time, 3 when the probe never ran. */
  code: number;
  /** What the probe printed (and boot.sh's complaints). */
  output: string;
}

/**
 * Boots `ignition` once (a throwaway overlay: every boot is a first boot) with a network card
 * of MAC address `mac`, runs `probe` inside after `multi-user.target`, and returns what it
 * printed. The serial console goes to `serialLog`; `kargs` go on the kernel command line.
 */
export async function boot(
  ignition: string,
  mac: string,
  probe: string,
  serialLog: string,
  timeoutSeconds: number,
  kargs = "",
): Promise<BootResult> {
  const out = await new Deno.Command(join(VM_TOOLS, "boot.sh"), {
    args: [VM_DIR, ignition, probe, serialLog],
    env: {
      VM_TIMEOUT: String(timeoutSeconds),
      VM_NIC: `,mac=${mac}`,
      // Stand-in quirks, not iago's: Debian's systemd-firstboot asks for a locale on the
      // console at first boot and waits forever (Fedora CoreOS has no such wizard), a login
      // prompt on the serial console hangs up the probe's output when it starts after it, and
      // under TCG on a loaded host the kernel's IO-APIC timer check can fail and panic.
      VM_KARGS: "ignition.platform.id=qemu systemd.firstboot=off " +
        `systemd.mask=serial-getty@ttyS0.service no_timer_check ${kargs}`.trim(),
    },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, output: dec.decode(out.stdout) + dec.decode(out.stderr) };
}
