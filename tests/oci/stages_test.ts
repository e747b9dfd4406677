import assert from "node:assert/strict";
import { join } from "node:path";
import { iago, tempDir } from "../helpers/cli.ts";
import { startRegistry } from "../helpers/registry.ts";
import { makeWorkspace, pushBases, run, skopeoJson, writeTree } from "./fixtures.ts";

const STAGES = (host: string, port: number) =>
  `ARG BASE=${host}/base:1
FROM \${BASE} AS build
COPY app.conf /build/app.conf
COPY --from=${host}/base:1 /etc/os-release /build/os-release
FROM scratch AS unused
COPY never-there /x
FROM \${BASE}
SHELL ["/bin/bash", "-c"]
COPY --from=build /build/ /opt/
COPY --from=0 /bin/tool /usr/bin/tool-copy
ADD http://127.0.0.1:${port}/files/data.bin /opt/dl/
ENTRYPOINT /opt/start
HEALTHCHECK --interval=30s --retries=3 CMD curl -f http://localhost/
ONBUILD COPY . /app
`;

Deno.test("multi-stage builds copy from stages and images, download ADD URLs and keep HEALTHCHECK in Docker format", async () => {
  const registry = await startRegistry();
  await using scratch = await tempDir();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    (req) =>
      new URL(req.url).pathname === "/files/data.bin"
        ? new Response("downloaded\n")
        : new Response("no", { status: 404 }),
  );
  try {
    await pushBases(registry.host, scratch.path);
    const ws = join(scratch.path, "ws");
    await makeWorkspace(ws, registry.host);
    await writeTree(join(ws, "containers", "stages"), {
      Containerfile: STAGES(registry.host, server.addr.port),
      "app.conf": "conf\n",
    });
    const r = await iago(["build", "stages", "--platform", "linux/amd64"], { cwd: ws });
    assert.equal(r.code, 0, r.stderr);
    const ref = `docker://${registry.host}/team/stages:latest`;
    const raw = await skopeoJson(["inspect", "--tls-verify=false", "--raw", ref]);
    assert.equal(raw.mediaType, "application/vnd.docker.distribution.manifest.v2+json");
    assert.equal((raw.layers as unknown[]).length, 4);
    const config = await skopeoJson(["inspect", "--tls-verify=false", "--config", "--raw", ref]);
    const c = config.config as Record<string, unknown>;
    assert.deepEqual(c.Entrypoint, ["/bin/bash", "-c", "/opt/start"]);
    assert.equal(c.Cmd, null);
    assert.deepEqual(c.Healthcheck, {
      Test: ["CMD-SHELL", "curl -f http://localhost/"],
      Interval: 30_000_000_000,
      Retries: 3,
    });
    assert.deepEqual(c.OnBuild, ["COPY . /app"]);
    const layout = join(scratch.path, "pulled");
    await run("skopeo", ["copy", "--quiet", "--src-tls-verify=false", ref, `oci:${layout}:x`]);
    await run("umoci", ["unpack", "--image", `${layout}:x`, join(scratch.path, "bundle")]);
    const rootfs = join(scratch.path, "bundle", "rootfs");
    assert.equal(await Deno.readTextFile(join(rootfs, "opt/app.conf")), "conf\n");
    assert.equal(await Deno.readTextFile(join(rootfs, "opt/os-release")), "ID=testbase\n");
    assert.equal((await Deno.stat(join(rootfs, "usr/bin/tool-copy"))).mode! & 0o777, 0o755);
    const dl = await Deno.stat(join(rootfs, "opt/dl/data.bin"));
    assert.equal(dl.mode! & 0o777, 0o600);
    assert.equal(await Deno.readTextFile(join(rootfs, "opt/dl/data.bin")), "downloaded\n");

    // ONBUILD triggers of a base run first in the image built on it.
    await writeTree(join(ws, "containers", "child"), {
      Containerfile: `FROM ${registry.host}/team/stages:latest\nLABEL child=1\n`,
      "hello.txt": "hello\n",
    });
    const child = await iago(["build", "child", "--no-push", "--platform", "linux/amd64"], {
      cwd: ws,
    });
    assert.equal(child.code, 0, child.stderr);
    const childConfig = await skopeoJson([
      "inspect",
      "--config",
      "--raw",
      `oci-archive:${join(ws, "output/images/child.tar")}`,
    ]);
    const history = childConfig.history as { created_by: string }[];
    assert.deepEqual(history.slice(-2).map((h) => h.created_by), ["COPY . /app", "LABEL child=1"]);
    assert.equal((childConfig.config as Record<string, unknown>).OnBuild, null);
  } finally {
    await server.shutdown();
    await registry.stop();
  }
});
