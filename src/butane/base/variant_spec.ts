/**
 * The spec of a variant built on butane's base alone (flatcar, r4e, fiot): base's fields and
 * sugar (no fcos `boot_device` or `grub`), plus the fields the variant forbids.
 */
import { type FcosSpec, fcosSpec } from "../fcos/spec.ts";
import type { ObjType } from "./schema.ts";
import type { FieldFilter } from "./field_filters.ts";

export interface VariantSpec extends FcosSpec {
  /** Fields the variant rejects after translation. */
  readonly filters: readonly FieldFilter[];
  /** False: no `boot_device`, `grub` or reserved-label checks, which are fcos's own. */
  readonly fcosSugar: false;
}

/** Base v0_N → the fcos 1.N minor whose fields it has (v0_7_exp has 1.6's here, as fcos 1.7). */
const FCOS_MINOR: Record<string, number> = { v0_4: 4, v0_5: 5, v0_7_exp: 6 };

const FCOS_ONLY = new Set(["boot_device", "grub"]);

/** `version` of a base-only variant, on base package `base`, emitting `ignitionVersion`. */
export function variantSpec(
  version: string,
  base: "v0_4" | "v0_5" | "v0_7_exp",
  ignitionVersion: string,
  filters: readonly FieldFilter[],
): VariantSpec {
  const fcos = fcosSpec(FCOS_MINOR[base], ignitionVersion);
  const schema: ObjType = {
    name: fcos.schema.name,
    fields: fcos.schema.fields.filter((f) => !FCOS_ONLY.has(f.yaml)),
  };
  return {
    ...fcos,
    version,
    schema,
    goPackage: base,
    // The variant's own Config struct lives in its version package (`v1_1.Config`).
    fcosPackage: `v${version.replace(/^(\d+)\.(\d+)\.\d+(-experimental)?$/, "$1_$2")}${
      version.endsWith("-experimental") ? "_exp" : ""
    }`,
    diskChecks: false,
    filters,
    fcosSugar: false,
  };
}
