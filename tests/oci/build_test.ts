import assert from "node:assert/strict";
import { join } from "node:path";
import { iago, tempDir } from "../helpers/cli.ts";
import { scratchPodman } from "../helpers/podman.ts";
import { requireTool, startRegistry } from "../helpers/registry.ts";
import {
  makeWorkspace,
  pushBases,
  registryWithBases,
  run,
  skopeoJson,
  writeTree,
} from "./fixtures.ts";

const CONTAINERFILE = (host: string) =>
  `# syntax=docker/dockerfile:1
ARG BASE=${host}/base:1
FROM \${BASE}
ARG GREETING=hello
ENV APP_HOME=/opt/app GREETING=\${GREETING}
LABEL org.example.name="web app" version=1
WORKDIR $APP_HOME
COPY --chmod=0755 scripts/ /usr/local/bin/
COPY --chown=1000:1000 config/app.conf ./
COPY systemd/ /etc/systemd/system/
COPY <<EOF /etc/motd
greeting: \${GREETING}
EOF
ADD files.tar.gz /opt/extract/
USER 1000
EXPOSE 8080 53/udp
VOLUME /data
STOPSIGNAL SIGINT
ENTRYPOINT ["/usr/local/bin/start.sh"]
CMD ["--serve"]
`;

async function webContainer(ws: string, host: string): Promise<void> {
  const dir = join(ws, "containers", "web");
  await writeTree(dir, {
    "Containerfile": CONTAINERFILE(host),
    ".containerignore": "*.md\nscripts/*.bak\n",
    "README.md": "not in the image\n",
    "scripts/start.sh": "#!/bin/sh\nexec echo started\n",
    "scripts/old.bak": "ignored\n",
    "config/app.conf": "port=8080\n",
    "systemd/web.service": "[Service]\nExecStart=/usr/local/bin/start.sh\n",
    "systemd/multi-user.target.wants/web.service": { link: "/etc/systemd/system/web.service" },
    "extract-src/data/secret.txt": { text: "s3cret\n", mode: 0o600 },
  });
  await run("tar", [
    "--owner=0",
    "--group=0",
    "-czf",
    join(dir, "files.tar.gz"),
    "-C",
    join(dir, "extract-src"),
    "data",
  ]);
  await Deno.remove(join(dir, "extract-src"), { recursive: true });
}

