/** r4e 1.0.0 → Ignition 3.3.0: butane's base v0_4 fields and sugar; kernel arguments, disks, filesystems, LUKS and RAID are rejected. */
import { IMAGE_BASED_FILTERS } from "../../base/field_filters.ts";
import { type VariantSpec, variantSpec } from "../../base/variant_spec.ts";

export const spec = (): VariantSpec => variantSpec("1.0.0", "v0_4", "3.3.0", IMAGE_BASED_FILTERS);
