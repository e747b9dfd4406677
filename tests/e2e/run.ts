/**
 * `deno task e2e [BOOT...]`: the VM end-to-end suite. Starts what the machines need on
 * 127.0.0.1 (a Distribution registry without and one with htpasswd, the GitHub keys
 * stand-in), builds the base images, then boots each machine in the stand-in VM and prints each
 * scenario's result and time. BOOT is `web`, `db`, `signed` or `serve` (default: all).
 * Exit status 1 when any scenario failed. Needs root (the VM image build), QEMU, mmdebstrap and
 * the Debian packages of `deno task test`; see the README, Development.
 */
import { keyServer } from "../ignite/fixtures.ts";
import { startRegistry } from "../helpers/registry.ts";
import { type BootPlan, runBoot, type Services } from "./harness/boot.ts";
import { minutes, Report } from "./harness/report.ts";
import { ensureVmImage, VM_DIR } from "./harness/vm.ts";
import { pushTinyBase } from "./images.ts";
import { postgres } from "./boots/postgres.ts";
import { serve } from "./boots/serve.ts";
import { signed } from "./boots/signed.ts";
import { web } from "./boots/web.ts";

// The longest first, so two lanes finish together.
const BOOTS: BootPlan[] = [web, postgres, signed, serve];

/**
 * Boots at a time (`IAGO_E2E_PARALLEL`, default 2): most of a boot is waiting (health checks,
 * restarts, pulls), so two VMs share the machine's cores well.
 */
const PARALLEL = Math.max(1, Number(Deno.env.get("IAGO_E2E_PARALLEL") ?? 2));

/** Seconds one boot may take, probe included (`IAGO_E2E_BOOT_TIMEOUT`). */
const BOOT_TIMEOUT = Number(Deno.env.get("IAGO_E2E_BOOT_TIMEOUT") ?? 1500);

const SSH_KEY =
  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGl0ZXN0a2V5YWFhYWFhYWFhYWFhYWFhYWFhYWFh octo@e2e";

async function main(names: string[]): Promise<number> {
  const unknown = names.filter((n) => !BOOTS.some((b) => b.name === n));
  if (unknown.length > 0) {
    console.error(
      `error: unknown boot ${unknown.join(", ")}; choose from ${
        BOOTS.map((b) => b.name).join(", ")
      }`,
    );
    return 2;
  }
  const plans = names.length === 0 ? BOOTS : BOOTS.filter((b) => names.includes(b.name));
  const started = Date.now();
  const report = new Report();
  for (const plan of plans) for (const [id, title] of plan.scenarios) report.declare(id, title);

  console.log(`VM image: ${VM_DIR} (built once, about 8 minutes, when missing)`);
  await ensureVmImage();
  const scratch = await Deno.makeTempDir({ prefix: "iago-e2e-" });
  console.log(`workspaces and logs: ${scratch}`);
  const pushUser = { user: "fleet-push", password: "push-secret-e2e" };
  const pullUser = { user: "fleet-pull", password: "pull-secret-e2e" };
  const lan = await startRegistry();
  const secure = await startRegistry({ htpasswd: [pushUser, pullUser] });
  const github = keyServer({ octo: `${SSH_KEY}\n` });
  const named = (host: string) => host.replace("127.0.0.1", "vmhost.test");
  try {
    const services: Services = {
      report,
      scratch,
      lan: named(lan.host),
      privateRegistry: named(secure.host),
      pushUser,
      pullUser,
      githubUrl: github.url,
      sshKey: SSH_KEY,
      tinyBase: await pushTinyBase(named(lan.host), scratch),
    };
    const queue = [...plans];
    const lane = async () => {
      for (let plan = queue.shift(); plan; plan = queue.shift()) {
        await runBoot(plan, services, BOOT_TIMEOUT);
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL, plans.length) }, lane));
  } finally {
    await github.server.shutdown();
    await lan.stop();
    await secure.stop();
  }
  console.log(report.summary(Date.now() - started));
  console.log(`(logs in ${scratch}; total ${minutes(Date.now() - started)})`);
  return report.allPassed ? 0 : 1;
}

try {
  Deno.exit(await main(Deno.args));
} catch (err) {
  console.error(`error: ${(err as Error).message}`);
  Deno.exit(1);
}
