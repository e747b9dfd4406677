/**
 * The `db` machine, on a registry that needs credentials (2), with the `postgres` workload (8),
 * running a PostgreSQL image the suite builds from Debian's packages. The image has its own `postgres` user in its own /etc, which the
 * machine does not have: it runs because the container keeps its /etc (the machine's default),
 * so it is also the off-the-shelf-style image of the issue.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BootPlan, Services } from "../harness/boot.ts";
import { Fleet, updateTimeFarFromNow } from "../harness/fleet.ts";
import { postgresRootfs } from "../images.ts";

const PROBE = fileURLToPath(new URL("./postgres-probe.sh", import.meta.url));

/** The user's Containerfile for PostgreSQL: Debian's packages, started as the image's CMD. */
const CONTAINERFILE =
  `# PostgreSQL 15 from Debian's packages (rootfs.tar: Debian 12 minbase with postgresql-15).
FROM scratch
ADD rootfs.tar /
ENV PATH=/usr/lib/postgresql/15/bin:/usr/sbin:/usr/bin:/sbin:/bin
COPY --chmod=0755 scripts/postgres-start.sh /usr/libexec/db/postgres-start.sh
# A first start runs initdb: give it time before failures count (a killed initdb breaks the cluster).
HEALTHCHECK --interval=30s --timeout=10s --start-period=600s --retries=3 CMD ["pg_isready", "--quiet"]
CMD ["/usr/libexec/db/postgres-start.sh"]
`;

const START = `#!/bin/bash
# Starts PostgreSQL as the container's main process: the cluster lives in the machine's /var,
# the superuser's password is the one iago generated (/etc/iago/secrets/postgres-password).
set -euo pipefail
data=/var/lib/postgresql/15/data
install -d -o postgres -g postgres -m 0700 "$data"
install -d -o postgres -g postgres -m 2775 /run/postgresql
if [[ ! -s $data/PG_VERSION ]]; then
  pw=$(mktemp)
  install -o postgres -m 0600 /etc/iago/secrets/postgres-password "$pw"
  runuser -u postgres -- initdb --pgdata="$data" --username=postgres --pwfile="$pw" \\
    --auth-local=peer --auth-host=scram-sha-256
  rm -f "$pw"
fi
exec setpriv --reuid=postgres --regid=postgres --init-groups \\
  postgres -D "$data" -c listen_addresses=localhost -c jit=off
`;

export const postgres: BootPlan = {
  name: "db",
  scenarios: [
    ["2", "private registry"],
    ["8", "postgres workload, image with its own /etc"],
  ],
  async prepare(s: Services) {
    // The fleet's registry needs a login: pushes use the push account (a token, as for
    // ghcr.io), machines get only the read-only pull account.
    const fleet = new Fleet(join(s.scratch, "db-fleet"), {
      IAGO_GITHUB_URL: s.githubUrl,
      GITHUB_TOKEN: s.pushUser.password,
    });
    await Deno.mkdir(fleet.dir, { recursive: true });
    await fleet.run("init", "--machine-only", "db");
    await fleet.setDefaults("user", { github_username: "octo" });
    await fleet.setDefaults("bootc", { update_time: updateTimeFarFromNow() });
    await fleet.setDefaults("container_registry", {
      url: `${s.privateRegistry}/fleet`,
      username: s.pushUser.user,
      insecure: [s.privateRegistry],
      pull_auth: true,
    });
    await fleet.setDefaults("scaffold", { base_image: s.tinyBase });
    await fleet.setMachine("db", { workloads: ["postgres"] });

    // Scenario 2 on the bastion: the registry needs a login, and there is no pull account yet.
    const validate = await fleet.try("validate");
    const ignite = await fleet.try("ignite", "db");
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

    await fleet.run("init", "--container-only", "db");
    // The user installs PostgreSQL in the image (containers/db/README.md says how).
    const ctx = fleet.path("containers", "db");
    await Deno.copyFile(await postgresRootfs(), join(ctx, "rootfs.tar"));
    await Deno.writeTextFile(join(ctx, "Containerfile"), CONTAINERFILE);
    await Deno.writeTextFile(join(ctx, "scripts", "postgres-start.sh"), START, { mode: 0o755 });
    const v1 = await fleet.build("db");
    await fleet.run("ignite", "db");
    return {
      ignition: fleet.path("output", "ignition", "db.ign"),
      mac: await fleet.macAddress("db"),
      steps: {},
      probe: `
IMG=${s.privateRegistry}/fleet/db
V1=${v1}
PULL_USER=${s.pullUser.user}
PUSH_PASSWORD=${s.pushUser.password}
${await Deno.readTextFile(PROBE)}`,
    };
  },
};
