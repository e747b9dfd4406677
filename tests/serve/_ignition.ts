/**
 * The real Ignition (Debian's `ignition` package, 2.14) running its fetch stage on this host,
 * as a machine's first boot does: it reads a config given as the platform's user data, follows
 * `ignition.config.replace` and caches what it fetched. Ignition 2.14 reads spec 3.4.0 by the name
 * `3.4.0-experimental`, so the configs it is given must say that.
 */
import assert from "node:assert/strict";
import { join } from "node:path";

const IGNITION = "/usr/lib/dracut/modules.d/30ignition/ignition";

/** Runs Ignition's fetch stage on `config` in `dir`: its exit code, its log, the config it cached. */
export async function ignitionFetch(
  dir: string,
  config: string,
): Promise<{ code: number; log: string; cached?: Record<string, unknown> }> {
  await assert.doesNotReject(
    () => Deno.stat(IGNITION),
    "Ignition is needed: apt-get install ignition",
  );
  const run = await Deno.makeTempDir({ dir, prefix: "ignition-" });
  const userData = join(run, "user.ign");
  await Deno.writeTextFile(userData, config);
  const child = new Deno.Command(IGNITION, {
    args: [
      "-platform=file",
      "-stage=fetch",
      "-log-to-stdout",
      `-root=${join(run, "root")}`,
      `-config-cache=${join(run, "ignition.json")}`,
      `-state-file=${join(run, "state")}`,
      `-neednet=${join(run, "neednet")}`,
    ],
    env: { IGNITION_CONFIG_FILE: userData },
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  // Ignition retries a fetch that fails to connect for minutes: a safety net, not a timing.
  const timer = setTimeout(() => child.kill("SIGKILL"), 300_000);
  const out = await child.output();
  clearTimeout(timer);
  const log = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  const cached = await Deno.readTextFile(join(run, "ignition.json")).then(
    JSON.parse,
    () => undefined,
  );
  return { code: out.code, log, cached };
}

/** `json` (an Ignition config of spec 3.4.0) as Ignition 2.14 reads it. */
export function asIgnition214(json: string): string {
  const config = JSON.parse(json);
  assert.equal(config.ignition.version, "3.4.0");
  config.ignition.version = "3.4.0-experimental";
  return JSON.stringify(config);
}
