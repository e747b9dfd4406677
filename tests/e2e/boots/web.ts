/**
 * The `web` machine on the fleet's LAN registry: first boot (1), updates (3), rollbacks and
 * interrupted updates (4), the update strategies (7), then health at run time (5), which leaves
 * the unit failed on purpose and so comes last.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BootPlan, Services } from "../harness/boot.ts";
import { Fleet, updateTimeFarFromNow } from "../harness/fleet.ts";
import { tagDigest } from "../harness/registry.ts";

const PROBE = fileURLToPath(new URL("./web-probe.sh", import.meta.url));

const TIMEZONE = "Europe/Paris";

export const web: BootPlan = {
  name: "web",
  scenarios: [
    ["1", "first boot"],
    ["3", "update"],
    ["4", "rollback, interrupted update"],
    ["7", "tags and strategies"],
    ["5", "health at runtime"],
  ],
  async prepare(s: Services) {
    const fleet = new Fleet(join(s.scratch, "web-fleet"), { IAGO_GITHUB_URL: s.githubUrl });
    await Deno.mkdir(fleet.dir, { recursive: true });
    // The user's steps: a machine, the fleet's settings, then its container on the new base.
    await fleet.run("init", "--machine-only", "web");
    await fleet.setDefaults("user", { github_username: "octo" });
    await fleet.setDefaults("network", { timezone: TIMEZONE });
    await fleet.setDefaults("bootc", { update_time: updateTimeFarFromNow() });
    await fleet.setDefaults("container_registry", {
      url: `${s.lan}/fleet`,
      insecure: [s.lan],
    });
    await fleet.setDefaults("scaffold", { base_image: s.tinyBase });
    await fleet.run("init", "--container-only", "web");
    const v1 = await fleet.build("web");
    await fleet.run("ignite", "web");
    const mac = await fleet.macAddress("web");

    const appEnv = fleet.path("containers", "web", "config", "app.env");
    const healthSh = fleet.path("containers", "web", "scripts", "health.sh");
    const goodHealth = await Deno.readTextFile(healthSh);
    // A new version of the app: one more setting, so a new image.
    const version = async (v: string) => {
      await Deno.writeTextFile(appEnv, `${await Deno.readTextFile(appEnv)}APP_VERSION=${v}\n`);
    };
    const breakHealth = () =>
      Deno.writeTextFile(
        healthSh,
        goodHealth.replace("\n", '\necho "unhealthy: broken on purpose" >&2\nexit 1\n'),
      );
    const repo = "fleet/web";
    const steps = {
      "push-v2": async () => (await version("2"), await fleet.build("web")),
      "push-bad": async () => (await breakHealth(), await fleet.build("web")),
      "push-bad2": async () => (await version("bad2"), await fleet.build("web")),
      "push-v3": async () => {
        await Deno.writeTextFile(healthSh, goodHealth);
        await version("3");
        return await fleet.build("web");
      },
      "push-v4": async () => (await version("4"), await fleet.build("web")),
      "push-staging": async () => {
        const latest = await tagDigest(s.lan, repo, "latest");
        await version("staging");
        const staging = await fleet.build("web", "--tag", "staging");
        const after = await tagDigest(s.lan, repo, "latest");
        s.report.check(
          "7",
          "iago build --tag staging pushes :staging and leaves :latest where it was",
          after === latest && staging !== latest &&
            await tagDigest(s.lan, repo, "staging") === staging,
          `latest was ${latest}, is ${after}; staging ${staging}`,
        );
        return staging;
      },
    };

    return {
      ignition: fleet.path("output", "ignition", "web.ign"),
      mac,
      steps,
      probe: `
IMG=${s.lan}/fleet/web
V1=${v1}
MAC=${mac}
KEY='${s.sshKey}'
TIMEZONE=${TIMEZONE}
${await Deno.readTextFile(PROBE)}`,
    };
  },
};
