/**
 * The registry of fcos spec versions butane v0.23 knows, each defined in its own folder and
 * built when first asked for (specs.ts).
 */
import type { FcosSpec } from "./spec.ts";
import { spec as v1_0 } from "./v1_0/mod.ts";
import { spec as v1_1 } from "./v1_1/mod.ts";
import { spec as v1_2 } from "./v1_2/mod.ts";
import { spec as v1_3 } from "./v1_3/mod.ts";
import { spec as v1_4 } from "./v1_4/mod.ts";
import { spec as v1_5 } from "./v1_5/mod.ts";
import { spec as v1_6 } from "./v1_6/mod.ts";
import { spec as v1_7_exp } from "./v1_7_exp/mod.ts";

export const FCOS_SPECS: ReadonlyMap<string, () => FcosSpec> = new Map([
  ["1.0.0", v1_0],
  ["1.1.0", v1_1],
  ["1.2.0", v1_2],
  ["1.3.0", v1_3],
  ["1.4.0", v1_4],
  ["1.5.0", v1_5],
  ["1.6.0", v1_6],
  ["1.7.0-experimental", v1_7_exp],
]);
