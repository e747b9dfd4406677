/** fcos 1.5.0 → Ignition 3.4.0. Its fields are the schema entries with `since <= 5` (see base/schema.ts). */
import { type FcosSpec, fcosSpec } from "../spec.ts";

export const spec = (): FcosSpec => fcosSpec(5, "3.4.0");
