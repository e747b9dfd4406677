/** openshift 4.19.0-experimental → a MachineConfig with Ignition 3.6.0-experimental: fcos 1.7.0-experimental's fields and sugar (see ../spec.ts for its MCO rules). */
import { spec as fcos } from "../../fcos/v1_7_exp/mod.ts";
import { type OpenshiftSpec, openshiftSpec } from "../spec.ts";

export const spec = (): OpenshiftSpec => openshiftSpec("4.19.0-experimental", fcos());
