/**
 * The VM proofs of `iago serve` and `iago status` (issue 12), in the stand-in VM of
 * ../shared/vm (Ignition 2.20, systemd, podman). Self-contained: it starts its own registry and
 * runs iago from source as a user would, step by step.
 *
 *   deno run -A tests/e2e/fleet_commands.ts [serve] [status]
 *
 * serve: `iago serve --once` on 127.0.0.1; the VM boots with no fw_cfg config and
 *   `ignition.config.url=http://10.0.2.2:PORT/ignition?mac=...&token=...`; inside, every file,
 *   link, unit and user of the served config must be there as Ignition writes them from fw_cfg;
 *   a second fetch of the one-time URL, a wrong token and an unknown MAC get 404; the server's
 *   log says why, without the token; SIGTERM stops it with exit 0.
 * status: the VM with its SSH port forwarded to 127.0.0.1; `iago status` over SSH shows it
 *   current and healthy; after a newer image is pushed, "update pending"; after a bad image is
 *   pushed and bootc-update rolls it back, "rolled back" with the reason.
 * Exit 1 when a check failed. Needs root (QEMU), the VM image (IAGO_E2E_VM, default
 * /var/cache/iago-e2e/vm) and the Debian packages of `deno task test`.
 */
import { join } from "node:path";
import { freePort, startRegistry } from "../helpers/registry.ts";
import { configChecks, type IgnitionConfig } from "./harness/config_checks.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const VM = Deno.env.get("IAGO_E2E_VM") ?? "/var/cache/iago-e2e/vm";
const BOOT = "/work/shared/vm/boot.sh";
const CACHE = Deno.env.get("IAGO_E2E_CACHE") ?? "/var/cache/iago-e2e";
const HASH =
  "$6$rounds=5000$e2esalt$5C1y0m8f4Y2w3tP0v6Gv7rB9b8lqJk8l2r9m0n1o2p3q4r5s6t7u8v9w0x1y2z3A4B5C6D7E8F9G0H1I2J3K4L5";

