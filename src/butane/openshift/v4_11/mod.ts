/** openshift 4.11.0 → a MachineConfig with Ignition 3.2.0: fcos 1.3's fields and sugar (see ../spec.ts for its MCO rules). */
import { spec as fcos } from "../../fcos/v1_3/mod.ts";
import { type OpenshiftSpec, openshiftSpec } from "../spec.ts";

export const spec = (): OpenshiftSpec => openshiftSpec("4.11.0", fcos());
