/** The openshift spec versions butane v0.23 knows, each defined in its own folder. */
import type { OpenshiftSpec } from "./spec.ts";
import { spec as v4_8 } from "./v4_8/mod.ts";
import { spec as v4_9 } from "./v4_9/mod.ts";
import { spec as v4_10 } from "./v4_10/mod.ts";
import { spec as v4_11 } from "./v4_11/mod.ts";
import { spec as v4_12 } from "./v4_12/mod.ts";
import { spec as v4_13 } from "./v4_13/mod.ts";
import { spec as v4_14 } from "./v4_14/mod.ts";
import { spec as v4_15 } from "./v4_15/mod.ts";
import { spec as v4_16 } from "./v4_16/mod.ts";
import { spec as v4_17 } from "./v4_17/mod.ts";
import { spec as v4_18 } from "./v4_18/mod.ts";
import { spec as v4_19_exp } from "./v4_19_exp/mod.ts";

export const OPENSHIFT_SPECS: ReadonlyMap<string, OpenshiftSpec> = new Map(
  [v4_8, v4_9, v4_10, v4_11, v4_12, v4_13, v4_14, v4_15, v4_16, v4_17, v4_18, v4_19_exp].map(
    (s) => [s.version, s],
  ),
);