Deno.test("build pushes an image whose files, modes, owners, links, config and history skopeo and umoci read back", async () => {
  await requireTool("/usr/bin/umoci", "umoci");
  await using bases = await registryWithBases();
  const { registry, scratch, ws } = bases;
  await webContainer(ws, registry.host);
  const r = await iago(["build", "web", "--platform", "linux/amd64", "--tag", "v1"], { cwd: ws });
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    new RegExp(
      `^web: pushed ${registry.host}/team/web@sha256:[0-9a-f]{64} tags v1; 7 blobs uploaded`,
    ),
  );

  const ref = `docker://${registry.host}/team/web:v1`;
  const raw = await skopeoJson(["inspect", "--tls-verify=false", "--raw", ref]);
  assert.equal(raw.mediaType, "application/vnd.oci.image.manifest.v1+json");
  const layers = raw.layers as { mediaType: string }[];
  assert.equal(layers.length, 7);
  assert.ok(layers.every((l) => l.mediaType === "application/vnd.oci.image.layer.v1.tar+gzip"));
  const annotations = raw.annotations as Record<string, string>;
  assert.equal(annotations["org.opencontainers.image.base.name"], `${registry.host}/base:1`);
  assert.match(annotations["org.opencontainers.image.base.digest"], /^sha256:[0-9a-f]{64}$/);

  const config = await skopeoJson(["inspect", "--tls-verify=false", "--config", ref]);
  const c = config.config as Record<string, unknown>;
  assert.equal(config.created, "1970-01-01T00:00:00Z");
  assert.deepEqual(c.Env, [
    "PATH=/usr/local/bin:/usr/bin:/bin",
    "BASE_ENV=1",
    "APP_HOME=/opt/app",
    "GREETING=hello",
  ]);
  assert.deepEqual(c.Labels, {
    "org.example.base": "yes",
    "org.example.name": "web app",
    version: "1",
  });
  assert.equal(c.WorkingDir, "/opt/app");
  assert.equal(c.User, "1000");
  assert.deepEqual(c.ExposedPorts, { "53/udp": {}, "8080/tcp": {} });
  assert.deepEqual(c.Volumes, { "/data": {} });
  assert.equal(c.StopSignal, "SIGINT");
  assert.deepEqual(c.Entrypoint, ["/usr/local/bin/start.sh"]);
  assert.deepEqual(c.Cmd, ["--serve"]);
  const history = config.history as { created_by: string; empty_layer?: boolean }[];
  assert.equal(history[0].created_by, "base layer");
  assert.deepEqual(history.filter((h) => !h.empty_layer).length, 7);
  assert.ok(history.some((h) => h.created_by === "COPY --chmod=0755 scripts/ /usr/local/bin/"));
  assert.ok(history.some((h) => h.created_by === "ENV APP_HOME=/opt/app GREETING=hello"));
  assert.equal((config.rootfs as { diff_ids: string[] }).diff_ids.length, 7);

  const layout = join(scratch.path, "pulled");
  await run("skopeo", ["copy", "--quiet", "--src-tls-verify=false", ref, `oci:${layout}:v1`]);
  const bundle = join(scratch.path, "bundle");
  await run("umoci", ["unpack", "--image", `${layout}:v1`, bundle]);
  const rootfs = join(bundle, "rootfs");
  const stat = async (p: string) => await Deno.lstat(join(rootfs, p));
  assert.equal((await stat("usr/local/bin/start.sh")).mode! & 0o7777, 0o755);
  assert.equal((await stat("usr/bin/tool")).mode! & 0o7777, 0o755);
  await assert.rejects(() => stat("usr/local/bin/old.bak"));
  const conf = await stat("opt/app/app.conf");
  assert.deepEqual([conf.uid, conf.gid, conf.mode! & 0o777], [1000, 1000, 0o644]);
  assert.equal(
    await Deno.readLink(join(rootfs, "etc/systemd/system/multi-user.target.wants/web.service")),
    "/etc/systemd/system/web.service",
  );
  assert.equal(await Deno.readLink(join(rootfs, "bin")), "usr/bin");
  assert.equal(await Deno.readTextFile(join(rootfs, "etc/motd")), "greeting: hello\n");
  assert.equal(await Deno.readTextFile(join(rootfs, "etc/os-release")), "ID=testbase\n");
  const secret = await stat("opt/extract/data/secret.txt");
  assert.deepEqual([secret.uid, secret.mode! & 0o777], [0, 0o600]);
  assert.equal(await Deno.readTextFile(join(rootfs, "opt/extract/data/secret.txt")), "s3cret\n");
});

