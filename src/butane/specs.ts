/**
 * Every variant and spec version butane v0.23 translates (its `config.go` registry). A spec is
 * built when first asked for, not when the translator is loaded: `iago butane` translates one
 * version, and building all 28 (their schemas filtered from the full one) was most of the
 * translator's work at import.
 */
import type { FcosSpec } from "./fcos/spec.ts";
import type { VariantSpec } from "./base/variant_spec.ts";
import { FCOS_SPECS } from "./fcos/specs.ts";
import { FLATCAR_SPECS } from "./flatcar/specs.ts";
import { R4E_SPECS } from "./r4e/specs.ts";
import { FIOT_SPECS } from "./fiot/specs.ts";
import type { OpenshiftSpec } from "./openshift/spec.ts";
import { OPENSHIFT_SPECS } from "./openshift/specs.ts";

export type ButaneSpec = FcosSpec | VariantSpec | OpenshiftSpec;

/** Each variant's spec versions, by the version butane reads (`1.5.0`), each as its builder. */
export const VARIANTS: ReadonlyMap<string, ReadonlyMap<string, () => ButaneSpec>> = new Map<
  string,
  ReadonlyMap<string, () => ButaneSpec>
>([
  ["fcos", FCOS_SPECS],
  ["flatcar", FLATCAR_SPECS],
  ["openshift", OPENSHIFT_SPECS],
  ["r4e", R4E_SPECS],
  ["fiot", FIOT_SPECS],
]);

const built = new Map<() => ButaneSpec, ButaneSpec>();

/** The spec for `variant` and `version`, or undefined when butane has no translator for it. */
export function findSpec(variant: string, version: string): ButaneSpec | undefined {
  const build = VARIANTS.get(variant)?.get(version);
  if (build === undefined) return undefined;
  let spec = built.get(build);
  if (spec === undefined) {
    spec = build();
    built.set(build, spec);
  }
  return spec;
}
