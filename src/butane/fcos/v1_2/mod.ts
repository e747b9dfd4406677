/** fcos 1.2.0 → Ignition 3.2.0. Its fields are the schema entries with `since <= 2` (see base/schema.ts). */
import { type FcosSpec, fcosSpec } from "../spec.ts";

export const spec = (): FcosSpec => fcosSpec(2, "3.2.0");