Deno.test("COPY and WORKDIR follow the base's symlinked directories, keep its directory modes and give created directories to --chown or USER (names from /etc/passwd), as buildah does", async () => {
  await requireTool("/usr/bin/umoci", "umoci");
  await using bases = await registryWithBases();
  const { registry, scratch, ws } = bases;
  await writeTree(join(ws, "containers/web"), {
    // base:1 has bin -> usr/bin (as Fedora CoreOS has /usr/local -> ../var/usrlocal) and a
    // 1777 /tmp.
    "Containerfile": `FROM ${registry.host}/base:1
COPY x /bin/x
COPY x /usr
COPY x /tmp/sub/y
COPY --chown=1000:1000 x /new/deep/x
COPY --chown=1000:1000 x /usr/bin/owned
COPY --chown=app x /srv/by-name
COPY --chown=app:wheel x /srv/by-names
WORKDIR /bin/work
USER app
WORKDIR /var/lib/app
WORKDIR /etc
`,
    "x": "x\n",
  });
  const r = await iago(["build", "web", "--platform", "linux/amd64"], { cwd: ws });
  assert.equal(r.code, 0, r.stderr);
  const ref = `docker://${registry.host}/team/web:latest`;
  const layout = join(scratch.path, "pulled");
  await run("skopeo", ["copy", "--quiet", "--src-tls-verify=false", ref, `oci:${layout}:x`]);
  await run("umoci", ["unpack", "--image", `${layout}:x`, join(scratch.path, "bundle")]);
  const rootfs = join(scratch.path, "bundle", "rootfs");
  assert.equal(await Deno.readLink(join(rootfs, "bin")), "usr/bin");
  assert.equal(await Deno.readTextFile(join(rootfs, "usr/bin/x")), "x\n");
  // A file copied onto an existing directory goes into it.
  assert.equal(await Deno.readTextFile(join(rootfs, "usr/x")), "x\n");
  assert.ok((await Deno.lstat(join(rootfs, "usr/bin/tool"))).isFile);
  assert.equal((await Deno.lstat(join(rootfs, "tmp"))).mode! & 0o7777, 0o1777);
  assert.equal(await Deno.readTextFile(join(rootfs, "tmp/sub/y")), "x\n");
  // Directories a --chown copy creates are the owner's; existing ones stay as they were.
  const owners = async (...paths: string[]) =>
    await Promise.all(paths.map(async (p) => (await Deno.lstat(join(rootfs, p))).uid));
  assert.deepEqual(await owners("new", "new/deep", "new/deep/x"), [1000, 1000, 1000]);
  assert.deepEqual(await owners("usr", "usr/bin", "usr/bin/owned"), [0, 0, 1000]);
  // Names are looked up in the image's /etc/passwd and /etc/group (app is 1001:1002).
  const ids = async (p: string) => {
    const info = await Deno.lstat(join(rootfs, p));
    return [info.uid, info.gid];
  };
  assert.deepEqual(await ids("srv/by-name"), [1001, 1002]);
  assert.deepEqual(await ids("srv/by-names"), [1001, 10]);
  // WORKDIR creates its directory (and missing parents) for the USER, as buildah does.
  assert.deepEqual(await ids("var/lib/app"), [1001, 1002]);
  assert.deepEqual(await ids("var"), [1001, 1002]);
  const work = await Deno.lstat(join(rootfs, "usr/bin/work"));
  assert.deepEqual([work.isDirectory, work.mode! & 0o7777, work.uid], [true, 0o755, 0]);
  const config = await skopeoJson(["inspect", "--tls-verify=false", "--config", ref]);
  const history = config.history as { created_by: string; empty_layer?: boolean }[];
  // The base's layer headers are read once and kept for the next build.
  const cached = [...Deno.readDirSync(join(ws, ".iago/cache/layer-trees"))].map((e) => e.name);
  assert.ok(cached.some((n) => /^[0-9a-f]{64}\.json$/.test(n)), cached.join(", "));
  // An existing working directory adds no layer.
  assert.deepEqual(
    history.filter((h) => !h.empty_layer).map((h) => h.created_by).slice(1),
    [
      "COPY x /bin/x",
      "COPY x /usr",
      "COPY x /tmp/sub/y",
      "COPY --chown=1000:1000 x /new/deep/x",
      "COPY --chown=1000:1000 x /usr/bin/owned",
      "COPY --chown=app x /srv/by-name",
      "COPY --chown=app:wheel x /srv/by-names",
      "WORKDIR /bin/work",
      "WORKDIR /var/lib/app",
    ],
  );
});

Deno.test("two checkouts give the same digest and an unchanged rebuild uploads no blob", async () => {
  const registry = await startRegistry();
  await using scratch = await tempDir();
  try {
    await pushBases(registry.host, scratch.path);
    const one = join(scratch.path, "one");
    const two = join(scratch.path, "elsewhere", "two");
    for (const ws of [one, two]) {
      await makeWorkspace(ws, registry.host);
      await webContainer(ws, registry.host);
    }
    // A different umask-like mode on disk must not change the layer (modes are git's view).
    await Deno.chmod(join(two, "containers/web/config/app.conf"), 0o664);
    const first = await iago(["build", "web", "--platform", "linux/amd64"], { cwd: one });
    assert.equal(first.code, 0, first.stderr);
    const second = await iago(["-C", two, "build", "web", "--platform", "linux/amd64"], {
      cwd: scratch.path,
    });
    assert.equal(second.code, 0, second.stderr);
    const digest = (s: string) => /@(sha256:[0-9a-f]{64})/.exec(s)?.[1];
    assert.equal(digest(second.stdout), digest(first.stdout));
    assert.match(second.stdout, /no blob uploaded, 8 already in the registry/);
  } finally {
    await registry.stop();
  }
});

