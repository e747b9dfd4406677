/**
 * The registry of fcos spec versions butane v0.23 knows, each defined in its own folder.
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

export const FCOS_SPECS: ReadonlyMap<string, FcosSpec> = new Map(
  [v1_0, v1_1, v1_2, v1_3, v1_4, v1_5, v1_6, v1_7_exp].map((s) => [s.version, s]),
);
