import assert from "node:assert/strict";
import { join } from "node:path";
import { iago, tempDir } from "../helpers/cli.ts";
import { requireTool, startRegistry } from "../helpers/registry.ts";
import { makeWorkspace, registryWithBases, run, skopeoJson, writeTree } from "./fixtures.ts";

/** A base image with a working /bin/sh (the host's dash and its libraries), built natively. */
async function shellBase(ws: string): Promise<void> {
  const dir = join(ws, "containers", "shbase");
  await Deno.mkdir(dir, { recursive: true });
  await Deno.copyFile(await Deno.realPath("/bin/dash"), join(dir, "sh"));
  await Deno.chmod(join(dir, "sh"), 0o755);
  await Deno.copyFile(
    await Deno.realPath("/lib/x86_64-linux-gnu/libc.so.6"),
    join(dir, "libc.so.6"),
  );
  await Deno.copyFile(await Deno.realPath("/lib64/ld-linux-x86-64.so.2"), join(dir, "ld.so"));
  await Deno.chmod(join(dir, "ld.so"), 0o755);
  await Deno.writeTextFile(
    join(dir, "Containerfile"),
    [
      "FROM scratch",
      "COPY sh /bin/sh",
      "COPY libc.so.6 /lib/x86_64-linux-gnu/libc.so.6",
      "COPY ld.so /lib64/ld-linux-x86-64.so.2",
      'CMD ["/bin/sh"]',
      "",
    ].join("\n"),
  );
}

const APP = (host: string) =>
  `FROM ${host}/team/shbase:latest
COPY motd /etc/motd
RUN echo built > /hello
LABEL stage=run
RUN \\
  echo again >> /hello
HEALTHCHECK --retries=2 CMD test -f /hello
`;

Deno.test("a Containerfile with RUN is built by buildah and pushed by iago; a rebuild uploads nothing", async () => {
  await requireTool("/usr/bin/buildah", "buildah");
  await requireTool("/usr/bin/umoci", "umoci");
  if (Deno.build.arch !== "x86_64") throw new Error("this test builds an x86_64 shell base");
  const registry = await startRegistry();
  await using scratch = await tempDir();
  try {
    const ws = join(scratch.path, "ws");
    await makeWorkspace(ws, registry.host);
    await shellBase(ws);
    await writeTree(join(ws, "containers", "app"), {
      Containerfile: APP(registry.host),
      motd: "hi\n",
    });
    const base = await iago(["build", "shbase", "--platform", "linux/amd64"], { cwd: ws });
    assert.equal(base.code, 0, base.stderr);

    const r = await iago(["build", "app", "--platform", "linux/amd64"], { cwd: ws });
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /^app: pushed .*\/team\/app@sha256:[0-9a-f]{64} tags latest; .*, built with buildah/,
    );
    const ref = `docker://${registry.host}/team/app:latest`;
    const config = await skopeoJson(["inspect", "--tls-verify=false", "--config", ref]);
    assert.deepEqual((config.config as { Labels: Record<string, string> }).Labels, {
      stage: "run",
    });
    const layout = join(scratch.path, "pulled");
    await run("skopeo", ["copy", "--quiet", "--src-tls-verify=false", ref, `oci:${layout}:x`]);
    await run("umoci", ["unpack", "--image", `${layout}:x`, join(scratch.path, "bundle")]);
    const rootfs = join(scratch.path, "bundle", "rootfs");
    assert.equal(await Deno.readTextFile(join(rootfs, "hello")), "built\nagain\n");
    assert.equal(await Deno.readTextFile(join(rootfs, "etc/motd")), "hi\n");

    const again = await iago(["build", "app", "--platform", "linux/amd64"], { cwd: ws });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /no blob uploaded/);
    assert.equal(/@(sha256:\S+)/.exec(again.stdout)![1], /@(sha256:\S+)/.exec(r.stdout)![1]);
  } finally {
    await registry.stop();
  }
});

Deno.test("RUN stops the native builder with every RUN line and the two ways out", async () => {
  await using scratch = await tempDir();
  const ws = scratch.path;
  await writeTree(join(ws, "containers", "app"), {
    Containerfile: APP("127.0.0.1:1"),
    motd: "hi\n",
  });
  const native = await iago(["build", "app", "--builder", "native"], { cwd: ws });
  assert.equal(native.code, 1);
  assert.match(
    native.stderr,
    /^error: containers\/app\/Containerfile:3: --builder native cannot execute RUN \(RUN on lines 3, 5\)\n.*hint: install buildah or podman and use --builder auto, or replace each RUN with files: COPY --chmod, sysusers.d, tmpfiles.d, \*.wants\/ symlinks$/,
  );
  const bare = await iago(["build", "app"], { cwd: ws, env: { PATH: "/nonexistent" } });
  assert.equal(bare.code, 1);
  assert.match(
    bare.stderr,
    /Containerfile:3: RUN needs buildah or podman, and neither is installed \(RUN on lines 3, 5\)/,
  );
  const missing = await iago(["build", "app", "--builder", "podman"], {
    cwd: ws,
    env: { PATH: "/nonexistent" },
  });
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /--builder podman: podman is not installed/);
});