Deno.test("--no-push writes an OCI archive that skopeo inspects and podman loads", async () => {
  await using bases = await registryWithBases();
  const { registry, scratch, ws } = bases;
  await webContainer(ws, registry.host);
  const r = await iago(
    ["build", "web", "--no-push", "--platform", "linux/amd64", "--tag", "v2"],
    {
      cwd: ws,
    },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^web: wrote output\/images\/web\.tar /);
  const archive = join(ws, "output/images/web.tar");
  const info = await skopeoJson(["inspect", `oci-archive:${archive}`]);
  assert.equal((info.Layers as string[]).length, 7);
  assert.equal((info.Labels as Record<string, string>).version, "1");
  const digest = /@(sha256:[0-9a-f]{64})/.exec(r.stdout)![1];
  assert.equal(info.Digest, digest);
  const podman = (args: string[]) => scratchPodman(join(scratch.path, "podman"), args);
  const loaded = await podman(["load", "-q", "-i", archive]);
  assert.match(loaded, new RegExp(`${registry.host}/team/web:v2`));
  const images = await podman(["images", "--format", "{{.Repository}}:{{.Tag}}"]);
  assert.match(images, new RegExp(`${registry.host}/team/web:v2`));
});

Deno.test("--platform with two platforms pushes an index built from the base's two images", async () => {
  await using bases = await registryWithBases();
  const { registry, ws } = bases;
  await writeTree(join(ws, "containers/multi"), {
    "Containerfile":
      `FROM ${registry.host}/base:multi\nARG TARGETARCH\nCOPY <<EOF /etc/built-for\n$TARGETARCH\nEOF\n`,
  });
  const r = await iago(["build", "multi", "--platform", "linux/amd64,linux/arm64"], { cwd: ws });
  assert.equal(r.code, 0, r.stderr);
  const ref = `docker://${registry.host}/team/multi:latest`;
  const index = await skopeoJson(["inspect", "--tls-verify=false", "--raw", ref]);
  assert.equal(index.mediaType, "application/vnd.oci.image.index.v1+json");
  const manifests = index.manifests as { platform: { architecture: string } }[];
  assert.deepEqual(manifests.map((m) => m.platform.architecture), ["amd64", "arm64"]);
  for (const arch of ["amd64", "arm64"]) {
    const config = await skopeoJson([
      "inspect",
      "--tls-verify=false",
      "--override-arch",
      arch,
      "--config",
      ref,
    ]);
    assert.equal(config.architecture, arch);
    assert.equal((config.rootfs as { diff_ids: string[] }).diff_ids.length, 2);
  }
  const bad = await iago(["build", "multi", "--platform", "linux/s390x"], { cwd: ws });
  assert.equal(bad.code, 1);
  assert.match(
    bad.stderr,
    /containers\/multi\/Containerfile:1: Base image ".*base:multi" has no linux\/s390x image\n.*it offers: linux\/amd64, linux\/arm64/,
  );
});

Deno.test("a base from another registry is copied blob to blob into the target registry", async () => {
  const source = await startRegistry();
  const target = await startRegistry();
  await using scratch = await tempDir();
  try {
    await pushBases(source.host, scratch.path);
    const ws = join(scratch.path, "ws");
    await makeWorkspace(ws, target.host);
    await writeTree(join(ws, "containers", "copy"), {
      Containerfile: `FROM ${source.host}/base:1\nLABEL copied=yes\n`,
    });
    const r = await iago(["build", "copy", "--platform", "linux/amd64"], { cwd: ws });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /2 blobs uploaded/);
    const ref = `docker://${target.host}/team/copy:latest`;
    const layout = join(scratch.path, "pulled");
    await run("skopeo", ["copy", "--quiet", "--src-tls-verify=false", ref, `oci:${layout}:x`]);
    await run("umoci", ["unpack", "--image", `${layout}:x`, join(scratch.path, "bundle")]);
    const rootfs = join(scratch.path, "bundle", "rootfs");
    assert.equal(await Deno.readTextFile(join(rootfs, "etc/os-release")), "ID=testbase\n");
  } finally {
    await source.stop();
    await target.stop();
  }
});

Deno.test("build pushes to a registry with htpasswd auth using --token, and fails clearly without it", async () => {
  const registry = await startRegistry({ htpasswd: { user: "builder", password: "tok-123456" } });
  await using scratch = await tempDir();
  try {
    const ws = scratch.path;
    await writeTree(ws, {
      "config/defaults.toml":
        `[container_registry]\nurl = "${registry.host}/team"\nusername = "builder"\n`,
      "containers/web/Containerfile": "FROM scratch\nCOPY motd /etc/motd\n",
      "containers/web/motd": "hi\n",
    });
    const denied = await iago(["build", "web"], { cwd: ws, env: { GITHUB_TOKEN: "" } });
    assert.equal(denied.code, 1);
    assert.match(denied.stderr, new RegExp(registry.host.replaceAll(".", "\\.")));
    const ok = await iago(["build", "web", "--token", "tok-123456"], { cwd: ws });
    assert.equal(ok.code, 0, ok.stderr);
    assert.ok(!(ok.stdout + ok.stderr + denied.stderr).includes("tok-123456"));
    await run("skopeo", [
      "inspect",
      "--tls-verify=false",
      "--creds",
      "builder:tok-123456",
      `docker://${registry.host}/team/web:latest`,
    ]);
  } finally {
    await registry.stop();
  }
});

