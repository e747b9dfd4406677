/** flatcar 1.0.0 → Ignition 3.3.0: butane's base v0_4 fields and sugar; LUKS clevis is rejected. */
import { CLEVIS_UNSUPPORTED } from "../../base/field_filters.ts";
import { type VariantSpec, variantSpec } from "../../base/variant_spec.ts";

export const spec = (): VariantSpec =>
  variantSpec("1.0.0", "v0_4", "3.3.0", [{
    path: "storage.luks.clevis",
    message: CLEVIS_UNSUPPORTED,
  }]);
