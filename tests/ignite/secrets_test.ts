import assert from "node:assert/strict";
import { join } from "node:path";
import { generateSecret, SecretStore } from "../../src/secrets/store.ts";
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
  const store = new SecretStore(root);
  const pw = await store.secret("postgres-password", 32);
  const account = await store.accountPassword("core");
  assert.equal(account.hash, sha512Crypt(account.password, account.hash.split("$")[2]));
  await assert.rejects(Deno.stat(root));
  assert.ok(store.dirty);
  await store.commit();
  assert.equal(await Deno.readTextFile(join(root, "postgres-password")), pw + "\n");
  assert.equal(await mode(join(root, "postgres-password")), 0o600);
  assert.equal(await mode(join(root, "accounts", "core.hash")), 0o600);
  assert.equal(await mode(root), 0o700);
  assert.equal(await mode(join(root, "accounts")), 0o700);

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

Deno.test("SecretStore.commit() returns how to put the previous values back, and does so itself when it fails", async () => {
  await using dir = await tempDir();
  const root = join(dir.path, "db");
  const first = new SecretStore(root);
  const pw = await first.secret("postgres-password");
  await first.commit();

  const rotated = new SecretStore(root, { rotate: true });
  await rotated.secret("postgres-password");
  await rotated.secret("redis-password");
  const restore = await rotated.commit();
  await restore();
  assert.equal(await Deno.readTextFile(join(root, "postgres-password")), pw + "\n");
  await assert.rejects(Deno.stat(join(root, "redis-password")));

  await Deno.writeTextFile(join(root, "in-the-way"), "a file, not a directory\n");
  const failing = new SecretStore(root, { rotate: true });
  await failing.secret("postgres-password");
  await failing.secret("in-the-way/x");
  await assert.rejects(failing.commit());
  assert.equal(await Deno.readTextFile(join(root, "postgres-password")), pw + "\n");
});

Deno.test("SecretStore keeps a stored secret when a workload asks for another length", async () => {
  await using dir = await tempDir();
  const root = join(dir.path, "db");
  const first = new SecretStore(root);
  const pw = await first.secret("postgres-password", 32);
  await first.commit();
  // .iago/ holds the only copy of the password the machine runs with: never replace it unasked.
  const longer = new SecretStore(root);
  assert.equal(await longer.secret("postgres-password", 48), pw);
  assert.ok(!longer.dirty);
});