Deno.test("machine.toml's container_image and container_tag decide where the image goes", async () => {
  const registry = await startRegistry();
  await using scratch = await tempDir();
  try {
    const ws = scratch.path;
    await makeWorkspace(ws, registry.host);
    await writeTree(ws, {
      "machines/web/machine.toml": [
        'name = "web"',
        'fqdn = "web.example.com"',
        `container_image = "${registry.host}/elsewhere/site"`,
        'container_tag = "stable"',
        "",
      ].join("\n"),
      "containers/web/Containerfile": "FROM scratch\nCOPY motd /etc/motd\n",
      "containers/web/motd": "hi\n",
    });
    const r = await iago(["build", "web"], { cwd: ws });
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      new RegExp(`pushed ${registry.host}/elsewhere/site@sha256:\\S+ tags stable;`),
    );
    const tags = await skopeoJson([
      "list-tags",
      "--tls-verify=false",
      `docker://${registry.host}/elsewhere/site`,
    ]);
    assert.deepEqual(tags.Tags, ["stable"], "only the machine's tag: latest is not the machine's");
  } finally {
    await registry.stop();
  }
});

Deno.test("--tag staging pushes only staging: latest keeps the image the machines run", async () => {
  const registry = await startRegistry();
  await using scratch = await tempDir();
  try {
    const ws = scratch.path;
    await makeWorkspace(ws, registry.host);
    await writeTree(ws, {
      "machines/web/machine.toml": 'name = "web"\nfqdn = "web.example.com"\n',
      "containers/web/Containerfile": "FROM scratch\nCOPY motd /etc/motd\n",
      "containers/web/motd": "v1\n",
    });
    const repo = `docker://${registry.host}/team/web`;
    const digestOf = async (tag: string) =>
      (await skopeoJson(["inspect", "--tls-verify=false", `${repo}:${tag}`])).Digest;
    const first = await iago(["build", "web"], { cwd: ws });
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, / tags latest;/);
    const released = await digestOf("latest");

    await Deno.writeTextFile(join(ws, "containers/web/motd"), "v2, untested\n");
    const staged = await iago(["build", "web", "--tag", "staging"], { cwd: ws });
    assert.equal(staged.code, 0, staged.stderr);
    assert.match(staged.stdout, / tags staging;/);
    assert.equal(await digestOf("latest"), released, "latest did not move");
    assert.notEqual(await digestOf("staging"), released);

    const both = await iago(["build", "web", "--tag", "staging", "--tag", "latest"], { cwd: ws });
    assert.equal(both.code, 0, both.stderr);
    assert.equal(await digestOf("latest"), await digestOf("staging"), "promoted on request");
  } finally {
    await registry.stop();
  }
});

Deno.test("on a terminal each blob gets a line with its size and state", async () => {
  const { main } = await import("../../src/cli/main.ts");
  const { memoryOutput } = await import("../../src/output.ts");
  const registry = await startRegistry();
  await using scratch = await tempDir();
  try {
    const ws = scratch.path;
    await makeWorkspace(ws, registry.host);
    await writeTree(ws, {
      "containers/web/Containerfile": "FROM scratch\nCOPY motd /etc/motd\n",
      "containers/web/motd": "hi\n",
    });
    const out = memoryOutput({ interactive: true });
    assert.equal(await main(["build", "web"], { out, cwd: ws, env: { NO_COLOR: "1" } }), 0);
    const blobLines = out.stderr.filter((l) => /^ {2}web [0-9a-f]{12} uploaded \d+ B/.test(l));
    assert.equal(blobLines.length, 2, out.stderr.join("\n"));
    const again = memoryOutput({ interactive: true });
    assert.equal(await main(["build", "web"], { out: again, cwd: ws, env: { NO_COLOR: "1" } }), 0);
    assert.equal(again.stderr.filter((l) => / exists /.test(l)).length, 2, again.stderr.join("\n"));
  } finally {
    await registry.stop();
  }
});
