/**
 * The on-machine scripts against the real podman (in a private storage under a temp dir) and a
 * real registry (docker-registry on 127.0.0.1): only systemctl, sleep and logger are stubs,
 * because there is no systemd to restart units here.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { tempDir } from "../helpers/cli.ts";

const HERE = fileURLToPath(new URL(".", import.meta.url));
const RUNTIME = join(HERE, "..", "..", "src", "runtime");

interface Run {
  code: number;
  out: string;
}

async function run(
  cmd: string,
  args: string[],
  env: Record<string, string>,
): Promise<Run> {
  try {
    const r = await new Deno.Command(cmd, { args, env, stdout: "piped", stderr: "piped" }).output();
    const dec = new TextDecoder();
    return { code: r.code, out: (dec.decode(r.stdout) + dec.decode(r.stderr)).trim() };
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      assert.fail(`${cmd} is not installed; run scripts/setup.sh (Debian package of ${cmd})`);
    }
    throw err;
  }
}

async function ok(cmd: string, args: string[], env: Record<string, string>): Promise<string> {
  const r = await run(cmd, args, env);
  assert.equal(r.code, 0, `${cmd} ${args.join(" ")} failed:\n${r.out}`);
  return r.out;
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** A private podman/buildah storage, a registry, and the env the scripts run with. */
async function fixture(dir: string) {
  const port = freePort();
  const registry = `127.0.0.1:${port}`;
  await Deno.writeTextFile(
    join(dir, "storage.conf"),
    `[storage]\ndriver = "vfs"\ngraphroot = "${dir}/storage"\nrunroot = "${dir}/run"\n`,
  );
  await Deno.writeTextFile(
    join(dir, "registries.conf"),
    `unqualified-search-registries = []\n[[registry]]\nlocation = "${registry}"\ninsecure = true\n`,
  );
  await Deno.writeTextFile(
    join(dir, "registry.yml"),
    `version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: ${dir}/registry\n` +
      `  delete:\n    enabled: true\nhttp:\n  addr: ${registry}\n`,
  );
  let server: Deno.ChildProcess;
  try {
    server = new Deno.Command("docker-registry", {
      args: ["serve", join(dir, "registry.yml")],
      stdout: "null",
      stderr: "null",
    }).spawn();
  } catch {
    assert.fail("docker-registry is not installed; run scripts/setup.sh");
  }
  // Far above a loaded machine's start-up: the loop ends as soon as it answers.
  const deadline = Date.now() + 60_000;
  while (true) {
    try {
      const res = await fetch(`http://${registry}/v2/`);
      await res.body?.cancel();
      if (res.ok) break;
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
    await new Promise((r) => setTimeout(r, 50));
  }

  // systemctl, sleep and logger from the stubs; podman, flock and the rest are real.
  const bin = join(dir, "bin");
  await Deno.mkdir(bin);
  for (const stub of ["systemctl", "sleep", "logger", "_record.bash"]) {
    await Deno.symlink(join(HERE, "stubs", stub), join(bin, stub));
  }
  for (const d of ["state", "containers", "results"]) await Deno.mkdir(join(dir, d));
  const env: Record<string, string> = {
    PATH: `${bin}:${Deno.env.get("PATH")}`,
    CONTAINERS_STORAGE_CONF: join(dir, "storage.conf"),
    CONTAINERS_REGISTRIES_CONF: join(dir, "registries.conf"),
    STUB_STATE: join(dir, "state"),
    IAGO_CONTAINERS_DIR: join(dir, "containers"),
    BOOTC_UPDATE_STATE_DIR: join(dir, "results"),
    BOOTC_UPDATE_LOCK: join(dir, "bootc-update.lock"),
  };
  const tool = { ...env, PATH: Deno.env.get("PATH") ?? "" };

  /** Builds a one-layer-less image whose command names `version`, tagged `ref`; its ID. */
  const build = async (ref: string, version: string): Promise<string> => {
    const ctr = await ok("buildah", ["from", "scratch"], tool);
    await ok("buildah", ["config", "--cmd", `/${version}`, "--label", `v=${version}`, ctr], tool);
    const id = await ok("buildah", ["commit", "-q", ctr, ref], tool);
    await ok("buildah", ["rm", ctr], tool);
    return id;
  };
  /** Publishes a new image as `REGISTRY/app:latest` without making it local. */
  const publish = async (version: string): Promise<string> => {
    const id = await build(`localhost/build:${version}`, version);
    await ok(
      "podman",
      ["push", "-q", `localhost/build:${version}`, `${registry}/app:latest`],
      tool,
    );
    // As on a machine, the image arrives only by a pull (which records the registry's digest).
    await ok("podman", ["rmi", `localhost/build:${version}`], tool);
    return id;
  };
  const imageId = async (ref: string) => {
    const r = await run("podman", ["image", "inspect", "--format", "{{.Id}}", ref], tool);
    return r.code === 0 ? r.out : undefined;
  };
  const commands = async () => {
    try {
      return await Deno.readTextFile(join(dir, "state", "commands"));
    } catch {
      return "";
    }
  };

  return {
    registry,
    env,
    tool,
    build,
    publish,
    imageId,
    commands,
    async [Symbol.asyncDispose]() {
      await run("podman", ["rm", "--all", "--force"], tool);
      server.kill();
      await server.status;
    },
  };
}

Deno.test("bootc-update.sh with the real podman and registry updates, skips, then rolls back", async () => {
  await using dir = await tempDir("iago-podman-");
  await using f = await fixture(dir.path);
  const ref = `${f.registry}/app:latest`;
  const v1 = await f.build(ref, "v1");
  await ok("podman", ["push", "-q", ref], f.tool);
  const v2 = await f.publish("v2");
  await Deno.writeTextFile(
    join(dir.path, "containers", "app.env"),
    `CONTAINER_IMAGE=${ref}\nCONTAINER_NAME=bootc-app\nHEALTH_CHECK_WAIT=7\nHEALTH_CMD=none\n`,
  );
  const update = () => run(join(RUNTIME, "bootc-update.sh"), [], f.env);

  let r = await update();
  assert.equal(r.code, 0, r.out);
  assert.equal(await f.imageId(ref), v2);
  assert.equal(await f.imageId(`${f.registry}/app:previous`), v1);
  const restarted = "systemctl reset-failed bootc@app.service\n" +
    "systemctl restart bootc@app.service\nsleep 7\n" +
    "systemctl is-active --quiet bootc@app.service\n";
  assert.equal(await f.commands(), restarted);

  r = await update();
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /app: .*app:latest is up to date \([0-9a-f]{12}\), not restarting/);
  assert.equal(await f.commands(), restarted, "an unchanged image must not restart the unit");

  const v3 = await f.publish("v3");
  await Deno.writeTextFile(join(dir.path, "state", "active"), "3\n");
  r = await update();
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /is not active 7s after the restart; rolling back/);
  assert.equal(await f.imageId(ref), v2, "the rollback puts the previous image back");
  assert.equal(await f.imageId(`${f.registry}/app:previous`), v2);
  assert.equal(await f.imageId(v3), undefined, "the bad image is pruned");
  assert.equal(await f.imageId(v1), undefined, "images older than :previous are pruned");

  // The state names what the registry names: manifest digests, the bad one remembered.
  const digest = async () => {
    const res = await fetch(`http://${f.registry}/v2/app/manifests/latest`, {
      method: "HEAD",
      headers: {
        Accept:
          "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json",
      },
    });
    return res.headers.get("docker-content-digest");
  };
  const state = await Deno.readTextFile(join(dir.path, "results", "app.state"));
  const bad = await digest();
  assert.match(state, new RegExp(`^BAD_DIGESTS=${bad}$`, "m"));
  assert.match(state, /^LAST_UPDATE_RESULT=rolled-back$/m);
  r = await update();
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, new RegExp(`is ${bad}, which failed its health check here before`));
  assert.equal(await f.imageId(ref), v2, "the refused image does not keep the tag");
  await f.publish("v4");
  await Deno.remove(join(dir.path, "state", "active"));
  r = await update();
  assert.equal(r.code, 0, r.out);
  assert.match(
    await Deno.readTextFile(join(dir.path, "results", "app.state")),
    new RegExp(`^CURRENT_DIGEST=${await digest()}$`, "m"),
  );
});

