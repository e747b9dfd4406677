/**
 * The spec registry (src/butane/specs.ts): each version is registered under the version its spec
 * says, since specs are built only when first asked for and the registry's keys are written
 * beside them, not read from them.
 */
import assert from "node:assert/strict";
import { findSpec, VARIANTS } from "../../src/butane/specs.ts";

Deno.test("butane specs: each registered version builds the spec of that variant and version", () => {
  let count = 0;
  for (const [variant, versions] of VARIANTS) {
    for (const version of versions.keys()) {
      const spec = findSpec(variant, version);
      assert.equal(spec?.version, version, `${variant} ${version}`);
      assert.equal("variant" in spec!, variant === "openshift", `${variant} ${version}`);
      assert.equal("fcosSugar" in spec!, variant !== "fcos" && variant !== "openshift");
      count++;
    }
  }
  // butane v0.23: fcos 1.0-1.7, flatcar 1.0-1.2, openshift 4.8-4.19, r4e 1.0-1.2, fiot 1.0-1.1.
  assert.equal(count, 8 + 3 + 12 + 3 + 2);
});

Deno.test("butane specs: a spec is built once and kept; an unknown version has none", () => {
  assert.equal(findSpec("fcos", "1.5.0"), findSpec("fcos", "1.5.0"));
  assert.equal(findSpec("fcos", "1.8.0"), undefined);
  assert.equal(findSpec("rhcos", "0.1.0"), undefined);
});
