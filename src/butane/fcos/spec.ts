/** What distinguishes one fcos spec version from another. */
import { type ObjType, schemaFor } from "../base/schema.ts";

export interface FcosSpec {
  /** The Butane `version:` this spec answers to, e.g. "1.5.0". */
  readonly version: string;
  /** The Ignition spec version it emits, e.g. "3.4.0". */
  readonly ignitionVersion: string;
  /** The fields this version accepts (others are `Unused key` warnings). */
  readonly schema: ObjType;
  /** The Go package of butane's base structs (`v0_5`), named in type errors. */
  readonly goPackage: string;
  /** The Go package of the fcos structs (`v1_5`: Config, BootDevice, Grub, ...). */
  readonly fcosPackage: string;
  /** `boot_device.layout` values this version accepts. */
  readonly layouts: readonly string[];
  /** Swap filesystems get `.swap` units (1.4+); before, swap needed a path like any mount. */
  readonly swapUnits: boolean;
  /**
   * 1.0 (base v0_1) writes `inline` as a percent-encoded `data:,` URL, never base64 or gzip,
   * and passes `compression` through as written.
   */
  readonly escapedDataUrls: boolean;
  /**
   * 1.6+ (fcos `Config.Validate`): a labelled partition without a number on a disk that is
   * neither the boot disk nor wiped warns, and a mount unit outside /etc or /var is an error.
   */
  readonly diskChecks: boolean;
}

/** fcos 1.N uses butane's base/v0_M package: 1.3 shares 1.2's base. */
const BASE_MINOR = [1, 2, 3, 3, 4, 5, 6];

/** Builds the spec of `fcos 1.<minor>.0`. */
export function fcosSpec(
  minor: number,
  ignitionVersion: string,
  options: { layouts?: readonly string[] } = {},
): FcosSpec {
  return {
    version: `1.${minor}.0`,
    ignitionVersion,
    schema: schemaFor(minor),
    goPackage: `v0_${BASE_MINOR[minor]}`,
    fcosPackage: `v1_${minor}`,
    layouts: options.layouts ?? ["aarch64", "ppc64le", "x86_64"],
    swapUnits: minor >= 4,
    escapedDataUrls: minor === 0,
    diskChecks: minor >= 6,
  };
}
