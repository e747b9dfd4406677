/** r4e 1.2.0-experimental → Ignition 3.6.0-experimental: butane's base v0_7_exp fields and sugar; kernel arguments, disks, filesystems, LUKS and RAID are rejected. */
import { IMAGE_BASED_FILTERS } from "../../base/field_filters.ts";
import { type VariantSpec, variantSpec } from "../../base/variant_spec.ts";

export const spec = (): VariantSpec =>
  variantSpec(
    "1.2.0-experimental",
    "v0_7_exp",
    "3.6.0-experimental",
    IMAGE_BASED_FILTERS,
  );
