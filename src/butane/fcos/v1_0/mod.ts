/** fcos 1.0.0 → Ignition 3.0.0. Its fields are the schema entries with `since <= 0` (see base/schema.ts). */
import { type FcosSpec, fcosSpec } from "../spec.ts";

export const spec = (): FcosSpec => fcosSpec(0, "3.0.0");
