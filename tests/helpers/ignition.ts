/**
 * Applies an Ignition config with the REAL Ignition binary (Debian's 2.14) to a scratch root,
 * so tests can inspect the files, modes, links, users and units it wrote. Runs the
 * `fetch-offline` and `files` stages of the `file` platform with `-root=` pointing at a
 * temporary directory prepared like a minimal Fedora CoreOS root.
 *
 * What makes it safe and offline: `storage.luks` is stripped from the copy (it would run
 * cryptsetup on real devices), disks/raid/filesystems never run (those are the `disks` stage),
 * `ignition.timeouts.httpTotal` is set to 1 s, SELinux relabelling goes to a no-op `setfiles`,
 * `useradd`/`groupadd` get `--root` (they chroot into it) and temporary files go to the work
 * directory (checked with strace: nothing outside it is written). When a systemd manager runs
 * on the host (`/run/systemd/private` exists) Ignition is started in a private mount namespace
 * with an empty `/run/systemd`, so it cannot talk to the host's systemd.
 */

export const IGNITION_BINARY = "/usr/lib/dracut/modules.d/30ignition/ignition";

export interface AppliedIgnition {
  /** The scratch root Ignition wrote into. */
  root: string;
  /** Ignition's log of both stages. */
  log: string;
  cleanup(): Promise<void>;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}

/** Rewrites a config for this offline run; 3.4.0 becomes 3.4.0-experimental for Ignition 2.14. */
function prepareConfig(configJson: string): string {
  const config = JSON.parse(configJson);
  config.ignition ??= {};
  if (config.ignition.version === "3.4.0") config.ignition.version = "3.4.0-experimental";
  config.ignition.timeouts = { ...config.ignition.timeouts, httpTotal: 1 };
  if (config.storage) delete config.storage.luks;
  return JSON.stringify(config);
}

async function prepareRoot(root: string) {
  await Deno.mkdir(`${root}/etc/skel`, { recursive: true });
  await Deno.mkdir(`${root}/etc/selinux`, { recursive: true });
  await Deno.mkdir(`${root}/home`, { recursive: true });
  await Deno.writeTextFile(`${root}/etc/passwd`, "root:x:0:0:root:/root:/bin/bash\n");
  await Deno.writeTextFile(`${root}/etc/group`, "root:x:0:\nwheel:x:10:\nsudo:x:27:\n");
  await Deno.writeTextFile(`${root}/etc/shadow`, "root:*::0:99999:7:::\n", { mode: 0o600 });
  await Deno.writeTextFile(`${root}/etc/gshadow`, "root:*::\nwheel:*::\nsudo:*::\n", {
    mode: 0o600,
  });
  await Deno.writeTextFile(`${root}/etc/selinux/config`, "SELINUXTYPE=targeted\n");
  const loginDefs = await Deno.readTextFile("/etc/login.defs").catch(() => "");
  await Deno.writeTextFile(`${root}/etc/login.defs`, loginDefs);
}

/**
 * Applies `configJson` with the real Ignition to a fresh scratch root.
 * @throws if the Ignition binary is missing or a stage fails; the error carries Ignition's log.
 */
export async function applyIgnition(
  configJson: string,
  options: {
    /** Run in a mount namespace with an empty /run/systemd; default: when a manager runs. */
    isolateSystemd?: boolean;
  } = {},
): Promise<AppliedIgnition> {
  if (!(await exists(IGNITION_BINARY))) {
    throw new Error(
      `Cannot apply Ignition config: ${IGNITION_BINARY} is missing (install the Debian package "ignition")`,
    );
  }
  const work = await Deno.makeTempDir({ prefix: "iago-ignition-" });
  const cleanup = () => Deno.remove(work, { recursive: true }).catch(() => {});
  try {
    const root = `${work}/root`;
    const state = `${work}/state`;
    const bin = `${work}/bin`;
    await Deno.mkdir(state);
    await Deno.mkdir(bin);
    await prepareRoot(root);
    // Ignition creates ~/.ssh as the user, who must be able to reach the scratch home: modes
    // set here, as a umask (077 on some machines) would leave them closed.
    for (const dir of [work, root, `${root}/home`]) await Deno.chmod(dir, 0o755);
    await Deno.writeTextFile(`${bin}/setfiles`, "#!/bin/sh\ncat >/dev/null\nexit 0\n", {
      mode: 0o755,
    });
    const cfg = `${state}/config.ign`;
    await Deno.writeTextFile(cfg, prepareConfig(configJson));

    const isolate = options.isolateSystemd ?? await exists("/run/systemd/private");
    let log = "";
    for (const stage of ["fetch-offline", "files"]) {
      const args = [
        `-platform=file`,
        `-stage=${stage}`,
        `-log-to-stdout`,
        `-config-cache=${state}/ignition.json`,
        `-state-file=${state}/state`,
        `-neednet=${state}/neednet`,
        `-root=${root}`,
      ];
      const [cmd, cmdArgs] = isolate
        ? [
          "unshare",
          [
            "-m",
            "sh",
            "-c",
            'mount -t tmpfs tmpfs /run/systemd && exec "$0" "$@"',
            IGNITION_BINARY,
            ...args,
          ],
        ]
        : [IGNITION_BINARY, args];
      const out = await new Deno.Command(cmd, {
        args: cmdArgs,
        env: {
          PATH: `${bin}:/usr/sbin:/usr/bin:/sbin:/bin`,
          IGNITION_CONFIG_FILE: cfg,
          // Ignition stages its config cache through a temporary file.
          TMPDIR: state,
        },
        clearEnv: true,
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
      log += text;
      if (!out.success) {
        throw new Error(`Ignition stage ${stage} failed (exit ${out.code}):\n${text}`);
      }
    }
    return { root, log, cleanup };
  } catch (e) {
    await cleanup();
    throw e;
  }
}