let failures = 0;
function check(what: string, ok: boolean, detail = ""): void {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}${ok || !detail ? "" : `: ${detail}`}`);
  if (!ok) failures++;
}

async function iago(
  ws: string,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", join(ROOT, "main.ts"), ...args],
    cwd: ws,
    env: { NO_COLOR: "1", IAGO_GITHUB_URL: "http://127.0.0.1:9" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

async function must(ws: string, ...args: string[]): Promise<string> {
  const r = await iago(ws, ...args);
  if (r.code !== 0) throw new Error(`iago ${args.join(" ")} failed (${r.code}):\n${r.stderr}`);
  return r.stdout;
}

async function sh(script: string, cwd?: string): Promise<string> {
  const out = await new Deno.Command("bash", {
    args: ["-euo", "pipefail", "-c", script],
    cwd,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(`${script.split("\n")[0]}: ${new TextDecoder().decode(out.stderr)}`);
  }
  return new TextDecoder().decode(out.stdout);
}

/** Boots the VM once; resolves with the probe's output and exit status. */
async function boot(ign: string, probe: string, env: Record<string, string>, log: string) {
  const out = await new Deno.Command(BOOT, {
    args: [VM, ign, probe, log],
    env: { VM_TIMEOUT: "2400", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** A machine definition: the template adds the VM's NIC name, an SSH key and passwordless sudo. */
async function machine(ws: string, name: string, extra: { mac?: string; sshKey?: string } = {}) {
  await must(ws, "init", "--machine-only", "--generate-mac=false", name);
  const toml = join(ws, "machines", name, "machine.toml");
  await Deno.writeTextFile(
    toml,
    `${await Deno.readTextFile(toml)}network_interface = "ens3"\n${
      extra.mac ? `mac_address = "${extra.mac}"\n` : ""
    }`,
  );
  const tmpl = join(ws, "machines", name, "butane.yaml.tmpl");
  // As on Fedora CoreOS: wheel's sudo without a password, and sshd reading the key file
  // Ignition writes (authorized_keys.d/ignition, which FCOS's sshd reads through ssh-key-dir).
  const sudoers = `core ALL=(ALL) NOPASSWD: ALL\n`;
  const sshd = "AuthorizedKeysFile .ssh/authorized_keys .ssh/authorized_keys.d/ignition\n";
  await Deno.writeTextFile(
    tmpl,
    (await Deno.readTextFile(tmpl)).replace(
      "storage:\n  files:\n",
      `storage:\n  files:\n    - path: /etc/sudoers.d/core\n      mode: 0440\n      contents:\n        inline: ${
        JSON.stringify(sudoers)
      }\n    - path: /etc/ssh/sshd_config.d/10-ignition-keys.conf\n      mode: 0644\n      contents:\n        inline: ${
        JSON.stringify(sshd)
      }\n`,
    ) + (extra.sshKey
      ? `passwd:\n  users:\n    - name: core\n      ssh_authorized_keys:\n        - ${
        JSON.stringify(extra.sshKey)
      }\n` +
        // The stand-in has no rpm-ostree, so the stream check would fail there (a stand-in
        // limit, ../shared/vm/README.md) and rightly make status ask for attention: skip it.
        "systemd:\n  units:\n    - name: iago-coreos-stream.service\n      dropins:\n" +
        "        - name: 10-stand-in.conf\n          contents: |\n" +
        "            [Unit]\n            ConditionPathExists=/usr/bin/rpm-ostree\n"
      : ""),
  );
}

async function serveScenario(scratch: string): Promise<void> {
  console.log("== serve: a network boot from iago serve");
  const ws = join(scratch, "serve-fleet");
  await Deno.mkdir(ws, { recursive: true });
  const mac = "02:05:56:e2:e0:01";
  await machine(ws, "netboot", { mac });
  await Deno.writeTextFile(
    join(ws, "config/defaults.toml"),
    (await Deno.readTextFile(join(ws, "config/defaults.toml")))
      .replace(/^password_hash = ""/m, `password_hash = "${HASH}"`),
  );
  await must(ws, "ignite", "netboot");
  const config: IgnitionConfig = JSON.parse(
    await Deno.readTextFile(join(ws, "output/ignition/netboot.ign")),
  );
  const port = freePort();
  const urls = JSON.parse(
    await must(ws, "serve", "--urls", "--json", "--url", `http://10.0.2.2:${port}`),
  );
  const byMac: string = urls[0].ignitionByMac;
  const token = new URL(byMac).searchParams.get("token")!;
  check(
    "serve --urls gives a MAC URL in the hyphen form",
    byMac.includes("mac=02-05-56-e2-e0-01&token="),
    byMac,
  );

  const server = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      join(ROOT, "main.ts"),
      "serve",
      "--listen",
      `127.0.0.1:${port}`,
      "--url",
      `http://10.0.2.2:${port}`,
      "--once",
    ],
    cwd: ws,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const logText = new Response(server.stdout).text();
  const errText = new Response(server.stderr).text();
  const probe = join(scratch, "serve-probe.sh");
  const wrongMac = byMac.replace("e2-e0-01", "e2-e0-02");
  const wrongToken = byMac.replace(`token=${token}`, `token=${token.slice(0, -4)}AAAA`);
  await Deno.writeTextFile(
    probe,
    `#!/bin/bash
fails=0
while read -r kind a b c; do
  case $kind in
    f) got=$(sha256sum "$a" 2>/dev/null | cut -d' ' -f1); mode=$(stat -c %a "$a" 2>/dev/null)
       if [ "$got" = "$b" ] && [ "$mode" = "$c" ]; then echo "ok   file $a"; else echo "FAIL file $a: sha256 $got mode $mode"; fails=$((fails+1)); fi ;;
    l) got=$(readlink "$a"); if [ "$got" = "$b" ]; then echo "ok   link $a"; else echo "FAIL link $a -> $got"; fails=$((fails+1)); fi ;;
    u) if systemctl is-enabled -q "$a"; then echo "ok   unit $a enabled"; else echo "FAIL unit $a not enabled"; fails=$((fails+1)); fi ;;
    p) if id "$a" >/dev/null 2>&1; then echo "ok   user $a"; else echo "FAIL user $a missing"; fails=$((fails+1)); fi ;;
  esac
done <<'CHECKS'
${configChecks(config)}
CHECKS
echo "hostname $(hostname)"
grep -o 'ignition.config.url=[^ ]*' /proc/cmdline | sed 's/token=[^&]*/token=.../'
for u in '${byMac}' '${wrongToken}' '${wrongMac}'; do
  echo "refetch $(curl -s -o /dev/null -w '%{http_code}' "$u")"
done
exit $fails
`,
  );
  const started = Date.now();
  const vm = await boot("-", probe, {
    VM_NIC: `,mac=${mac}`,
    VM_KARGS: `ignition.platform.id=metal rd.neednet=1 ip=dhcp ignition.config.url=${byMac}`,
  }, join(scratch, "serve-serial.log"));
  console.log(`   (boot ${Math.round((Date.now() - started) / 1000)} s)`);
  console.log(
    vm.stdout.split("\n").filter((l) => !l.startsWith("ok   file")).map((l) => `   vm: ${l}`).join(
      "\n",
    ),
  );
  const fileChecks = vm.stdout.split("\n").filter((l) => l.startsWith("ok   file")).length;
  check(
    `the VM came up from the served config: all ${config.storage?.files?.length} files, links, enabled units and users as in it`,
    vm.code === 0 && fileChecks === config.storage?.files?.length,
    `probe exit ${vm.code}; ${vm.stderr.slice(-1500)}`,
  );
  check("its hostname is the machine's", /^hostname netboot$/m.test(vm.stdout));
  const refetch = [...vm.stdout.matchAll(/^refetch (\d+)$/gm)].map((m) => m[1]);
  check(
    "from the VM: the one-time URL again, a wrong token, a wrong MAC: all 404",
    refetch.join(",") === "404,404,404",
    refetch.join(","),
  );

  server.kill("SIGTERM");
  const status = await server.status;
  const log = (await logText).trim().split("\n");
  check(
    "serve stops with exit 0 on SIGTERM",
    status.code === 0,
    `exit ${status.code}: ${await errText}`,
  );
  check("serve logged 4 requests", log.length === 4, log.join("\n"));
  check(
    "first: allowed for netboot by MAC",
    /GET \/ignition machine=netboot mac=02:05:56:e2:e0:01: allowed \(\d+ bytes\)$/.test(
      log[0] ?? "",
    ),
    log[0],
  );
  check(
    "second: denied, one-time config",
    /machine=netboot mac=02:05:56:e2:e0:01: denied \(one-time config, fetched already at /.test(
      log[1] ?? "",
    ),
    log[1],
  );
  check(
    "third: denied, wrong token",
    /machine=netboot mac=02:05:56:e2:e0:01: denied \(wrong token\)$/.test(log[2] ?? ""),
    log[2],
  );
  check(
    "fourth: denied, unknown MAC",
    /mac=02:05:56:e2:e0:02: denied \(unknown MAC\)$/.test(log[3] ?? ""),
    log[3],
  );
  check("the token is in no log line", !log.some((l) => l.includes(token.slice(0, 12))));
  console.log(log.map((l) => `   serve: ${l}`).join("\n"));
}

