/**
 * The `vault` machine on a registry that needs credentials (2) and with signed images required
 * (6): it pulls with the fleet's read-only pull account, and podman refuses images that are not
 * signed by the fleet's key.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BootPlan, Services } from "../harness/boot.ts";
import { Fleet, updateTimeFarFromNow } from "../harness/fleet.ts";

const PROBE = fileURLToPath(new URL("./private-probe.sh", import.meta.url));

async function openssl(cwd: string, ...args: string[]): Promise<void> {
  const out = await new Deno.Command("openssl", { args, cwd, stdout: "null", stderr: "piped" })
    .output();
  if (!out.success) throw new Error(`openssl ${args[0]}: ${new TextDecoder().decode(out.stderr)}`);
}

export const privateRegistry: BootPlan = {
  name: "private",
  scenarios: [
    ["2", "private registry"],
    ["6", "signatures"],
  ],
  async prepare(s: Services) {
    // Pushes use the push account (a token, as for ghcr.io); machines get only the pull account.
    const fleet = new Fleet(join(s.scratch, "private-fleet"), {
      IAGO_GITHUB_URL: s.githubUrl,
      GITHUB_TOKEN: s.pushUser.password,
    });
    await Deno.mkdir(fleet.dir, { recursive: true });
    await fleet.run("init", "--machine-only", "vault");
    await fleet.setDefaults("user", { github_username: "octo" });
    await fleet.setDefaults("bootc", {
      health_check_wait: 10,
      update_time: updateTimeFarFromNow(),
    });
    await fleet.setDefaults("container_registry", {
      url: `${s.privateRegistry}/fleet`,
      username: s.pushUser.user,
      insecure: [s.privateRegistry, s.lan],
      pull_auth: true,
    });
    await fleet.setDefaults("scaffold", { base_image: s.tinyBase });

    // Scenario 2 on the bastion: a registry that needs a login, and no pull account yet.
    const validate = await fleet.try("validate");
    const ignite = await fleet.try("ignite", "vault");
    const said = (r: { stderr: string }) => /will not be able to pull/.test(r.stderr);
    s.report.check(
      "2",
      "without a pull account, validate and ignite fail saying machines will not be able to pull",
      validate.code !== 0 && ignite.code !== 0 && said(validate) && said(ignite),
      `validate exit ${validate.code}: ${validate.stderr}\nignite exit ${ignite.code}: ${ignite.stderr}`,
    );
    await fleet.setDefaults("container_registry", { pull_username: s.pullUser.user });
    const secret = fleet.path(".iago", "secrets", "_fleet", "registry-pull-password");
    await Deno.mkdir(join(secret, ".."), { recursive: true, mode: 0o700 });
    await Deno.writeTextFile(secret, `${s.pullUser.password}\n`, { mode: 0o600 });

    // Scenario 6's keys: the fleet's, and another one that machines must not trust.
    for (const name of ["cosign", "other"]) {
      await openssl(
        fleet.dir,
        "genpkey",
        "-algorithm",
        "EC",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-out",
        `${name}.key`,
      );
      await openssl(fleet.dir, "pkey", "-in", `${name}.key`, "-pubout", "-out", `${name}.pub`);
    }
    await fleet.setDefaults("signing", { required: true, public_key: "cosign.pub" });

    await fleet.run("init", "--container-only", "vault");
    const v1 = await fleet.build("vault", "--sign", "--key", "cosign.key");
    await fleet.run("ignite", "vault");
    const mac = await fleet.macAddress("vault");

    const appEnv = fleet.path("containers", "vault", "config", "app.env");
    const version = async (v: string) => {
      await Deno.writeTextFile(appEnv, `${await Deno.readTextFile(appEnv)}APP_VERSION=${v}\n`);
    };
    return {
      ignition: fleet.path("output", "ignition", "vault.ign"),
      mac,
      steps: {
        "push-unsigned": async () => (await version("unsigned"), await fleet.build("vault")),
        "push-wrongly-signed": async () => {
          await version("other-key");
          return await fleet.build("vault", "--sign", "--key", "other.key");
        },
        "push-signed": async () => {
          await version("2");
          return await fleet.build("vault", "--sign", "--key", "cosign.key");
        },
      },
      probe: `
IMG=${s.privateRegistry}/fleet/vault
V1=${v1}
PULL_USER=${s.pullUser.user}
PUSH_PASSWORD=${s.pushUser.password}
${await Deno.readTextFile(PROBE)}`,
    };
  },
};
