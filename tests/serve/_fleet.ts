/** The workspace the serve tests run against: machines web and db, both ignited. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { iago } from "../helpers/cli.ts";

/** No GitHub reachable: iago's key lookups fail fast instead of going out. */
export const ENV = { IAGO_GITHUB_URL: "http://127.0.0.1:9" };

const HASH =
  "$6$saltsalt$0mPDkZs0x0O8C6F0b6eGvL8v0pQ0bY2rY2eR2aB7lJ0Yy3vJ8y8m0f0Q7w1kS6n5f4d3c2b1a0z9y8x7w6v5u.";

/** Makes machines web and db in `dir` and ignites them; web gets `webMac` if given. */
export async function fleet(dir: string, webMac?: string): Promise<void> {
  await Deno.mkdir(join(dir, "config"), { recursive: true });
  await Deno.writeTextFile(
    join(dir, "config/defaults.toml"),
    `[user]\nusername = "core"\npassword_hash = "${HASH}"\n\n[admin]\npassword_hash = "${HASH}"\n`,
  );
  for (const name of ["web", "db"]) {
    const r = await iago(["init", "--machine-only", "--generate-mac=false", name], {
      cwd: dir,
      env: ENV,
    });
    assert.equal(r.code, 0, r.stderr);
  }
  if (webMac !== undefined) {
    const toml = join(dir, "machines/web/machine.toml");
    await Deno.writeTextFile(toml, `${await Deno.readTextFile(toml)}mac_address = "${webMac}"\n`);
  }
  const r = await iago(["ignite", "--all"], { cwd: dir, env: ENV });
  assert.equal(r.code, 0, r.stderr);
}
