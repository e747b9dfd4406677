/**
 * Starts the real CNCF Distribution registry (Debian `docker-registry`) on 127.0.0.1 with a
 * random free port, filesystem storage in a temporary directory and deletes enabled. With
 * `htpasswd` it requires Basic auth (bcrypt entry made by `htpasswd -Bbn` from apache2-utils).
 * Fails loudly when the Debian packages are missing: tests never skip silently.
 */

export interface RunningRegistry {
  /** `127.0.0.1:PORT` */
  host: string;
  /** The storage root (for tests that inspect or corrupt storage). */
  root: string;
  stop(): Promise<void>;
}

export interface StartRegistryOptions {
  /** Basic auth for this user (or each of these users). */
  htpasswd?: { user: string; password: string } | { user: string; password: string }[];
}

const REGISTRY_BIN = "/usr/bin/docker-registry";

/** Starts a registry and waits until `/v2/` answers; throws when it cannot start. */
export async function startRegistry(options: StartRegistryOptions = {}): Promise<RunningRegistry> {
  await requireTool(REGISTRY_BIN, "docker-registry");
  const root = await Deno.makeTempDir({ prefix: "iago-registry-" });
  const port = freePort();
  let auth = "";
  if (options.htpasswd) {
    await requireTool("/usr/bin/htpasswd", "apache2-utils");
    let entries = "";
    for (const { user, password } of [options.htpasswd].flat()) {
      const out = await new Deno.Command("/usr/bin/htpasswd", {
        args: ["-Bbn", user, password],
        stdout: "piped",
        stderr: "piped",
      }).output();
      if (!out.success) throw new Error(`htpasswd failed: ${new TextDecoder().decode(out.stderr)}`);
      entries += new TextDecoder().decode(out.stdout).trim() + "\n";
    }
    await Deno.writeTextFile(`${root}/htpasswd`, entries);
    auth = `auth:\n  htpasswd:\n    realm: iago-test\n    path: ${root}/htpasswd\n`;
  }
  const config = [
    "version: 0.1",
    "log:",
    "  level: error",
    "  accesslog:",
    "    disabled: true",
    "storage:",
    "  filesystem:",
    `    rootdirectory: ${root}/data`,
    "  delete:",
    "    enabled: true",
    "http:",
    `  addr: 127.0.0.1:${port}`,
    auth,
  ].join("\n");
  await Deno.writeTextFile(`${root}/config.yml`, config);
  const child = new Deno.Command(REGISTRY_BIN, {
    args: ["serve", `${root}/config.yml`],
    stdout: "null",
    stderr: "piped",
    env: { OTEL_TRACES_EXPORTER: "none" },
  }).spawn();
  // Drain stderr so the registry never blocks on a full pipe; keep the tail for errors.
  let stderrTail = "";
  const drained = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of child.stderr) {
      stderrTail = (stderrTail + decoder.decode(chunk)).slice(-4000);
    }
  })();
  const host = `127.0.0.1:${port}`;
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });
  const stop = async () => {
    if (!exited) {
      try {
        child.kill("SIGTERM");
      } catch {
        // already gone
      }
    }
    await status;
    await drained.catch(() => {});
    await Deno.remove(root, { recursive: true }).catch(() => {});
  };
  // Far above a loaded machine's start-up: the loop ends as soon as it answers.
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (exited) break;
    try {
      const res = await fetch(`http://${host}/v2/`);
      await res.body?.cancel();
      if (res.status === 200 || res.status === 401) return { host, root, stop };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  await stop();
  throw new Error(`docker-registry did not start on ${host}: ${stderrTail.trim()}`);
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** Throws a clear error naming the Debian package when `path` is not installed. */
export async function requireTool(path: string, debianPackage: string): Promise<void> {
  try {
    await Deno.stat(path);
  } catch {
    throw new Error(
      `${path} is missing: install the Debian package "${debianPackage}" (scripts/setup.sh does)`,
    );
  }
}
