/** fcos 1.4.0 → Ignition 3.3.0. Its fields are the schema entries with `since <= 4` (see base/schema.ts). */
import { type FcosSpec, fcosSpec } from "../spec.ts";

export const spec = (): FcosSpec => fcosSpec(4, "3.3.0");
