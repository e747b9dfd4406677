/**
 * The `signed` machine of a fleet that requires signed images (6): iago provisions podman's
 * signature policy, the sigstore attachments setting and the fleet's public key; podman refuses
 * an unsigned or wrongly signed image and accepts one signed by `iago build --sign --key`.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BootPlan, Services } from "../harness/boot.ts";
import { Fleet, updateTimeFarFromNow } from "../harness/fleet.ts";

const PROBE = fileURLToPath(new URL("./signed-probe.sh", import.meta.url));

async function openssl(cwd: string, ...args: string[]): Promise<void> {
  const out = await new Deno.Command("openssl", { args, cwd, stdout: "null", stderr: "piped" })
    .output();
  if (!out.success) throw new Error(`openssl ${args[0]}: ${new TextDecoder().decode(out.stderr)}`);
}

/** An ECDSA P-256 key pair, NAME.key and NAME.pub, as the README says to make one. */
async function keyPair(dir: string, name: string): Promise<void> {
  await openssl(
    dir,
    "genpkey",
    "-algorithm",
    "EC",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-out",
    `${name}.key`,
  );
  await openssl(dir, "pkey", "-in", `${name}.key`, "-pubout", "-out", `${name}.pub`);
}

export const signed: BootPlan = {
  name: "signed",
  scenarios: [["6", "signatures"]],
  async prepare(s: Services) {
    const fleet = new Fleet(join(s.scratch, "signed-fleet"), { IAGO_GITHUB_URL: s.githubUrl });
    await Deno.mkdir(fleet.dir, { recursive: true });
    await fleet.run("init", "--machine-only", "signed");
    await fleet.setDefaults("user", { github_username: "octo" });
    await fleet.setDefaults("bootc", { update_time: updateTimeFarFromNow() });
    await fleet.setDefaults("container_registry", { url: `${s.lan}/fleet`, insecure: [s.lan] });
    await fleet.setDefaults("scaffold", { base_image: s.tinyBase });
    // The fleet's key, and another one its machines must not trust.
    await keyPair(fleet.dir, "cosign");
    await keyPair(fleet.dir, "other");
    await fleet.setDefaults("signing", { required: true, public_key: "cosign.pub" });
    await fleet.run("init", "--container-only", "signed");
    const v1 = await fleet.build("signed", "--sign", "--key", "cosign.key");
    await fleet.run("ignite", "signed");

    const appEnv = fleet.path("containers", "signed", "config", "app.env");
    const version = async (v: string) => {
      await Deno.writeTextFile(appEnv, `${await Deno.readTextFile(appEnv)}APP_VERSION=${v}\n`);
    };
    const pub = await Deno.readTextFile(fleet.path("cosign.pub"));
    return {
      ignition: fleet.path("output", "ignition", "signed.ign"),
      mac: await fleet.macAddress("signed"),
      steps: {
        "push-unsigned": async () => (await version("unsigned"), await fleet.build("signed")),
        "push-wrongly-signed": async () => {
          await version("other-key");
          return await fleet.build("signed", "--sign", "--key", "other.key");
        },
        "push-signed": async () => {
          await version("2");
          return await fleet.build("signed", "--sign", "--key", "cosign.key");
        },
      },
      probe: `
IMG=${s.lan}/fleet/signed
V1=${v1}
PUB_B64=${btoa(pub)}
${await Deno.readTextFile(PROBE)}`,
    };
  },
};