const LINKS_TAR = `
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w", format=tarfile.PAX_FORMAT) as t:
    def add(name, kind, mode, link="", text=""):
        ti = tarfile.TarInfo(name)
        ti.type, ti.mode, ti.linkname, ti.size = kind, mode, link, len(text)
        t.addfile(ti, io.BytesIO(text.encode()) if text else None)
    add("sub", tarfile.DIRTYPE, 0o750)
    add("lnk", tarfile.SYMTYPE, 0o777, "sub")
    add("lnk/file", tarfile.REGTYPE, 0o640, text="ok\\n")
    add("etc", tarfile.DIRTYPE, 0o755)
    add("abs", tarfile.SYMTYPE, 0o777, "/etc")
    add("abs/conf", tarfile.REGTYPE, 0o644, text="c\\n")
    add("hard", tarfile.LNKTYPE, 0o640, "lnk/file")
    add("fifo", tarfile.FIFOTYPE, 0o600)
`;

const PARITY = (host: string) =>
  `FROM ${host}/base:1
ENV APP=/opt/app
WORKDIR $APP
COPY --chmod=0750 scripts/ /usr/local/bin/
COPY --chown=1000:1000 conf/a.conf ./
COPY conf /etc/conf.d/
COPY tree/ /srv/tree/
COPY x /bin/
COPY x /usr
COPY x y /etc/multi/
ADD files.tar.gz /opt/extract/
ADD links.tar /arch/
COPY con* li* /wild/
COPY --chown=1000 x /home/u/.config/x
WORKDIR sub
COPY x .
COPY --chown=app x /srv/by-name
COPY --chown=app:wheel x /srv/by-names
COPY --chmod=0700 --chown=app tree/ /newdir/
USER app
WORKDIR /var/lib/app
`;

Deno.test("the native builder and buildah give the same files, modes, owners and links for a Containerfile without RUN", async () => {
  await requireTool("/usr/bin/buildah", "buildah");
  await requireTool("/usr/bin/umoci", "umoci");
  await using bases = await registryWithBases();
  const { registry, scratch, ws } = bases;
  const trees: string[] = [];
  const configs: unknown[] = [];
  for (const builder of ["native", "buildah"]) {
    const dir = join(ws, "containers", builder);
    await writeTree(dir, {
      Containerfile: PARITY(registry.host),
      "scripts/s.sh": { text: "#!/bin/sh\n", mode: 0o755 },
      "scripts/sub/t": "t\n",
      "conf/a.conf": "a\n",
      "conf/b.conf": "b\n",
      "tree/d/e/f": "f\n",
      "tree/link": { link: "d/e/f" },
      "tree/abs": { link: "/etc/os-release" },
      x: "x\n",
      y: "y\n",
      "src/data/s.txt": { text: "s\n", mode: 0o600 },
      "link-a": { link: "conf/a.conf" },
    });
    // Entries through the archive's own links (inside it), a hard link through one, a FIFO.
    await run("python3", ["-c", LINKS_TAR, join(dir, "links.tar")]);
    await run("tar", [
      "--owner=5",
      "--group=6",
      "-czf",
      join(dir, "files.tar.gz"),
      "-C",
      join(dir, "src"),
      "data",
    ]);
    await Deno.remove(join(dir, "src"), { recursive: true });
    // As writeTree's files: a checkout's modes, not this machine's umask (buildah keeps them).
    for (const archive of ["links.tar", "files.tar.gz"]) {
      await Deno.chmod(join(dir, archive), 0o644);
    }
    const r = await iago(
      ["build", builder, "--builder", builder, "--platform", "linux/amd64"],
      { cwd: ws },
    );
    assert.equal(r.code, 0, r.stderr);
    const ref = `docker://${registry.host}/team/${builder}:latest`;
    const layout = join(scratch.path, `${builder}-layout`);
    await run("skopeo", ["copy", "--quiet", "--src-tls-verify=false", ref, `oci:${layout}:x`]);
    const bundle = join(scratch.path, `${builder}-bundle`);
    await run("umoci", ["unpack", "--image", `${layout}:x`, bundle]);
    trees.push(
      await run("find", [".", "-printf", "%p %m %U:%G %y %l\\n"], join(bundle, "rootfs")),
    );
    const config = await skopeoJson(["inspect", "--tls-verify=false", "--config", ref]);
    const { User, WorkingDir, Env } = config.config as Record<string, unknown>;
    configs.push({ User, WorkingDir, Env });
  }
  const sorted = trees.map((t) => t.split("\n").sort().join("\n"));
  assert.equal(sorted[0], sorted[1]);
  assert.match(sorted[0], /^\.\/bin 777 0:0 l usr\/bin$/m);
  for (
    const line of ["arch/sub/file 640 0:0 f", "arch/etc/conf 644 0:0 f", "arch/fifo 600 0:0 p"]
  ) {
    assert.ok(sorted[0].includes(`./${line} \n`), `${line} in\n${sorted[0]}`);
  }
  assert.ok(sorted[0].includes("./wild/link-a 644 0:0 f \n"));
  assert.deepEqual(configs[0], configs[1]);
});
