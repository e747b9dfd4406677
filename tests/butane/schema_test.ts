/** The schema's key spelling (src/butane/base/schema.ts): Butane's snake_case to Ignition's. */
import assert from "node:assert/strict";
import { camelKey, snakeKey } from "../../src/butane/base/schema.ts";

Deno.test("butane schema: camelKey spells Ignition's key as butane's struct tags do", () => {
  const cases: [string, string][] = [
    ["path", "path"],
    ["ssh_authorized_keys", "sshAuthorizedKeys"],
    ["size_mib", "sizeMiB"],
    ["start_mib", "startMiB"],
    ["wipe_partition_entry", "wipePartitionEntry"],
    ["should_exist", "shouldExist"],
    // Only `_` before a lowercase letter or digit goes; `_mib` only at the end.
    ["a_1b", "a1b"],
    ["a__b", "a_B"],
    ["a_Bc", "a_Bc"],
    ["x_", "x_"],
    ["_mib", "MiB"],
    ["mib_size", "mibSize"],
    ["size_mib_x", "sizeMibX"],
  ];
  for (const [yaml, json] of cases) assert.equal(camelKey(yaml), json, yaml);
  for (const [yaml, json] of cases.slice(0, 6)) assert.equal(snakeKey(json), yaml, json);
});
