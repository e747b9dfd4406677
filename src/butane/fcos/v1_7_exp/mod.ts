/**
 * fcos 1.7.0-experimental → Ignition 3.6.0-experimental, recognised as butane v0.23 does. Its
 * additions beyond 1.6 are not translated: they read as unused keys.
 */
import { type FcosSpec, fcosSpec } from "../spec.ts";

export const spec = (): FcosSpec => ({
  ...fcosSpec(6, "3.6.0-experimental", {
    layouts: ["aarch64", "ppc64le", "s390x-eckd", "s390x-virt", "s390x-zfcp", "x86_64"],
  }),
  version: "1.7.0-experimental",
  goPackage: "v0_7_exp",
  fcosPackage: "v1_7_exp",
});
