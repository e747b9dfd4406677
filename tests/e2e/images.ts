/**
 * The images the suite builds itself, from Debian packages only (nothing is pulled from Docker
 * Hub or quay.io): a tiny base (busybox and bash, static) that the fleet's scaffold builds on,
 * and a Debian rootfs with PostgreSQL 15. Downloads and the rootfs are cached beside the VM
 * image (`IAGO_E2E_CACHE`, default /var/cache/iago-e2e).
 */
import { join } from "node:path";
import { Fleet } from "./harness/fleet.ts";

export const CACHE = Deno.env.get("IAGO_E2E_CACHE") ?? "/var/cache/iago-e2e";

async function sh(script: string, cwd?: string): Promise<string> {
  const out = await new Deno.Command("bash", {
    args: ["-euo", "pipefail", "-c", script],
    cwd,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  if (!out.success) {
    throw new Error(`${script.split("\n")[0]} failed:\n${dec.decode(out.stderr).slice(-2000)}`);
  }
  return dec.decode(out.stdout);
}

/**
 * Writes a root tree at `dir`: /bin/busybox with its applets as links, /bin/bash (bash-static),
 * a root-only /etc/passwd and /etc/group, /tmp. About 4 MB.
 */
export async function tinyRootfs(dir: string): Promise<void> {
  const debs = join(CACHE, "debs");
  await Deno.mkdir(debs, { recursive: true });
  await sh(
    `ls busybox-static_*.deb bash-static_*.deb >/dev/null 2>&1 || apt-get download -q busybox-static bash-static`,
    debs,
  );
  await sh(`
    mkdir -p "${dir}"
    for d in "${debs}"/busybox-static_*.deb "${debs}"/bash-static_*.deb; do dpkg-deb -x "$d" "${dir}"; done
    cd "${dir}"
    rm -rf usr/share/doc usr/share/debianutils
    ln -s bash-static bin/bash
    ./bin/busybox --list-full | while read -r applet; do
      [ -e "$applet" ] || { mkdir -p "$(dirname "$applet")"; ln -s /bin/busybox "$applet"; }
    done
    mkdir -p etc tmp root var
    printf 'root:x:0:0:root:/root:/bin/sh\\n' > etc/passwd
    printf 'root:x:0:\\n' > etc/group
  `);
}

/**
 * `CACHE/images/postgres-rootfs.tar`: Debian 12 minbase with postgresql-15, made once by
 * mmdebstrap from the Debian mirror. Left out, to keep the VM's pull short: docs, man pages,
 * locales, the LLVM JIT (the server runs with jit=off), the packaging's own cluster (the machine
 * mounts its /var over it) and perl (only Debian's pg_wrapper needs it; the image's PATH names
 * PostgreSQL's own binaries).
 */
export async function postgresRootfs(): Promise<string> {
  const tar = join(CACHE, "images", "postgres-rootfs-2.tar");
  try {
    await Deno.stat(tar);
    return tar;
  } catch {
    // made below
  }
  await Deno.mkdir(join(CACHE, "images"), { recursive: true });
  // mmdebstrap picks its output format by the name's extension: keep ".tar" at the end.
  const partial = tar.replace(/\.tar$/, ".partial.tar");
  await sh(`
    mirror=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
    mmdebstrap --quiet --variant=minbase --include=postgresql-15 \\
      --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \\
      --dpkgopt='path-exclude=/usr/share/locale/*' \\
      --dpkgopt='path-exclude=/usr/lib/x86_64-linux-gnu/libLLVM*' \\
      --dpkgopt='path-exclude=/usr/lib/x86_64-linux-gnu/libz3*' \\
      --dpkgopt='path-exclude=/usr/lib/postgresql/15/lib/bitcode/*' \\
      --dpkgopt='path-exclude=/usr/share/i18n/*' \\
      --customize-hook='rm -rf "$1"/var/lib/postgresql/15/main "$1"/etc/postgresql/15/main "$1"/usr/share/perl "$1"/usr/lib/x86_64-linux-gnu/perl' \\
      bookworm "${partial}" "\${mirror:-http://deb.debian.org/debian}"
    mv "${partial}" "${tar}"
  `);
  return tar;
}

/**
 * Builds and pushes the tiny base image as REGISTRY/base/tiny:1 with iago itself (a Containerfile
 * `FROM scratch` + `COPY rootfs/ /`), from a workspace of its own. Returns the reference.
 */
export async function pushTinyBase(registry: string, scratch: string): Promise<string> {
  const ws = new Fleet(join(scratch, "base-images"));
  const ctx = ws.path("containers", "tiny");
  await Deno.mkdir(ctx, { recursive: true });
  await tinyRootfs(join(ctx, "rootfs"));
  await Deno.writeTextFile(
    join(ctx, "Containerfile"),
    'FROM scratch\nCOPY rootfs/ /\nCMD ["/bin/sh"]\n',
  );
  await Deno.mkdir(ws.path("config"), { recursive: true });
  await Deno.writeTextFile(
    ws.path("config", "defaults.toml"),
    `[container_registry]\nurl = "${registry}/base"\ninsecure = ["${registry}"]\n`,
  );
  await ws.build("tiny", "--tag", "1");
  return `${registry}/base/tiny:1`;
}