/** `iago status` flags that reach the VM: its forwarded SSH port, the test's key and known_hosts. */
function sshFlags(scratch: string, port: number): string[] {
  return [
    "--address",
    `app=127.0.0.1:${port}`,
    "--ssh-option",
    `IdentityFile=${join(scratch, "id_ed25519")}`,
    "--ssh-option",
    "IdentitiesOnly=yes",
    "--ssh-option",
    `UserKnownHostsFile=${join(scratch, "known_hosts")}`,
    "--timeout",
    "150s",
  ];
}

/**
 * The exit status status should have: 0, or 1 when the machine has failed units (the stand-in's
 * NetworkManager-wait-online can time out under TCG) and nothing else needs attention.
 */
function exitFits(code: number, m: { attention: string[] } | undefined): boolean {
  const other = (m?.attention ?? []).filter((a) => !a.startsWith("failed units: "));
  return other.length === 0 && code === (m?.attention.length ? 1 : 0);
}

async function statusJson(ws: string, scratch: string, port: number) {
  const r = await iago(ws, "status", "app", "--json", ...sshFlags(scratch, port));
  let m;
  try {
    m = JSON.parse(r.stdout)[0];
  } catch {
    m = undefined;
  }
  return { code: r.code, m, raw: r };
}

async function statusScenario(scratch: string): Promise<void> {
  console.log("== status: a running machine over SSH");
  const ws = join(scratch, "status-fleet");
  await Deno.mkdir(join(ws, "containers/app"), { recursive: true });
  await sh(`ssh-keygen -q -t ed25519 -N "" -C e2e@status -f "${join(scratch, "id_ed25519")}"`);
  const pub = (await Deno.readTextFile(join(scratch, "id_ed25519.pub"))).trim();
  const registry = await startRegistry();
  const lan = registry.host.replace("127.0.0.1", "vmhost.test");
  const sshPort = freePort();
  try {
    await machine(ws, "app", { sshKey: pub });
    const defaults = join(ws, "config/defaults.toml");
    await Deno.writeTextFile(
      defaults,
      (await Deno.readTextFile(defaults))
        .replace(/^password_hash = ""/m, `password_hash = "${HASH}"`)
        .replace(/^url = .*$/m, `url = "${lan}/fleet"`)
        .replace(/^insecure = .*$/m, `insecure = ["${lan}"]`)
        .replace(/^health_check_wait = .*$/m, "health_check_wait = 10"),
    );
    // The image: busybox (static, from Debian's package) looping, with a health check.
    const debs = join(CACHE, "debs");
    await Deno.mkdir(debs, { recursive: true });
    await sh(`ls busybox-static_*.deb >/dev/null 2>&1 || apt-get download -q busybox-static`, debs);
    await sh(
      `d=$(mktemp -d); dpkg-deb -x ${debs}/busybox-static_*.deb "$d"; cp "$d/bin/busybox" busybox; rm -rf "$d"`,
      join(ws, "containers/app"),
    );
    const containerfile = (health: string, version: string) =>
      `FROM scratch\nCOPY --chmod=0755 busybox /bin/busybox\nCOPY version /etc/app-version\n` +
      `HEALTHCHECK --interval=5s --start-period=5s CMD ["/bin/busybox", "${health}"]\n` +
      `CMD ["/bin/busybox", "sh", "-c", "while :; do /bin/busybox sleep 5; done"]\n` +
      `# ${version}\n`;
    const release = async (version: string, health = "true") => {
      await Deno.writeTextFile(join(ws, "containers/app/version"), `${version}\n`);
      await Deno.writeTextFile(
        join(ws, "containers/app/Containerfile"),
        containerfile(health, version),
      );
      const out = await must(ws, "build", "app");
      return /@(sha256:[0-9a-f]{64})/.exec(out)![1];
    };
    const v1 = await release("1");
    await must(ws, "ignite", "app");

    const probe = join(scratch, "status-probe.sh");
    await Deno.writeTextFile(
      probe,
      `#!/bin/bash
# Keeps the machine up while the bastion asks it; the bastion ends it by creating /run/e2e-done.
for _ in $(seq 1 2300); do [ -e /run/e2e-done ] && break; sleep 1; done
echo "done: $([ -e /run/e2e-done ] && echo by the bastion || echo out of time)"
journalctl -t bootc-update --no-pager | tail -8
cat /var/lib/iago/bootc-update/app.state
`,
    );
    const started = Date.now();
    const vm = boot(ws + "/output/ignition/app.ign", probe, {
      VM_NIC: `,hostfwd=tcp:127.0.0.1:${sshPort}-:22`,
    }, join(scratch, "status-serial.log"));
    let done = false;
    vm.finally(() => done = true);
    const ssh = (command: string) =>
      new Deno.Command("ssh", {
        args: [
          "-o",
          "BatchMode=yes",
          "-o",
          "StrictHostKeyChecking=accept-new",
          "-o",
          `UserKnownHostsFile=${join(scratch, "known_hosts")}`,
          "-o",
          `IdentityFile=${join(scratch, "id_ed25519")}`,
          "-o",
          "IdentitiesOnly=yes",
          "-p",
          String(sshPort),
          "core@127.0.0.1",
          command,
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
    try {
      // 1. Up, current and healthy (the first boot pulls v1).
      let s = await statusJson(ws, scratch, sshPort);
      while (!done && Date.now() - started < 2_000_000) {
        const c = s.m?.containers?.[0];
        if (c?.imageState === "current" && c?.health === "healthy") break;
        await new Promise((r) => setTimeout(r, 10_000));
        s = await statusJson(ws, scratch, sshPort);
      }
      console.log(`   (up and healthy after ${Math.round((Date.now() - started) / 1000)} s)`);
      const table = await iago(ws, "status", "app", ...sshFlags(scratch, sshPort));
      console.log(table.stdout.trim().split("\n").map((l) => `   ${l}`).join("\n"));
      check(
        "status: reachable, current, healthy, Ignition current, exit 0 (1 only for failed units)",
        exitFits(s.code, s.m) && s.m?.reachable &&
          s.m.ignition === "current" && s.m.containers[0].imageState === "current" &&
          s.m.containers[0].health === "healthy" && s.m.containers[0].runningDigest === v1,
        JSON.stringify(s.m ?? s.raw.stderr),
      );

      // 2. A newer image in the registry: update pending, no attention.
      const v2 = await release("2");
      s = await statusJson(ws, scratch, sshPort);
      check(
        "after v2 is pushed: update pending, exit 0 (1 only for failed units)",
        exitFits(s.code, s.m) &&
          s.m?.containers[0].imageState === "update pending" &&
          s.m.containers[0].registryDigest === v2,
        JSON.stringify(s.m ?? s.raw.stderr),
      );

      // 3. A bad image: the update rolls it back; status shows the rollback and its reason.
      const v3 = await release("3", "false");
      const update = await ssh("sudo /usr/local/bin/bootc-update.sh app");
      console.log(
        new TextDecoder().decode(update.stderr).trim().split("\n").map((l) => `   update: ${l}`)
          .join("\n"),
      );
      check(
        "bootc-update of the bad image rolls back (exit 1)",
        update.code === 1,
        `exit ${update.code}`,
      );
      s = await statusJson(ws, scratch, sshPort);
      const c = s.m?.containers[0];
      const after = await iago(ws, "status", "app", ...sshFlags(scratch, sshPort));
      console.log(after.stdout.trim().split("\n").map((l) => `   ${l}`).join("\n"));
      check(
        "after the rollback: rolled back, back on v1, the reason shown, exit 1",
        s.code === 1 &&
          c?.imageState === "rolled back" && c.runningDigest === v1 && c.registryDigest === v3 &&
          typeof c.lastRollback?.reason === "string" && c.lastRollback.reason.includes(v3),
        JSON.stringify(s.m ?? s.raw.stderr),
      );
      check(
        "the table says why",
        /^app: app rolled back at \S+: .+$/m.test(after.stdout) && after.code === 1,
        after.stdout,
      );
    } finally {
      await ssh("sudo touch /run/e2e-done");
      const result = await vm;
      console.log(result.stdout.trim().split("\n").map((l) => `   vm: ${l}`).join("\n"));
      if (result.code !== 0) console.log(result.stderr.slice(-2000));
    }
  } finally {
    await registry.stop();
  }
}

const which = Deno.args.length > 0 ? Deno.args : ["serve", "status"];
const scratch = await Deno.makeTempDir({ prefix: "iago-e2e-fleet-" });
console.log(`scratch: ${scratch}`);
try {
  if (which.includes("serve")) await serveScenario(scratch);
  if (which.includes("status")) await statusScenario(scratch);
} catch (err) {
  console.log(`FAIL ${err instanceof Error ? err.stack : err}`);
  failures++;
}
console.log(failures === 0 ? "all checks passed" : `${failures} check(s) failed`);
Deno.exit(failures === 0 ? 0 : 1);
