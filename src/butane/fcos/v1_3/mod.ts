/** fcos 1.3.0 → Ignition 3.2.0. Its fields are the schema entries with `since <= 3` (see base/schema.ts). */
import { type FcosSpec, fcosSpec } from "../spec.ts";

export const spec = (): FcosSpec => fcosSpec(3, "3.2.0");