Deno.test("bootc-run.sh's podman command line is accepted by the real podman", async () => {
  await using dir = await tempDir("iago-podman-");
  await using f = await fixture(dir.path);
  const ref = "localhost/iago/app:latest";
  await f.build(ref, "v1");
  // podman create takes the same arguments as run but starts nothing.
  await Deno.writeTextFile(
    join(dir.path, "bin", "podman"),
    '#!/bin/sh\nif [ "$1" = run ]; then shift; exec /usr/bin/podman create "$@"; fi\n' +
      'exec /usr/bin/podman "$@"\n',
    { mode: 0o755 },
  );
  await Deno.writeTextFile(
    join(dir.path, "containers", "app.env"),
    `CONTAINER_IMAGE=${ref}\nCONTAINER_NAME=bootc-app\nMACHINE_NAME=web-01\n` +
      `HEALTH_CMD="/bin/true --x"\nPODMAN_ARGS=--label iago=test\nMOUNT_HOST_ETC=true\n`,
  );
  // The second run finds the first's container: bootc-run.sh must remove it first.
  for (let i = 0; i < 2; i++) {
    const r = await run(join(RUNTIME, "bootc-run.sh"), ["app"], f.env);
    assert.equal(r.code, 0, r.out);
  }
  const [c] = JSON.parse(await ok("podman", ["container", "inspect", "bootc-app"], f.tool));
  assert.equal(c.HostConfig.NetworkMode, "host");
  assert.equal(c.HostConfig.PidMode, "host");
  assert.equal(c.HostConfig.Privileged, true);
  assert.equal(c.HostConfig.AutoRemove, true);
  assert.deepEqual(c.HostConfig.SecurityOpt, ["label=disable"]);
  assert.ok(c.Config.Env.includes("MACHINE_NAME=web-01"));
  assert.equal(c.Config.Labels.iago, "test");
  assert.deepEqual(c.Config.Healthcheck.Test, ["CMD-SHELL", "/bin/true --x"]);
  assert.equal(c.Config.Healthcheck.Interval, 30e9);
  assert.equal(c.Config.Healthcheck.Retries, 3);
  assert.equal(c.Config.Healthcheck.StartPeriod, 60e9);
  assert.deepEqual(
    c.Mounts.map((m: { Source: string; Destination: string }) => `${m.Source}:${m.Destination}`)
      .sort(),
    ["/etc:/etc", "/run:/run", "/var:/var"],
  );
  // bootc@.service's ExecStop for a container that is already gone.
  await ok("podman", ["stop", "--ignore", "-t", "30", "bootc-gone"], f.tool);

  // The default: the image keeps its /etc; the machine's /etc/iago comes in read-only. No
  // HEALTH_CMD and an image without a HEALTHCHECK, as off-the-shelf images are: podman refuses
  // --health-on-failure for such a container, so bootc-run.sh must leave it out.
  const etcIago = join(dir.path, "etc-iago");
  await Deno.mkdir(etcIago);
  await Deno.writeTextFile(
    join(dir.path, "containers", "app.env"),
    `CONTAINER_IMAGE=${ref}\nCONTAINER_NAME=bootc-app\n`,
  );
  const r = await run(join(RUNTIME, "bootc-run.sh"), ["app"], { ...f.env, IAGO_ETC_DIR: etcIago });
  assert.equal(r.code, 0, r.out);
  const [d] = JSON.parse(await ok("podman", ["container", "inspect", "bootc-app"], f.tool));
  assert.deepEqual(
    d.Mounts.map((m: { Source: string; Destination: string; RW: boolean }) =>
      `${m.Source}:${m.Destination}:${m.RW ? "rw" : "ro"}`
    ).sort(),
    [`${etcIago}:/etc/iago:ro`, "/run:/run:rw", "/var:/var:rw"].sort(),
  );
  assert.equal(d.Config.Timezone, "local");
  assert.equal(d.Config.Healthcheck, undefined);
});
