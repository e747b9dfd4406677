/**
 * The `netboot` machine (9): booted with nothing but the pointer config `iago serve --pointer`
 * wrote, it gets its real config over HTTPS (a certificate of the fleet's own CA, which the
 * pointer carries) from `iago serve --armed-only` running on the bastion, once:
 * armed by another run while the server runs, fetched by Ignition, then refused (404) to the
 * machine itself. The bastion checks serve's log, then arms, window ends and disarms of other
 * runs taking effect on the running server at once.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ignitionDigest } from "../../../src/ignite/digest.ts";
import { freePort } from "../../helpers/registry.ts";
import { certificates } from "../../serve/_tls.ts";
import type { BootPlan, Services } from "../harness/boot.ts";
import { configChecks } from "../harness/config_checks.ts";
import { Fleet, updateTimeFarFromNow } from "../harness/fleet.ts";
import { type ServeProcess, startServe } from "../harness/serve_process.ts";

const PROBE = fileURLToPath(new URL("./serve-probe.sh", import.meta.url));

const NAME = "netboot";

/** `T` for the times of a log line, so lines compare whole. */
const timeless = (line: string) => line.replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, "T");

export const serve: BootPlan = {
  name: "serve",
  scenarios: [["9", "pointer config, serve --armed-only"]],
  async prepare(s: Services) {
    const check = (what: string, ok: boolean, detail?: string) =>
      s.report.check("9", what, ok, detail);
    const fleet = new Fleet(join(s.scratch, "serve-fleet"), { IAGO_GITHUB_URL: s.githubUrl });
    await Deno.mkdir(fleet.dir, { recursive: true });
    await fleet.run("init", "--machine-only", NAME);
    await fleet.setDefaults("user", { github_username: "octo" });
    await fleet.setDefaults("bootc", { update_time: updateTimeFarFromNow() });
    await fleet.setDefaults("container_registry", { url: `${s.lan}/fleet`, insecure: [s.lan] });
    await fleet.setDefaults("scaffold", { base_image: s.tinyBase });
    await fleet.run("init", "--container-only", NAME);
    const v1 = await fleet.build(NAME);
    await fleet.run("ignite", NAME);
    const served = await Deno.readTextFile(fleet.path("output", "ignition", `${NAME}.ign`));

    // The server on the bastion's loopback only; the VM reaches it as QEMU's host address
    // 10.0.2.2 (Ignition runs in the initramfs, which has no /etc/hosts naming vmhost.test).
    const port = freePort();
    const base = `https://10.0.2.2:${port}`;
    await Deno.mkdir(fleet.path("tls"));
    const tls = await certificates(fleet.path("tls"), ["10.0.2.2", "127.0.0.1"]);
    const caPem = await Deno.readTextFile(tls.ca);
    const server = await startServe(
      fleet.dir,
      [
        ...["--listen", `127.0.0.1:${port}`, "--url", base, "--armed-only"],
        ...["--cert", tls.cert, "--key", tls.key],
      ],
      fleet.env,
    );
    const client = Deno.createHttpClient({ caCerts: [caPem] });
    try {
      const pointerText = await fleet.run(
        "serve",
        "--pointer",
        NAME,
        "--url",
        base,
        "--ca",
        tls.ca,
      );
      const pointer = fleet.path(`${NAME}.pointer.ign`);
      await Deno.writeTextFile(pointer, pointerText);
      const url: string = JSON.parse(pointerText).ignition.config.replace.source;
      const token = new URL(url).searchParams.get("token")!;
      // What the bastion asks with: the same URL on the loopback.
      const local = url.replace(base, `https://127.0.0.1:${port}`);
      /** A fetch of the machine's config, and the server's log line about it. */
      const get = async () => {
        const from = server.lines.length;
        const res = await fetch(local, { client });
        const body = await res.text();
        const line = await server.waitFor(/ GET \/ignition machine=netboot: /, from);
        return { status: res.status, body, line };
      };

      const unarmed = await get();
      check(
        "before it is armed, --armed-only refuses the machine's config: 404",
        unarmed.status === 404,
        `${unarmed.status}`,
      );
      const armed = await fleet.run("serve", "--arm", NAME, "--window", "1h");
      check(
        "iago serve --arm netboot --window 1h (another run) arms it",
        /^netboot: armed \(one fetch, until \S+Z\)$/.test(armed.trim()),
        armed,
      );
      await server.waitFor(/arm machine=netboot: armed/);

      const steps = {
        "serve-arms": async () => {
          const want = [
            "T 127.0.0.1 GET /ignition machine=netboot: denied (not armed (iago serve --arm netboot))",
            "T arm machine=netboot: armed (one fetch, until T)",
            `T 127.0.0.1 GET /ignition machine=netboot: allowed (${
              new TextEncoder().encode(served).length
            } bytes)`,
            "T arm machine=netboot: disarmed (its one fetch was served to 127.0.0.1)",
            "T 127.0.0.1 GET /ignition machine=netboot: denied (its one-time arm was used at T by 127.0.0.1)",
          ];
          const got = server.lines.map(timeless);
          check(
            "serve's log: refused unarmed, armed, ONE fetch served (Ignition's), disarmed, the machine's second fetch refused",
            JSON.stringify(got) === JSON.stringify(want),
            got.join("\n"),
          );
          await armsOfOtherRuns(fleet, server, get, served, check);
          return "checked";
        },
      };

      return {
        ignition: pointer,
        mac: await fleet.macAddress(NAME),
        steps,
        // A stand-in limit: Fedora CoreOS brings the initramfs network up by itself when
        // Ignition's fetch-offline stage finds the config needs it; this initramfs needs asking.
        kargs: "rd.neednet=1 ip=dhcp",
        async close() {
          client.close();
          const { code, stderr } = await server.stop();
          check("iago serve stops on SIGTERM with exit 0", code === 0, `exit ${code}: ${stderr}`);
          check(
            "the token is in no log line",
            !server.lines.some((l) => l.includes(token)),
            server.lines.join("\n"),
          );
          console.log(server.lines.map((l) => `  (serve) ${l}`).join("\n"));
        },
        probe: `
IMG=${s.lan}/fleet/${NAME}
V1=${v1}
DIGEST=${ignitionDigest(JSON.parse(served))}
URL='${url}'
CA='${caPem}'
CHECKS='${configChecks(JSON.parse(served))}'
${await Deno.readTextFile(PROBE)}`,
      };
    } catch (err) {
      client.close();
      await server.stop();
      throw err;
    }
  },
};

