/**
 * Test fixtures for the builder: base images made in the test (with iago's own layer writer,
 * copied into the registry by skopeo from an OCI layout), workspaces with a container, and
 * runners for the independent readers (skopeo, umoci, tar).
 */
import { join } from "node:path";
import { BlobStore } from "../../src/oci/blobs.ts";
import type { Image, ImageConfig } from "../../src/oci/image.ts";
import { buildLayer, sortEntries } from "../../src/oci/layer.ts";
import { writeOciLayout } from "../../src/oci/layout.ts";
import { OCI_LAYER_GZIP } from "../../src/oci/media_types.ts";
import { finishBuild } from "../../src/oci/result.ts";
import type { TarEntry } from "../../src/oci/tar.ts";
import { tempDir } from "../helpers/cli.ts";
import { requireTool, type RunningRegistry, startRegistry } from "../helpers/registry.ts";

const encoder = new TextEncoder();

export function file(path: string, body: string, mode = 0o644): TarEntry {
  const bytes = encoder.encode(body);
  return {
    path,
    type: "file",
    mode,
    uid: 0,
    gid: 0,
    size: bytes.length,
    content: async function* () {
      yield bytes;
    },
  };
}

export function dir(path: string): TarEntry {
  return { path, type: "dir", mode: 0o755, uid: 0, gid: 0 };
}

/** Runs a command; throws with its stderr when it fails. */
export async function run(cmd: string, args: string[], cwd?: string): Promise<string> {
  const out = await new Deno.Command(cmd, { args, cwd, stdout: "piped", stderr: "piped" }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  if (!out.success) throw new Error(`${cmd} ${args.join(" ")} failed: ${stderr}`);
  return new TextDecoder().decode(out.stdout);
}

/** An image for one architecture holding `entries`, with a base-like config. */
async function baseImage(
  store: BlobStore,
  architecture: string,
  entries: TarEntry[],
): Promise<Image> {
  const layer = await buildLayer(store, sortEntries(entries), { mediaType: OCI_LAYER_GZIP });
  const config: ImageConfig = {
    created: "2024-01-01T00:00:00Z",
    architecture,
    os: "linux",
    config: {
      Env: ["PATH=/usr/local/bin:/usr/bin:/bin", "BASE_ENV=1"],
      Cmd: ["/bin/sh"],
      Labels: { "org.example.base": "yes" },
    },
    rootfs: { type: "layers", diff_ids: [layer.diffId] },
    history: [{ created: "2024-01-01T00:00:00Z", created_by: "base layer" }],
  };
  return { platform: { os: "linux", architecture }, config, layers: [layer] };
}

/**
 * Pushes the test bases to `host` with skopeo: `base:1` (linux/amd64) and `base:multi`
 * (an index of linux/amd64 and linux/arm64).
 */
export async function pushBases(host: string, scratch: string): Promise<void> {
  await requireTool("/usr/bin/skopeo", "skopeo");
  const store = new BlobStore(join(scratch, "base-store"));
  const common = [
    dir("etc"),
    file("etc/os-release", "ID=testbase\n"),
    file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\napp:x:1001:1002::/home/app:/bin/sh\n"),
    file("etc/group", "root:x:0:\napp:x:1002:\nwheel:x:10:app\n"),
    dir("usr"),
    dir("usr/bin"),
    file("usr/bin/tool", "#!/bin/sh\necho tool\n", 0o755),
    { path: "bin", type: "symlink", mode: 0o777, uid: 0, gid: 0, linkname: "usr/bin" } as TarEntry,
    { path: "tmp", type: "dir", mode: 0o1777, uid: 0, gid: 0 } as TarEntry,
  ];
  const amd64 = await baseImage(store, "amd64", [...common, file("etc/arch", "amd64\n")]);
  const arm64 = await baseImage(store, "arm64", [...common, file("etc/arch", "arm64\n")]);
  const single = await finishBuild([amd64], store);
  await writeOciLayout(single, join(scratch, "base-single"), ["1"]);
  await run("skopeo", [
    "copy",
    "--quiet",
    "--dest-tls-verify=false",
    `oci:${join(scratch, "base-single")}:1`,
    `docker://${host}/base:1`,
  ]);
  const multi = await finishBuild([amd64, arm64], store);
  await writeOciLayout(multi, join(scratch, "base-multi"), ["multi"]);
  await run("skopeo", [
    "copy",
    "--quiet",
    "--all",
    "--dest-tls-verify=false",
    `oci:${join(scratch, "base-multi")}:multi`,
    `docker://${host}/base:multi`,
  ]);
}

/** Writes files (path → content; a `{link}` makes a symlink, `{mode}` sets permissions). */
export async function writeTree(
  root: string,
  files: Record<string, string | { link: string } | { text: string; mode: number }>,
): Promise<void> {
  for (const [path, spec] of Object.entries(files)) {
    const abs = join(root, path);
    // Modes as a checkout gives them under the usual umask 022, whatever this machine's is:
    // buildah copies them as they are on disk, where iago takes git's view.
    let dir = root;
    for (const part of ["", ...path.split("/").slice(0, -1)]) {
      dir = join(dir, part);
      await Deno.mkdir(dir, { recursive: true });
      await Deno.chmod(dir, 0o755);
    }
    if (typeof spec === "string") {
      await Deno.writeTextFile(abs, spec);
      await Deno.chmod(abs, 0o644);
    } else if ("link" in spec) await Deno.symlink(spec.link, abs);
    else {
      await Deno.writeTextFile(abs, spec.text);
      await Deno.chmod(abs, spec.mode);
    }
  }
}

/** A workspace whose images go to `host/team/NAME`. */
export async function makeWorkspace(root: string, host: string): Promise<void> {
  await writeTree(root, {
    "config/defaults.toml": `[container_registry]\nurl = "${host}/team"\n`,
  });
}

/**
 * A real registry holding the test bases ({@link pushBases}) and a workspace pushing to it
 * (`ws`, in `scratch`): what most build tests start from. Disposing stops the registry and
 * removes the scratch directory.
 */
export async function registryWithBases(): Promise<
  AsyncDisposable & { registry: RunningRegistry; scratch: { path: string }; ws: string }
> {
  const registry = await startRegistry();
  const scratch = await tempDir();
  const dispose = async () => {
    await registry.stop();
    await scratch[Symbol.asyncDispose]();
  };
  try {
    await pushBases(registry.host, scratch.path);
    const ws = join(scratch.path, "ws");
    await makeWorkspace(ws, registry.host);
    return { registry, scratch, ws, [Symbol.asyncDispose]: dispose };
  } catch (err) {
    await dispose();
    throw err;
  }
}

export async function skopeoJson(args: string[]): Promise<Record<string, unknown>> {
  return JSON.parse(await run("skopeo", [...args]));
}
