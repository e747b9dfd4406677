/** The flatcar spec versions butane v0.23 knows, each defined in its own folder. */
import type { VariantSpec } from "../base/variant_spec.ts";
import { spec as v1_0 } from "./v1_0/mod.ts";
import { spec as v1_1 } from "./v1_1/mod.ts";
import { spec as v1_2_exp } from "./v1_2_exp/mod.ts";

export const FLATCAR_SPECS: ReadonlyMap<string, VariantSpec> = new Map(
  [v1_0, v1_1, v1_2_exp].map((s) => [s.version, s]),
);