/**
 * Arms, a window's end and a disarm made by other runs while the server runs, each answered at
 * the very next request (no waiting for the file watcher).
 */
async function armsOfOtherRuns(
  fleet: Fleet,
  server: ServeProcess,
  get: () => Promise<{ status: number; body: string; line: string }>,
  served: string,
  check: (what: string, ok: boolean, detail?: string) => void,
): Promise<void> {
  await fleet.run("serve", "--arm", NAME);
  const again = await get();
  const used = await get();
  check(
    "armed again by another run: served at the next request, then 404",
    again.status === 200 && again.body === served && used.status === 404,
    `${again.status}, ${used.status}`,
  );
  const from = server.lines.length;
  await fleet.run("serve", "--arm", NAME, "--window", "1s");
  const closed = await server.waitFor(/arm machine=netboot: disarmed \(its window closed/, from);
  const late = await get();
  check(
    "an arm with --window 1s: the log says when the window closed; a fetch after it gets 404",
    late.status === 404 && /denied \(its arm expired at \S+Z\)$/.test(late.line),
    `${closed}\n${late.line}`,
  );
  await fleet.run("serve", "--arm", NAME);
  await fleet.run("serve", "--disarm", NAME);
  const disarmed = await get();
  check(
    "armed and disarmed by other runs: the next request gets 404, not armed",
    disarmed.status === 404 &&
      disarmed.line.endsWith("denied (not armed (iago serve --arm netboot))"),
    `${disarmed.status}: ${disarmed.line}`,
  );
}
