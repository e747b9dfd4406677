/**
 * The flatcar spec versions butane v0.23 knows, each defined in its own folder and built when
 * first asked for (../specs.ts).
 */
import type { VariantSpec } from "../base/variant_spec.ts";
import { spec as v1_0 } from "./v1_0/mod.ts";
import { spec as v1_1 } from "./v1_1/mod.ts";
import { spec as v1_2_exp } from "./v1_2_exp/mod.ts";

export const FLATCAR_SPECS: ReadonlyMap<string, () => VariantSpec> = new Map([
  ["1.0.0", v1_0],
  ["1.1.0", v1_1],
  ["1.2.0-experimental", v1_2_exp],
]);
