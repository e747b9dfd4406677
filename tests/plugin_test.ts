import assert from "node:assert/strict";
import { join } from "node:path";
import { iago, tempDir } from "./helpers/cli.ts";
import { assertValidIgnition, fileData } from "./ignite/fixtures.ts";

const OFFLINE = { IAGO_GITHUB_URL: "http://127.0.0.1:9" };

async function workspaceWithMachine(dir: string): Promise<void> {
  const init = await iago(["init", "--machine-only", "--domain", "example.com", "web"], {
    cwd: dir,
    env: OFFLINE,
  });
  assert.equal(init.code, 0, init.stderr);
}

async function useWorkloads(dir: string, refs: string[]): Promise<void> {
  const file = join(dir, "machines/web/machine.toml");
  const text = (await Deno.readTextFile(file)).replace(/^workloads = .*$/m, "");
  await Deno.writeTextFile(file, `${text}\nworkloads = ${JSON.stringify(refs)}\n`);
}

Deno.test("plugin init writes a plugin, its test and the types module", async () => {
  await using dir = await tempDir();
  const r = await iago(["plugin", "init", "redis"], { cwd: dir.path });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.stdout.split("\n"), [
    "created workloads/iago-types.ts",
    "created workloads/redis.ts",
    "created workloads/redis_test.ts",
  ]);
  const plugin = await Deno.readTextFile(join(dir.path, "workloads/redis.ts"));
  assert.match(plugin, /^import type \{[^}]+\} from "\.\/iago-types\.ts";$/m);
  assert.ok(!/^import (?!type)/m.test(plugin), "the plugin imports types only");
});

Deno.test("the scaffolded plugin's own tests pass and it type-checks", async () => {
  await using dir = await tempDir();
  assert.equal((await iago(["plugin", "init", "cache"], { cwd: dir.path })).code, 0);
  const run = await new Deno.Command(Deno.execPath(), {
    args: ["test", "--quiet", "--no-lock", "workloads/cache_test.ts"],
    cwd: dir.path,
    env: { NO_COLOR: "1" },
  }).output();
  const text = new TextDecoder().decode(run.stdout) + new TextDecoder().decode(run.stderr);
  assert.equal(run.code, 0, text);
  assert.match(text, /4 passed/);
});

Deno.test("a machine using the scaffolded plugin ignites to a valid file with its env file and secret", async () => {
  await using dir = await tempDir();
  await workspaceWithMachine(dir.path);
  assert.equal((await iago(["plugin", "init", "cache"], { cwd: dir.path })).code, 0);
  await useWorkloads(dir.path, ["./workloads/cache.ts"]);
  const r = await iago(["ignite", "web"], { cwd: dir.path, env: OFFLINE });
  assert.equal(r.code, 0, r.stderr);
  const json = await Deno.readTextFile(join(dir.path, "output/ignition/web.ign"));
  await assertValidIgnition(json, "web with the cache plugin");
  const config = JSON.parse(json);
  const paths = config.storage.files.map((f: { path: string }) => f.path);
  assert.ok(paths.includes("/etc/iago/containers/cache.env"));
  assert.ok(paths.includes("/etc/iago/secrets/cache-password"));
  const units = config.systemd.units.map((u: { name: string }) => u.name);
  assert.ok(units.includes("cache-secret.service"));
  // The password goes to the container as a podman secret, and root only from localhost.
  const text = fileData(config, "/etc/iago/containers/cache.env") ?? "";
  assert.match(
    text,
    /^PODMAN_ARGS=--secret=cache-password,type=mount,target=\/run\/secrets\/cache-password /m,
  );
  assert.match(text, /--env=MARIADB_ROOT_HOST=localhost$/m);
  const secret = await Deno.readTextFile(join(dir.path, ".iago/secrets/web/cache-password"));
  assert.ok(!json.includes(`PASSWORD=${secret}`), "the value is not in the env file");
});

Deno.test("plugin init refuses built-in names, bad names and existing plugins, writing nothing", async () => {
  await using dir = await tempDir();
  for (
    const [name, message] of [
      ["postgres", 'Cannot create plugin "postgres": a built-in workload has that name'],
      ["../evil", 'Invalid plugin name "../evil"'],
      ["Bad_Name", 'Invalid plugin name "Bad_Name"'],
    ]
  ) {
    const r = await iago(["plugin", "init", name], { cwd: dir.path });
    assert.notEqual(r.code, 0);
    assert.ok(r.stderr.includes(message), r.stderr);
  }
  await assert.rejects(Deno.stat(join(dir.path, "workloads")));
  assert.equal((await iago(["plugin", "init", "cache"], { cwd: dir.path })).code, 0);
  const again = await iago(["plugin", "init", "cache"], { cwd: dir.path });
  assert.equal(again.code, 1);
  assert.ok(again.stderr.includes("workloads/cache.ts exists"), again.stderr);
});
