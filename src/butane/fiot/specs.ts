/** The fiot spec versions butane v0.23 knows, each defined in its own folder. */
import type { VariantSpec } from "../base/variant_spec.ts";
import { spec as v1_0 } from "./v1_0/mod.ts";
import { spec as v1_1_exp } from "./v1_1_exp/mod.ts";

export const FIOT_SPECS: ReadonlyMap<string, VariantSpec> = new Map(
  [v1_0, v1_1_exp].map((s) => [s.version, s]),
);
