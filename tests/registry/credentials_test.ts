import assert from "node:assert/strict";
import { IagoError } from "../../src/errors.ts";
import { RegistryClient, RegistryError, resolveCredentials } from "../../src/registry/mod.ts";
import { iago, tempDir } from "../helpers/cli.ts";
import { isRunning } from "../helpers/process.ts";
import { startRegistry } from "../helpers/registry.ts";
import { makeKeyPair } from "../sign/_keys.ts";
import { randomBlob, streamOf } from "./_images.ts";
import { startStandin } from "./_standins.ts";

const b64 = (s: string) => btoa(s);

/** A stub `op` that prints a token for one reference and counts its calls. */
async function stubOp(dir: string, token: string, reference: string): Promise<string> {
  const bin = `${dir}/bin`;
  await Deno.mkdir(bin, { recursive: true });
  await Deno.writeTextFile(
    `${bin}/op`,
    `#!/bin/sh
echo call >> "${dir}/op-calls"
[ -n "$OP_SERVICE_ACCOUNT_TOKEN" ] || { echo "[ERROR] no service account token" >&2; exit 1; }
[ "$1 $2 $3" = "read --no-newline ${reference}" ] || { echo "[ERROR] \\"$3\\" isn't an item" >&2; exit 1; }
printf '%s' '${token}'
`,
    { mode: 0o755 },
  );
  return bin;
}

Deno.test("resolveCredentials() takes --token, then GITHUB_TOKEN, then 1Password, then auth files", async () => {
  await using dir = await tempDir();
  const bin = await stubOp(dir.path, "op-token", "op://vault/item/field");
  const authFile = `${dir.path}/auth.json`;
  await Deno.writeTextFile(
    authFile,
    JSON.stringify({ auths: { "ghcr.io": { auth: b64("fileuser:file-token") } } }),
  );
  const env = {
    PATH: `${bin}:/usr/bin:/bin`,
    GITHUB_TOKEN: "env-token",
    OP_SERVICE_ACCOUNT_TOKEN: "ops_x",
    REGISTRY_AUTH_FILE: authFile,
  };
  const base = { username: "me", onepasswordReference: "op://vault/item/field" };
  const all = await resolveCredentials({ ...base, token: "flag-token", env }).get("ghcr.io");
  assert.deepEqual(all, { username: "me", password: "flag-token", source: "--token" });
  const noFlag = await resolveCredentials({ ...base, env }).get("ghcr.io");
  assert.deepEqual(noFlag, { username: "me", password: "env-token", source: "GITHUB_TOKEN" });
  const op = await resolveCredentials({ ...base, env: { ...env, GITHUB_TOKEN: undefined } })
    .get("ghcr.io");
  assert.deepEqual(op, {
    username: "me",
    password: "op-token",
    source: "1Password (op://vault/item/field)",
  });
  const file = await resolveCredentials({
    ...base,
    env: { ...env, GITHUB_TOKEN: undefined, OP_SERVICE_ACCOUNT_TOKEN: undefined },
  }).get("ghcr.io");
  assert.deepEqual(file, { username: "fileuser", password: "file-token", source: authFile });
});

Deno.test("1Password is asked once, and only when a registry wants credentials", async () => {
  await using dir = await tempDir();
  const bin = await stubOp(dir.path, "op-token", "op://github/personal-access-token/credential");
  const provider = resolveCredentials({
    env: { PATH: `${bin}:/usr/bin:/bin`, OP_SERVICE_ACCOUNT_TOKEN: "ops_x" },
  });
  assert.equal(await Deno.stat(`${dir.path}/op-calls`).catch(() => null), null);
  assert.equal((await provider.get("ghcr.io"))?.password, "op-token");
  assert.equal((await provider.get("ghcr.io"))?.password, "op-token");
  assert.equal((await Deno.readTextFile(`${dir.path}/op-calls`)).trim().split("\n").length, 1);
});

Deno.test("a failing op names the reference and op's reason, never the service account token", async () => {
  await using dir = await tempDir();
  const bin = await stubOp(dir.path, "op-token", "op://other/item/field");
  const provider = resolveCredentials({
    env: { PATH: `${bin}:/usr/bin:/bin`, OP_SERVICE_ACCOUNT_TOKEN: "ops_secret_value" },
    onepasswordReference: "op://github/pat/credential",
  });
  const err = await provider.get("ghcr.io").catch((e) => e);
  assert.ok(err instanceof IagoError);
  assert.match(
    err.message,
    /1Password \(op:\/\/github\/pat\/credential\): op exited with 1: \[ERROR\]/,
  );
  assert.doesNotMatch(err.format(), /ops_secret_value/);
});

