/** fcos 1.1.0 → Ignition 3.1.0. Its fields are the schema entries with `since <= 1` (see base/schema.ts). */
import { type FcosSpec, fcosSpec } from "../spec.ts";

export const spec = (): FcosSpec => fcosSpec(1, "3.1.0");
