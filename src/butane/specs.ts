/** Every variant and spec version butane v0.23 translates (its `config.go` registry). */
import type { FcosSpec } from "./fcos/spec.ts";
import type { VariantSpec } from "./base/variant_spec.ts";
import { FCOS_SPECS } from "./fcos/specs.ts";
import { FLATCAR_SPECS } from "./flatcar/specs.ts";
import { R4E_SPECS } from "./r4e/specs.ts";
import { FIOT_SPECS } from "./fiot/specs.ts";
import type { OpenshiftSpec } from "./openshift/spec.ts";
import { OPENSHIFT_SPECS } from "./openshift/specs.ts";

export type ButaneSpec = FcosSpec | VariantSpec | OpenshiftSpec;

const VARIANTS: ReadonlyMap<string, ReadonlyMap<string, ButaneSpec>> = new Map<
  string,
  ReadonlyMap<string, ButaneSpec>
>([
  ["fcos", FCOS_SPECS],
  ["flatcar", FLATCAR_SPECS],
  ["openshift", OPENSHIFT_SPECS],
  ["r4e", R4E_SPECS],
  ["fiot", FIOT_SPECS],
]);

/** The spec for `variant` and `version`, or undefined when butane has no translator for it. */
export function findSpec(variant: string, version: string): ButaneSpec | undefined {
  return VARIANTS.get(variant)?.get(version);
}
