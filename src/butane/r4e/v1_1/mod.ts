/** r4e 1.1.0 → Ignition 3.4.0: butane's base v0_5 fields and sugar; kernel arguments, disks, filesystems, LUKS and RAID are rejected. */
import { IMAGE_BASED_FILTERS } from "../../base/field_filters.ts";
import { type VariantSpec, variantSpec } from "../../base/variant_spec.ts";

export const spec = (): VariantSpec => variantSpec("1.1.0", "v0_5", "3.4.0", IMAGE_BASED_FILTERS);
