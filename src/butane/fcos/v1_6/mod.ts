/** fcos 1.6.0 → Ignition 3.5.0. Its fields are the schema entries with `since <= 6` (see base/schema.ts). */
import { type FcosSpec, fcosSpec } from "../spec.ts";

export const spec = (): FcosSpec =>
  fcosSpec(6, "3.5.0", {
    layouts: ["aarch64", "ppc64le", "s390x-eckd", "s390x-virt", "s390x-zfcp", "x86_64"],
  });