Deno.test("token sources are not offered to other registries; auth files match by host", async () => {
  await using dir = await tempDir();
  await Deno.mkdir(`${dir.path}/home/.docker`, { recursive: true });
  await Deno.mkdir(`${dir.path}/home/.config/containers`, { recursive: true });
  await Deno.mkdir(`${dir.path}/run/containers`, { recursive: true });
  await Deno.writeTextFile(
    `${dir.path}/home/.docker/config.json`,
    JSON.stringify({
      auths: {
        "https://index.docker.io/v1/": { auth: b64("hubuser:hub-pass") },
        "quay.io": { auth: b64("q:from-docker") },
      },
    }),
  );
  await Deno.writeTextFile(
    `${dir.path}/home/.config/containers/auth.json`,
    JSON.stringify({ auths: { "quay.io/fedora": { auth: b64("q:from-config") } } }),
  );
  await Deno.writeTextFile(
    `${dir.path}/run/containers/auth.json`,
    JSON.stringify({ auths: { "reg.lan:5000": { auth: b64("r:from-runtime") } } }),
  );
  const provider = resolveCredentials({
    token: "flag-token",
    env: { HOME: `${dir.path}/home`, XDG_RUNTIME_DIR: `${dir.path}/run`, GITHUB_TOKEN: "gh" },
    tokenRegistries: ["127.0.0.1:5000"],
  });
  assert.deepEqual(await provider.get("registry-1.docker.io"), {
    username: "hubuser",
    password: "hub-pass",
    source: "~/.docker/config.json",
  });
  assert.equal((await provider.get("quay.io"))?.password, "from-config");
  assert.equal(
    (await provider.get("reg.lan:5000"))?.source,
    `${dir.path}/run/containers/auth.json`,
  );
  assert.equal((await provider.get("127.0.0.1:5000"))?.source, "--token");
  assert.equal((await provider.get("ghcr.io"))?.source, "--token");
  assert.equal(await provider.get("example.com"), undefined);
});

Deno.test("a broken auth file is named in the error", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(`${dir.path}/auth.json`, "{ not json");
  const err = await resolveCredentials({ env: { REGISTRY_AUTH_FILE: `${dir.path}/auth.json` } })
    .get("ghcr.io").catch((e) => e);
  assert.ok(err instanceof IagoError);
  assert.match(err.message, /auth\.json: not valid JSON/);
});

Deno.test("credentials from an auth file push to the htpasswd registry; a rejected file is named", async () => {
  const registry = await startRegistry({ htpasswd: { user: "ci", password: "pw-123" } });
  await using dir = await tempDir();
  try {
    const file = `${dir.path}/auth.json`;
    await Deno.writeTextFile(
      file,
      JSON.stringify({ auths: { [registry.host]: { auth: b64("ci:pw-123") } } }),
    );
    const client = new RegistryClient(registry.host, {
      insecure: true,
      credentials: resolveCredentials({ env: { REGISTRY_AUTH_FILE: file } }),
    });
    const blob = randomBlob(10);
    assert.equal(await client.pushBlob("a/b", blob, streamOf(blob.bytes)), "uploaded");

    await Deno.writeTextFile(
      file,
      JSON.stringify({ auths: { [registry.host]: { auth: b64("ci:bad-999") } } }),
    );
    const rejected = new RegistryClient(registry.host, {
      insecure: true,
      credentials: resolveCredentials({ env: { REGISTRY_AUTH_FILE: file } }),
    });
    const err = await rejected.hasBlob("a/b", blob.digest).catch((e) => e);
    assert.ok(err instanceof RegistryError);
    assert.ok(err.message.includes(`refused the credentials from ${file}`), err.message);
    assert.doesNotMatch(err.format(), /bad-999/);
  } finally {
    await registry.stop();
  }
});

Deno.test("OP_SERVICE_ACCOUNT_TOKEN without an op on PATH says how to get out", async () => {
  await using dir = await tempDir();
  const err = await resolveCredentials({
    env: { PATH: dir.path, OP_SERVICE_ACCOUNT_TOKEN: "ops_x" },
  }).get("ghcr.io").catch((e) => e);
  assert.ok(err instanceof IagoError);
  assert.match(err.message, /the 1Password CLI `op` is not installed/);
  assert.match(err.hint!, /--token or GITHUB_TOKEN/);
});

