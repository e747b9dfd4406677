/** openshift 4.18.0 → a MachineConfig with Ignition 3.4.0: fcos 1.5's fields and sugar (see ../spec.ts for its MCO rules). */
import { spec as fcos } from "../../fcos/v1_5/mod.ts";
import { type OpenshiftSpec, openshiftSpec } from "../spec.ts";

export const spec = (): OpenshiftSpec => openshiftSpec("4.18.0", fcos());
