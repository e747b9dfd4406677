/**
 * RUN needs a container runtime. This hands the whole Containerfile to buildah (or podman),
 * which builds it into its own storage (`vfs`, `--isolation chroot`, `--timestamp` fixed, so
 * rebuilds are identical), exports it to an OCI layout, and leaves pushing, tagging and signing
 * to iago.
 */
import { join } from "node:path";
import { IagoError } from "../errors.ts";
import { isInsecureRegistry, parseImageReference } from "../registry/mod.ts";
import type { Containerfile } from "./containerfile/parse.ts";
import { formatPlatform, type Platform } from "./image.ts";
import { canonicalJsonBytes } from "./json.ts";
import { readOciLayout } from "./layout.ts";
import type { BuildResult } from "./result.ts";

export type Delegate = "buildah" | "podman";

export interface DelegateRequest {
  tool: Delegate;
  /** The executable found on PATH. */
  executable: string;
  containerfile: Containerfile;
  containerfilePath: string;
  contextDir: string;
  platform: Platform;
  epoch: number;
  /** Storage root kept between builds (base images are pulled once). */
  storageDir: string;
  scratchDir: string;
  insecureRegistries: string[];
  env: Record<string, string | undefined>;
}

/** Finds `name` on the PATH of `env`, or undefined. */
export async function findExecutable(
  name: string,
  env: Record<string, string | undefined>,
): Promise<string | undefined> {
  for (const dir of (env.PATH ?? "/usr/local/bin:/usr/bin:/bin").split(":")) {
    if (!dir) continue;
    const path = join(dir, name);
    try {
      const info = await Deno.stat(path);
      if (info.isFile && ((info.mode ?? 0) & 0o111)) return path;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Builds with the tool and returns the image read back from its OCI layout. */
export async function buildWithDelegate(req: DelegateRequest): Promise<BuildResult> {
  // podman refuses a runroot longer than 50 characters: keep it short, in the temp dir.
  const runRoot = await Deno.makeTempDir({ prefix: "iago-run-" });
  const layout = join(req.scratchDir, `${req.tool}-layout`);
  await Deno.mkdir(req.storageDir, { recursive: true, mode: 0o700 });
  const registriesConf = join(req.scratchDir, "registries.conf");
  await Deno.writeTextFile(registriesConf, registriesConfFor(req));
  const tag = `localhost/iago-build-${crypto.randomUUID().slice(0, 8)}:latest`;
  const storage = ["--storage-driver", "vfs", "--root", req.storageDir, "--runroot", runRoot];
  // As in the native builder: a HEALTHCHECK needs the Docker format, or podman drops it.
  const docker = req.containerfile.stages.some((s) =>
    s.instructions.some((i) => i.keyword === "HEALTHCHECK" && !/^NONE$/i.test(i.text.trim()))
  );
  const common = [
    ...(docker ? ["--format", "docker"] : []),
    // The builder's version label would change the digest with every buildah upgrade.
    "--identity-label=false",
    "--isolation",
    "chroot",
    "--timestamp",
    String(req.epoch),
    "--platform",
    formatPlatform(req.platform),
    "-f",
    req.containerfilePath,
    "-t",
    tag,
  ];
  const buildArgs = req.tool === "buildah" ? [...storage, "bud", ...common, req.contextDir] : [
    ...storage,
    "--cgroup-manager",
    "cgroupfs",
    "--events-backend",
    "none",
    "build",
    ...common,
    req.contextDir,
  ];
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.env)) if (v !== undefined) env[k] = v;
  env.CONTAINERS_REGISTRIES_CONF = registriesConf;
  try {
    await run(req, buildArgs, env, "build");
    const pushArgs = req.tool === "buildah"
      ? [...storage, "push", ...(docker ? ["--format", "v2s2"] : []), tag, `oci:${layout}:latest`]
      : [
        ...storage,
        "--events-backend",
        "none",
        "push",
        ...(docker ? ["--format", "v2s2"] : []),
        tag,
        `oci:${layout}:latest`,
      ];
    await run(req, pushArgs, env, "export");
  } finally {
    await new Deno.Command(req.executable, {
      args: [...storage, "rmi", tag],
      env,
      clearEnv: true,
      stdout: "null",
      stderr: "null",
    }).output().catch(() => {});
    await Deno.remove(runRoot, { recursive: true }).catch(() => {});
  }
  const result = await readOciLayout(layout, "latest");
  return docker ? await withoutBuildIdentity(result) : result;
}

/**
 * Docker-format configs from buildah carry the random ID and hostname of the build container,
 * which would make every rebuild a new image: drop them and re-serialize config and manifest.
 */
async function withoutBuildIdentity(result: BuildResult): Promise<BuildResult> {
  const images = [];
  for (const img of result.images) {
    const config = structuredClone(img.image.config);
    delete config.container;
    for (const key of ["config", "container_config"]) {
      const section = config[key] as Record<string, unknown> | undefined;
      if (section) delete section.Hostname;
    }
    const configBytes = canonicalJsonBytes(config);
    const configBlob = await result.store.putBytes(configBytes);
    const manifest = JSON.parse(new TextDecoder().decode(img.manifest.bytes));
    manifest.config = { ...manifest.config, digest: configBlob.digest, size: configBlob.size };
    const manifestBytes = canonicalJsonBytes(manifest);
    const manifestBlob = await result.store.putBytes(manifestBytes);
    images.push({
      ...img,
      image: { ...img.image, config },
      config: { bytes: configBytes, descriptor: { ...img.config.descriptor, ...configBlob } },
      manifest: {
        bytes: manifestBytes,
        descriptor: { ...img.manifest.descriptor, ...manifestBlob },
      },
    });
  }
  const { platform: _, ...top } = images[0].manifest.descriptor;
  return { ...result, images, top: { bytes: images[0].manifest.bytes, descriptor: top } };
}

async function run(
  req: DelegateRequest,
  args: string[],
  env: Record<string, string>,
  what: string,
): Promise<void> {
  const out = await new Deno.Command(req.executable, {
    args,
    env,
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    const text = new TextDecoder().decode(out.stderr).trim().split("\n").slice(-6).join("\n  ");
    throw new IagoError(`${req.tool} ${what} of ${req.containerfile.file} failed:\n  ${text}`, {
      hint: `the lines above are the end of ${req.tool}'s output; fix the step it names`,
    });
  }
}

/** A registries.conf marking loopback and configured insecure registries as plain HTTP. */
function registriesConfFor(req: DelegateRequest): string {
  const hosts = new Set<string>(req.insecureRegistries);
  for (const stage of req.containerfile.stages) {
    try {
      const ref = parseImageReference(stage.base);
      if (isInsecureRegistry(ref.registry, req.insecureRegistries)) hosts.add(ref.registry);
    } catch {
      // a stage name, scratch or a variable: nothing to configure
    }
  }
  const lines = ['unqualified-search-registries = ["docker.io"]', ""];
  for (const h of [...hosts].sort()) {
    lines.push("[[registry]]", `location = "${h}"`, "insecure = true", "");
  }
  return lines.join("\n");
}
