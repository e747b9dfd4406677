import assert from "node:assert/strict";
import { join } from "node:path";
import { IagoError } from "../../src/errors.ts";
import type { ImageSource } from "../../src/oci/base.ts";
import { BlobStore } from "../../src/oci/blobs.ts";
import { buildImage } from "../../src/oci/builder.ts";
import { parseDuration } from "../../src/oci/healthcheck.ts";
import { parseContainerfile } from "../../src/oci/containerfile/parse.ts";
import { BuildContext } from "../../src/oci/context.ts";
import type { Image } from "../../src/oci/image.ts";
import { tempDir } from "../helpers/cli.ts";
import { run, writeTree } from "./fixtures.ts";

const noRegistry: ImageSource = {
  resolve: () => Promise.reject(new Error("no registry in this test")),
  blob: () => Promise.reject(new Error("no registry in this test")),
};

async function build(source: string, buildArgs?: Record<string, string>): Promise<Image> {
  await using dir = await tempDir();
  await writeTree(dir.path, { "a.txt": "a\n" });
  return await buildImage({
    containerfile: parseContainerfile(source, "Containerfile"),
    context: await BuildContext.open(dir.path),
    platform: { os: "linux", architecture: "amd64" },
    store: new BlobStore(join(dir.path, ".store")),
    images: noRegistry,
    scratchDir: dir.path,
    epoch: 1700000000,
    buildArgs,
  });
}

Deno.test("buildImage() applies each metadata instruction to the config as Docker does", async () => {
  const image = await build(`ARG VERSION=1.0
ARG UNUSED=x
FROM --platform=linux/arm64 scratch
ARG VERSION
ARG TARGETARCH
ENV GREETING hello world
ENV A=1 B="\${A}-two" C=\${UNUSED:-unset}
LABEL version=$VERSION arch=$TARGETARCH
WORKDIR /srv
WORKDIR app
USER 1000:1000
EXPOSE 80 443/tcp 53/UDP 7000-7010
VOLUME ["/data", "/cache"]
SHELL ["/bin/bash", "-eu", "-c"]
CMD echo $GREETING
ENTRYPOINT ["/init"]
STOPSIGNAL SIGRTMIN+3
HEALTHCHECK --interval=1m30s --timeout=500ms --start-period=2s --retries=5 CMD ["/health", "--quick"]
ONBUILD COPY . /app
MAINTAINER someone
`);
  const c = image.config;
  assert.deepEqual([c.architecture, c.os, c.created], ["arm64", "linux", "2023-11-14T22:13:20Z"]);
  assert.deepEqual(c.config, {
    // One ENV sees the values from before it (Docker), so B does not see A=1.
    Env: ["GREETING=hello world", "A=1", "B=-two", "C=unset"],
    // TARGETARCH is the build's target, not the stage's FROM --platform (BuildKit).
    Labels: { version: "1.0", arch: "amd64" },
    WorkingDir: "/srv/app",
    User: "1000:1000",
    ExposedPorts: { "80/tcp": {}, "443/tcp": {}, "53/udp": {}, "7000-7010/tcp": {} },
    Volumes: { "/data": {}, "/cache": {} },
    Shell: ["/bin/bash", "-eu", "-c"],
    Cmd: ["/bin/bash", "-eu", "-c", "echo $GREETING"],
    Entrypoint: ["/init"],
    StopSignal: "SIGRTMIN+3",
    Healthcheck: {
      Test: ["CMD", "/health", "--quick"],
      Interval: 90e9,
      Timeout: 500e6,
      StartPeriod: 2e9,
      Retries: 5,
    },
    OnBuild: ["COPY . /app"],
  });
  assert.equal(c.author, "someone");
  assert.equal(c.history!.length, 17);
  assert.ok(c.history!.every((h) => h.created === "2023-11-14T22:13:20Z"));
  // WORKDIR creates a missing directory (Docker, buildah): one layer each, nothing else does.
  assert.deepEqual(
    c.history!.filter((h) => !h.empty_layer).map((h) => h.created_by),
    ["WORKDIR /srv", "WORKDIR /srv/app"],
  );
  assert.equal(image.layers.length, 2);
});

Deno.test("buildImage() resets an inherited CMD when ENTRYPOINT is set, but not one set in the stage", async () => {
  const inherited = await build('FROM scratch AS base\nCMD ["x"]\nFROM base\nENTRYPOINT ["/e"]\n');
  assert.equal(inherited.config.config!.Cmd, null);
  const own = await build('FROM scratch\nCMD ["x"]\nENTRYPOINT ["/e"]\n');
  assert.deepEqual(own.config.config!.Cmd, ["x"]);
});

Deno.test("buildImage() leaves an earlier stage's labels, env, ports, volumes and triggers as they were when a later stage adds its own", async () => {
  const source = [
    "FROM scratch AS base",
    "LABEL a=1",
    "ENV A=1",
    "EXPOSE 80",
    "VOLUME /a",
    "ONBUILD LABEL from=trigger",
    "FROM base AS child",
    "LABEL b=2 a=changed",
    "ENV B=2",
    "EXPOSE 81",
    "VOLUME /b",
    "FROM base",
    "",
  ].join("\n");
  const last = (await build(source)).config.config!;
  assert.deepEqual(last.Labels, { a: "1", from: "trigger" });
  assert.deepEqual(last.Env, ["A=1"]);
  assert.deepEqual(last.ExposedPorts, { "80/tcp": {} });
  assert.deepEqual(last.Volumes, { "/a": {} });
  const child = (await build(source.replace(/FROM base\n$/, ""))).config.config!;
  assert.deepEqual(child.Labels, { a: "changed", from: "trigger", b: "2" });
  assert.deepEqual(child.Env, ["A=1", "B=2"]);
  assert.deepEqual(child.ExposedPorts, { "80/tcp": {}, "81/tcp": {} });
});

