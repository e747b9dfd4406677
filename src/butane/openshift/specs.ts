/**
 * The openshift spec versions butane v0.23 knows, each defined in its own folder and built when
 * first asked for (../specs.ts).
 */
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

export const OPENSHIFT_SPECS: ReadonlyMap<string, () => OpenshiftSpec> = new Map([
  ["4.8.0", v4_8],
  ["4.9.0", v4_9],
  ["4.10.0", v4_10],
  ["4.11.0", v4_11],
  ["4.12.0", v4_12],
  ["4.13.0", v4_13],
  ["4.14.0", v4_14],
  ["4.15.0", v4_15],
  ["4.16.0", v4_16],
  ["4.17.0", v4_17],
  ["4.18.0", v4_18],
  ["4.19.0-experimental", v4_19_exp],
]);