Deno.test("build, sign and verify never show a token, Basic header or Bearer token, IAGO_DEBUG on, whether it works or fails", async () => {
  const secret = "ghp_L3AK_check_value_777";
  const opSecret = "ops_service_account_secret_55";
  const registry = await startRegistry();
  const standin = startStandin({
    upstream: registry.host,
    bearer: { user: "ci", password: secret },
  });
  await using dir = await tempDir();
  try {
    const ws = dir.path;
    await Deno.mkdir(`${ws}/config`, { recursive: true });
    await Deno.writeTextFile(
      `${ws}/config/defaults.toml`,
      `[container_registry]\nurl = "${standin.host}/team"\nusername = "ci"\n`,
    );
    await Deno.mkdir(`${ws}/containers/web`, { recursive: true });
    await Deno.writeTextFile(`${ws}/containers/web/Containerfile`, "FROM scratch\nCOPY a /a\n");
    await Deno.writeTextFile(`${ws}/containers/web/a`, "a\n");
    const keys = await makeKeyPair(ws, "cosign");
    const bin = await stubOp(ws, secret, "op://github/personal-access-token/credential");
    const env = {
      IAGO_DEBUG: "1",
      GITHUB_TOKEN: undefined,
      OP_SERVICE_ACCOUNT_TOKEN: undefined,
      REGISTRY_AUTH_FILE: `${ws}/none.json`,
      HOME: ws,
      XDG_RUNTIME_DIR: undefined,
    };
    const runs = [
      await iago(["build", "web", "--token", secret, "--sign", "--key", keys.key], {
        cwd: ws,
        env,
      }),
      await iago(["verify", "web", "--key", keys.pub], {
        cwd: ws,
        env: { ...env, OP_SERVICE_ACCOUNT_TOKEN: opSecret, PATH: `${bin}:${Deno.env.get("PATH")}` },
      }),
      await iago(["build", "web"], { cwd: ws, env: { ...env, GITHUB_TOKEN: `${secret}-wrong` } }),
      await iago(["build", "web"], { cwd: ws, env }),
    ];
    standin.faults.push({ method: "PUT", path: "/manifests/", action: 400, times: 5 });
    runs.push(await iago(["build", "web", "--token", secret], { cwd: ws, env }));
    assert.deepEqual(
      runs.map((r) => r.code),
      [0, 0, 1, 1, 1],
      runs.map((r) => r.stderr).join("\n"),
    );
    assert.match(runs[2].stderr, /refused the credentials from GITHUB_TOKEN/);
    assert.match(runs[3].stderr, /asks for credentials and none were found/);
    assert.match(runs[4].stderr, /Cannot push manifest .*: 400/);
    assert.ok(runs.every((r) => / -> \d{3}/.test(r.stderr)), "IAGO_DEBUG request lines are shown");
    for (const r of runs) {
      const all = r.stdout + r.stderr;
      const values = [secret, opSecret, btoa(`ci:${secret}`), btoa(`ci:${secret}-wrong`)];
      for (const value of [...values, ...standin.issuedTokens]) {
        assert.ok(!all.includes(value), `"${value}" leaked:\n${all}`);
      }
    }
    assert.ok(standin.issuedTokens.length > 0);
  } finally {
    await standin.stop();
    await registry.stop();
  }
});

Deno.test("an op whose child keeps its output open is killed with that child at the time limit", async () => {
  await using dir = await tempDir();
  const bin = `${dir.path}/bin`;
  await Deno.mkdir(bin);
  // A wrapper that leaves a child holding stdout, as `op` behind a shell script can. The child
  // would hold it for 10 minutes: only a kill ends it within the bound below.
  await Deno.writeTextFile(
    `${bin}/op`,
    `#!/bin/sh\nsleep 600 &\necho $! > "${dir.path}/grandchild"\nwait\n`,
    { mode: 0o755 },
  );
  const provider = resolveCredentials({
    env: { PATH: `${bin}:/usr/bin:/bin`, OP_SERVICE_ACCOUNT_TOKEN: "ops_x" },
    // Long enough for the wrapper to start its child however loaded the machine is.
    onepasswordTimeoutMs: 3000,
  });
  const t0 = performance.now();
  const err = await provider.get("ghcr.io").catch((e) => e);
  const ms = performance.now() - t0;
  assert.ok(err instanceof IagoError);
  assert.match(err.message, /op did not answer within 3 s/);
  assert.ok(ms < 120_000, `waited ${Math.round(ms)} ms for the child holding the output`);
  // Its output closed as the kill took it, but it becomes a zombie only at the end of its exit,
  // which a loaded machine can delay: wait for that (a live `sleep 600` never gets there).
  const grandchild = Number(await Deno.readTextFile(`${dir.path}/grandchild`));
  const deadline = performance.now() + 60_000;
  while (isRunning(grandchild) && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.ok(!isRunning(grandchild), "the grandchild was killed too");
});