Deno.test("buildImage() takes --build-arg values over defaults, and global ARGs only in FROM unless redeclared", async () => {
  const image = await build(
    "ARG TAG=one\nARG OTHER=g\nFROM scratch\nARG TAG\nLABEL tag=$TAG other=${OTHER:-none}\n",
    { TAG: "two" },
  );
  assert.deepEqual(image.config.config!.Labels, { tag: "two", other: "none" });
});

Deno.test("buildImage() gives the same layer for the same COPY whatever the day", async () => {
  const a = await build("FROM scratch\nCOPY a.txt /a.txt\n");
  const b = await build("FROM scratch\nCOPY a.txt /a.txt\n");
  assert.equal(a.layers[0].digest, b.layers[0].digest);
  assert.equal(a.config.history!.at(-1)!.created_by, "COPY a.txt /a.txt");
});

Deno.test("buildImage() reports a bad ENV and a bad stop signal at their lines", async () => {
  for (
    const [source, line, pattern] of [
      ["FROM scratch\n\nENV =x\n", 3, /ENV needs KEY=VALUE pairs/],
      ["FROM scratch\nENV ONLYKEY\n", 2, /ENV ONLYKEY needs a value/],
      ["FROM scratch\nSTOPSIGNAL kill\n", 2, /Invalid stop signal "kill"/],
      ["FROM scratch\nHEALTHCHECK curl x\n", 2, /HEALTHCHECK needs CMD or NONE/],
      ["FROM scratch\nARG 1X=2\n", 2, /Invalid ARG name "1X"/],
    ] as const
  ) {
    await assert.rejects(() => build(source), (err: unknown) => {
      assert.ok(err instanceof IagoError);
      assert.deepEqual(err.at, { file: "Containerfile", line });
      assert.match(err.message, pattern);
      return true;
    });
  }
});

Deno.test("buildImage() expands a COPY heredoc as BuildKit does: escapes and single quotes protect, both stay", async () => {
  await using dir = await tempDir();
  const store = new BlobStore(join(dir.path, ".store"));
  const image = await buildImage({
    containerfile: parseContainerfile(
      [
        "FROM scratch",
        "ARG X=ex",
        "COPY <<EOF /a",
        "plain $X ${X}",
        "esc \\$X",
        "sq '$X'",
        `dq "$X \\$X it's"`,
        "don't $X",
        "EOF",
        "",
      ].join("\n"),
      "Containerfile",
    ),
    context: await BuildContext.open(dir.path),
    platform: { os: "linux", architecture: "amd64" },
    store,
    images: noRegistry,
    scratchDir: dir.path,
    epoch: 0,
  });
  const layer = store.path(image.layers[0].digest);
  assert.equal(
    await run("tar", ["-xzOf", layer, "a"]),
    `plain ex ex\nesc \\$X\nsq '$X'\ndq "ex \\$X it's"\ndon't ex\n`,
  );
});

Deno.test("parseDuration() reads Go durations in nanoseconds", () => {
  assert.equal(parseDuration("30s"), 30e9);
  assert.equal(parseDuration("1h2m"), 3720e9);
  assert.equal(parseDuration("1.5s"), 1.5e9);
  assert.equal(parseDuration("10"), undefined);
  assert.equal(parseDuration("soon"), undefined);
});

Deno.test("COPY . leaves out what .containerignore excludes and keeps its ! exceptions", async () => {
  await using dir = await tempDir();
  const ctx = join(dir.path, "ctx");
  await writeTree(ctx, {
    ".containerignore": "logs\n!logs/keep.txt\n**/*.tmp\n",
    "logs/keep.txt": "k",
    "logs/drop.txt": "d",
    "src/a.tmp": "t",
    "src/main.sh": { text: "#!/bin/sh\n", mode: 0o775 },
  });
  const store = new BlobStore(join(dir.path, "store"));
  const image = await buildImage({
    containerfile: parseContainerfile("FROM scratch\nCOPY . /x/\n", "Containerfile"),
    context: await BuildContext.open(ctx),
    platform: { os: "linux", architecture: "amd64" },
    store,
    images: noRegistry,
    scratchDir: dir.path,
    epoch: 0,
  });
  const out = await new Deno.Command("tar", {
    args: ["-tvzf", store.path(image.layers[0].digest)],
    stdout: "piped",
  }).output();
  const listing = new TextDecoder().decode(out.stdout).trim().split("\n");
  assert.deepEqual(listing.map((l) => l.split(/\s+/).at(-1)), [
    "x/",
    "x/.containerignore",
    "x/logs/",
    "x/logs/keep.txt",
    "x/src/",
    "x/src/main.sh",
  ]);
  assert.match(listing[5], /^-rwxr-xr-x 0\/0 /);
});
