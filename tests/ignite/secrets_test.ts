import assert from "node:assert/strict";
import { join } from "node:path";
import { IagoError } from "../../src/errors.ts";
import {
  finishInterruptedCommit,
  generateSecret,
  PENDING_FILE,
  SecretStore,
} from "../../src/secrets/store.ts";
import { sha512Crypt } from "../../src/secrets/crypt.ts";
import { tempDir } from "../helpers/cli.ts";

const mode = async (p: string) => (await Deno.stat(p)).mode! & 0o777;

Deno.test("generateSecret() gives letters and digits of the asked length, different each time", () => {
  const a = generateSecret(40);
  assert.match(a, /^[A-Za-z0-9]{40}$/);
  assert.notEqual(a, generateSecret(40));
  const counts = new Map<string, number>();
  for (const c of generateSecret(62 * 200)) counts.set(c, (counts.get(c) ?? 0) + 1);
  assert.equal(counts.size, 62);
});

Deno.test("SecretStore keeps nothing until commit(), then files 0600 in directories 0700", async () => {
  await using dir = await tempDir();
  const root = join(dir.path, "secrets", "db");
  const ign = join(dir.path, "db.ign");
  const store = new SecretStore(root);
  const pw = await store.secret("postgres-password", 32);
  const account = await store.accountPassword("core");
  assert.equal(account.hash, sha512Crypt(account.password, account.hash.split("$")[2]));
  await assert.rejects(Deno.stat(root));
  assert.ok(store.dirty);
  await store.commit(ign, "{}");
  assert.equal(await Deno.readTextFile(ign), "{}");
  assert.equal(await mode(ign), 0o600);
  assert.equal(await Deno.readTextFile(join(root, "postgres-password")), pw + "\n");
  assert.equal(await mode(join(root, "postgres-password")), 0o600);
  assert.equal(await mode(join(root, "accounts", "core.hash")), 0o600);
  assert.equal(await mode(root), 0o700);
  assert.equal(await mode(join(root, "accounts")), 0o700);
  await assert.rejects(Deno.stat(join(root, PENDING_FILE)));

  const again = new SecretStore(root);
  assert.equal(await again.secret("postgres-password", 32), pw);
  assert.deepEqual(await again.accountPassword("core"), account);
  assert.ok(!again.dirty);

  const rotated = new SecretStore(root, { rotate: true });
  const pw2 = await rotated.secret("postgres-password", 32);
  const account2 = await rotated.accountPassword("core");
  assert.notEqual(pw2, pw);
  assert.notEqual(account2.password, account.password);
  assert.equal(account2.hash, sha512Crypt(account2.password, account2.hash.split("$")[2]));
  assert.equal(await rotated.secret("postgres-password", 32), pw2, "one value per run");
});

Deno.test("SecretStore.commit() keeps the old values when the Ignition file cannot be written", async () => {
  await using dir = await tempDir();
  const root = join(dir.path, "db");
  const first = new SecretStore(root);
  const pw = await first.secret("postgres-password");
  await first.commit(join(dir.path, "db.ign"), "{}");

  const rotated = new SecretStore(root, { rotate: true });
  await rotated.secret("postgres-password");
  await rotated.secret("redis-password");
  // A directory where the file belongs: the rename fails, as on a full or read-only disk.
  await assert.rejects(rotated.commit(dir.path, '{"new":1}'));
  assert.equal(await Deno.readTextFile(join(root, "postgres-password")), pw + "\n");
  await assert.rejects(Deno.stat(join(root, "redis-password")));
  await assert.rejects(Deno.stat(join(root, PENDING_FILE)));
  assert.equal(await finishInterruptedCommit(root), "none");
});

Deno.test("SecretStore.commit() interrupted after the Ignition file is finished by the next run", async () => {
  await using dir = await tempDir();
  const root = join(dir.path, "db");
  const ign = join(dir.path, "db.ign");
  const first = new SecretStore(root);
  await first.secret("postgres-password");
  await first.commit(ign, "{}");

  // Stored after the Ignition file, a value that cannot be written leaves the run half-done.
  await Deno.writeTextFile(join(root, "in-the-way"), "a file, not a directory\n");
  const rotated = new SecretStore(root, { rotate: true });
  const pw2 = await rotated.secret("postgres-password");
  const x = await rotated.secret("in-the-way/x");
  const err = await rotated.commit(ign, '{"new":1}').then(() => undefined, (e) => e);
  assert.ok(err instanceof IagoError, String(err));
  assert.match(err.message, /db\.ign was written, but its new secrets could not be stored/);
  assert.match(err.hint!, /kept in .*\.pending; the next iago ignite stores them/);
  assert.ok(!err.message.includes(pw2) && !err.hint!.includes(pw2));
  assert.equal(await Deno.readTextFile(ign), '{"new":1}');
  assert.equal(await mode(join(root, PENDING_FILE)), 0o600);

  await Deno.remove(join(root, "in-the-way"));
  assert.equal(await finishInterruptedCommit(root), "stored");
  assert.equal(await Deno.readTextFile(join(root, "postgres-password")), pw2 + "\n");
  assert.equal(await Deno.readTextFile(join(root, "in-the-way", "x")), x + "\n");
  assert.equal(await finishInterruptedCommit(root), "none");
});

Deno.test("finishInterruptedCommit() drops a generation whose Ignition file never got into place", async () => {
  await using dir = await tempDir();
  const root = join(dir.path, "db");
  const ign = join(dir.path, "db.ign");
  const first = new SecretStore(root);
  const pw = await first.secret("postgres-password");
  await first.commit(ign, "{}");
  await Deno.writeTextFile(join(root, "in-the-way"), "a file, not a directory\n");
  const rotated = new SecretStore(root, { rotate: true });
  await rotated.secret("postgres-password");
  await rotated.secret("in-the-way/x");
  await assert.rejects(rotated.commit(ign, '{"new":1}'));
  // As a kill before the rename of the Ignition file leaves it: the new generation pending,
  // the old Ignition file and the old values in place.
  await Deno.writeTextFile(ign, "{}");
  await Deno.writeTextFile(join(root, "postgres-password"), pw + "\n");
  assert.equal(await finishInterruptedCommit(root), "dropped");
  assert.equal(await Deno.readTextFile(join(root, "postgres-password")), pw + "\n");
  await assert.rejects(Deno.stat(join(root, PENDING_FILE)));
});

Deno.test("SecretStore refuses a secret named accounts, which holds the account passwords", async () => {
  await using dir = await tempDir();
  const store = new SecretStore(join(dir.path, "db"));
  await assert.rejects(store.secret("accounts"), (err: unknown) => {
    assert.ok(err instanceof IagoError);
    assert.match(err.message, /Cannot use the secret name "accounts": .*accounts\/ holds the/);
    assert.match(err.hint!, /another name/);
    return true;
  });
});

Deno.test("SecretStore keeps a stored secret when a workload asks for another length", async () => {
  await using dir = await tempDir();
  const root = join(dir.path, "db");
  const first = new SecretStore(root);
  const pw = await first.secret("postgres-password", 32);
  await first.commit(join(dir.path, "db.ign"), "{}");
  // .iago/ holds the only copy of the password the machine runs with: never replace it unasked.
  const longer = new SecretStore(root);
  assert.equal(await longer.secret("postgres-password", 48), pw);
  assert.ok(!longer.dirty);
});
