/**
 * The quick config readers (src/config/quick.ts), which `iago list` uses instead of the schema,
 * must accept exactly the settings the schema accepts (load.ts), with the same values, and
 * know every key it knows: anything else would make list show a fleet `iago validate` refuses,
 * or fall back to the slow way for a valid one.
 */
import assert from "node:assert/strict";
import { checkDefaults, checkMachine, DEFAULT_DEFAULTS_TOML } from "../src/config/mod.ts";
import { DEFAULTS_KEYS, MACHINE_KEYS, quickDefaults, quickMachine } from "../src/config/quick.ts";
import { DefaultsFileSchema, MachineFileSchema } from "../src/config/schema.ts";

/** Values of every kind a setting may be given, valid for some keys and not for others. */
const VALUES = [
  '""',
  '"core"',
  '"Core"',
  '"9lives"',
  '"octocat"',
  '"-bad-"',
  '"$6$salt$hash"',
  '"plain"',
  '"UTC"',
  '"Europe/Berlin"',
  '"Mars/Base"',
  '"eth0"',
  '"a/b"',
  '"stable"',
  '"next"',
  '"Stable"',
  '"immediate"',
  '"weekends"',
  '"03:00"',
  '"3:00"',
  '"24:00"',
  '"02:00:00"',
  '"02:00:60"',
  '"ghcr.io/user"',
  '"ghcr.io/user//"',
  '"https://ghcr.io/user"',
  '"localhost:5000"',
  '"LOCALHOST"',
  '"home.arpa"',
  '"web.example.com"',
  '"web.example.com."',
  '"web"',
  '"-web.example.com"',
  '"02:05:56"',
  '"03:05:56"',
  '"02:05:56:3a:91:0c"',
  '"02:05:56:3A:91:0C"',
  '"quay.io/fedora/fedora-bootc:42"',
  '" space"',
  '"op://vault/item/field"',
  '"op://vault/item"',
  '"cosign.pub"',
  '"./keys/fleet.pub"',
  '"../outside.pub"',
  '"/etc/key.pub"',
  '"gzip"',
  '"zstd"',
  '"v1.2.3"',
  '".hidden"',
  '"./workloads/redis.ts"',
  '"postgres"',
  "0",
  "1",
  "30",
  "1440",
  "1441",
  "999999999999999",
  "true",
  "false",
  "[]",
  '["sudo", "wheel"]',
  '["Sudo"]',
  '["localhost:5000", "127.0.0.1:5000"]',
  '["http://x"]',
  '["postgres", "./workloads/redis.ts"]',
  '["postgres", "postgres"]',
  '["../x.ts"]',
];

Deno.test("quickDefaults() accepts each setting exactly when the schema does, with the same registry", () => {
  let accepted = 0;
  for (const [section, keys] of Object.entries(DEFAULTS_KEYS)) {
    for (const key of [...Object.keys(keys), "no_such_key"]) {
      for (const value of VALUES) {
        const text = `[${section}]\n${key} = ${value}\n`;
        const quick = quickDefaults(text);
        const full = checkDefaults(text, "config/defaults.toml");
        assert.equal(quick !== undefined, full.ok, text);
        if (quick === undefined || !full.ok) continue;
        accepted++;
        assert.equal(quick.registryUrl, full.value.containerRegistry.url, text);
      }
    }
  }
  assert.ok(accepted > 100, `only ${accepted} settings were valid`);
});

Deno.test("quickDefaults() reads the embedded defaults, an empty file and settings that need each other", () => {
  assert.deepEqual(quickDefaults(undefined), { registryUrl: "ghcr.io/your-github-username" });
  assert.deepEqual(quickDefaults(DEFAULT_DEFAULTS_TOML), quickDefaults(undefined));
  // The embedded file as written is taken unchecked: checked (another text), it passes.
  assert.deepEqual(quickDefaults(`${DEFAULT_DEFAULTS_TOML}# edited\n`), quickDefaults(undefined));
  assert.deepEqual(quickDefaults(""), quickDefaults(undefined));
  assert.deepEqual(quickDefaults('[container_registry]\nurl = "registry.lan:5000/fleet/"'), {
    registryUrl: "registry.lan:5000/fleet",
  });
  const pull = '[container_registry]\npull_auth = true\npull_username = "reader"';
  assert.ok(quickDefaults(pull) && checkDefaults(pull, "d").ok);
  const signed = '[signing]\nrequired = true\npublic_key = "cosign.pub"';
  assert.ok(quickDefaults(signed) && checkDefaults(signed, "d").ok);
  // Valid TOML beyond the plain subset is the full reader's.
  assert.equal(quickDefaults('[container_registry]\nurl = "ghcr.io/\\u0075ser"'), undefined);
  assert.equal(quickDefaults("user = 1"), undefined);
});

Deno.test("quickMachine() accepts each setting exactly when the schema does, with the same values", () => {
  const defaults = checkDefaults("", "(built-in defaults)");
  assert.ok(defaults.ok);
  const base = { name: '"web"', fqdn: '"web.example.com"' };
  let accepted = 0;
  for (const key of [...Object.keys(MACHINE_KEYS), "no_such_key"]) {
    for (const value of VALUES) {
      const text = Object.entries({ ...base, [key]: value }).map(([k, v]) => `${k} = ${v}\n`)
        .join("");
      const quick = quickMachine(text, "web", {
        registryUrl: defaults.value.containerRegistry.url,
      });
      const full = checkMachine(text, "machines/web/machine.toml", "web", defaults.value);
      assert.equal(quick !== undefined, full.ok, text);
      if (quick === undefined || !full.ok) continue;
      accepted++;
      const m = full.value;
      const expected = {
        fqdn: m.fqdn,
        image: `${m.containerImage}:${m.containerTag}`,
        workloads: m.workloads,
        ...m.macAddress && { macAddress: m.macAddress },
      };
      assert.deepEqual({ ...quick }, expected, text);
    }
  }
  assert.ok(accepted > 20, `only ${accepted} settings were valid`);
  assert.equal(quickMachine('fqdn = "web.example.com"', "web", { registryUrl: "r" }), undefined);
  assert.equal(quickMachine('name = "web"', "web", { registryUrl: "r" }), undefined);
});

Deno.test("the quick readers know every section and key of the schema", () => {
  // deno-lint-ignore no-explicit-any
  const shape = (schema: any): Record<string, unknown> => {
    while (!schema.shape && schema.def?.innerType) schema = schema.def.innerType;
    return schema.shape;
  };
  const sections = shape(DefaultsFileSchema);
  assert.deepEqual(Object.keys(DEFAULTS_KEYS).sort(), Object.keys(sections).sort());
  for (const [name, keys] of Object.entries(DEFAULTS_KEYS)) {
    assert.deepEqual(Object.keys(keys).sort(), Object.keys(shape(sections[name])).sort(), name);
  }
  assert.deepEqual(Object.keys(MACHINE_KEYS).sort(), Object.keys(shape(MachineFileSchema)).sort());
});
