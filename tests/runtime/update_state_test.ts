/**
 * The update state file is a contract with `iago status`: what bootc-update.sh writes (run here
 * with the stub podman and systemctl) is what parseUpdateState() reads.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseUpdateState, updateStatePath } from "../../src/runtime/mod.ts";
import { tempDir } from "../helpers/cli.ts";

const HERE = fileURLToPath(new URL(".", import.meta.url));
const UPDATE = join(HERE, "..", "..", "src", "runtime", "bootc-update.sh");
const OLD = `sha256:${"1".repeat(64)}`;
const NEW = `sha256:${"2".repeat(64)}`;
const key = (ref: string) => ref.replace(/[/:@]/g, (c) => ({ "/": "%", ":": "+", "@": "=" })[c]!);

/** Runs bootc-update.sh once on container `web` going from OLD to NEW; health `healthy`. */
async function updateOnce(dir: string, healthy: boolean): Promise<number> {
  const state = join(dir, "stub");
  for (const d of ["local", "remote", "container"]) {
    await Deno.mkdir(join(state, d), { recursive: true });
  }
  await Deno.mkdir(join(dir, "containers"), { recursive: true });
  await Deno.writeTextFile(
    join(dir, "containers", "web.env"),
    "CONTAINER_IMAGE=registry.local:5000/web:latest\nCONTAINER_NAME=bootc-web\nHEALTH_CMD=/h.sh\n",
  );
  await Deno.writeTextFile(join(state, "container", "bootc-web"), `${OLD}\n`);
  await Deno.writeTextFile(
    join(state, "remote", key("registry.local:5000/web:latest")),
    `${NEW}\n`,
  );
  await Deno.writeTextFile(join(state, "health"), healthy ? "0\n" : "1\n");
  await Deno.writeTextFile(join(state, "commands"), "");
  const out = await new Deno.Command(UPDATE, {
    env: {
      PATH: `${join(HERE, "stubs")}:${Deno.env.get("PATH")}`,
      STUB_STATE: state,
      IAGO_CONTAINERS_DIR: join(dir, "containers"),
      BOOTC_UPDATE_STATE_DIR: join(dir, "results"),
      BOOTC_UPDATE_LOCK: join(dir, "lock"),
    },
    stdout: "null",
    stderr: "null",
  }).output();
  return out.code;
}

const digest = (id: string) => `sha256:d${id.slice(7, 70)}`;

Deno.test("parseUpdateState() reads what bootc-update.sh writes after an update", async () => {
  await using dir = await tempDir();
  assert.equal(await updateOnce(dir.path, true), 0);
  const s = parseUpdateState(await Deno.readTextFile(join(dir.path, "results", "web.state")));
  assert.equal(s.format, 1);
  assert.equal(s.container, "web");
  assert.equal(s.image, "registry.local:5000/web:latest");
  assert.equal(s.currentId, NEW);
  assert.equal(s.currentDigest, digest(NEW));
  assert.equal(s.previousDigest, digest(OLD));
  assert.equal(s.lastUpdateResult, "updated");
  assert.match(s.lastUpdateTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.deepEqual(s.badDigests, []);
  assert.equal(s.pendingDigest, "");
});

Deno.test("parseUpdateState() reads a rollback: reason with blanks, the bad digest", async () => {
  await using dir = await tempDir();
  assert.equal(await updateOnce(dir.path, false), 1);
  const s = parseUpdateState(await Deno.readTextFile(join(dir.path, "results", "web.state")));
  assert.equal(s.lastUpdateResult, "rolled-back");
  assert.equal(s.currentId, OLD);
  assert.deepEqual(s.badDigests, [digest(NEW)]);
  assert.equal(
    s.lastRollbackReason,
    `health check of bootc-web failed 30s after the restart (${digest(NEW)})`,
  );
  assert.equal(s.lastUpdateDetail, "health check of bootc-web failed 30s after the restart");
});

Deno.test("parseUpdateState() skips unknown keys and junk, and leaves missing keys empty", () => {
  const s = parseUpdateState(
    "# comment\nSTATE_FORMAT=1\nFUTURE_KEY=x\nnot a line\nBAD_DIGESTS='sha256:a sha256:b'\r\n",
  );
  assert.equal(s.format, 1);
  assert.deepEqual(s.badDigests, ["sha256:a", "sha256:b"]);
  assert.equal(s.currentDigest, "");
  assert.equal(s.lastUpdateResult, "");
});

Deno.test("updateStatePath() is where bootc-update.sh keeps the state on the machine", () => {
  assert.equal(updateStatePath("web"), "/var/lib/iago/bootc-update/web.state");
});
