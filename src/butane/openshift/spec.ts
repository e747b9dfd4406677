/**
 * What distinguishes one openshift spec version from another (butane's config/openshift/v4_N):
 * the fcos version it sits on, the Ignition fields the Machine Config Operator cannot carry, and
 * the MCO checks that came and went between releases.
 */
import type { FcosSpec } from "../fcos/spec.ts";
import type { Field, ObjType } from "../base/schema.ts";
import type { FieldFilter } from "../base/field_filters.ts";

export interface OpenshiftSpec extends FcosSpec {
  readonly variant: "openshift";
  /** Fields a MachineConfig may not set (not checked under `--raw`), as Ignition JSON paths. */
  readonly mcoFilters: readonly FieldFilter[];
  /** 4.8, 4.9: inline and local contents are never gzipped (the MCO could not read them). */
  readonly noAutoCompression: boolean;
  /** 4.10+: a file mode with setuid, setgid or sticky bits is an error. */
  readonly specialModeCheck: boolean;
  /** 4.14+: a filesystem with format `none` is an error. */
  readonly formatNoneCheck: boolean;
  /** 4.19: `grub.users` writes user.cfg with `contents`, since the MCO cannot append. */
  readonly grubContents: boolean;
}

export const ROLE_LABEL = "machineconfiguration.openshift.io/role";

const USER_FIELD =
  'fields other than "name", "ssh_authorized_keys", and "password_hash" (4.13.0+) are not supported in this spec version';

/**
 * The Ignition fields a MachineConfig may not set, in butane's order; `version` says which of the
 * ones that came or went between releases apply.
 */
function mcoFilters(
  version: { kernelArguments: boolean; passwordHash: boolean; compression: boolean },
): FieldFilter[] {
  const filters: FieldFilter[] = [];
  if (version.kernelArguments) {
    filters.push({
      path: "kernelArguments",
      message:
        "this section cannot be used for kernel arguments in this spec version; use openshift.kernel_arguments instead",
    });
  }
  filters.push({ path: "passwd.groups", message: "groups are not supported in this spec version" });
  const userFields = ["gecos", "groups", "homeDir", "noCreateHome", "noLogInit", "noUserGroup"];
  if (version.passwordHash) userFields.push("passwordHash");
  userFields.push("primaryGroup", "shell", "shouldExist", "system", "uid");
  for (const f of userFields) filters.push({ path: `passwd.users.${f}`, message: USER_FIELD });
  filters.push(
    { path: "storage.directories", message: "directories are not supported in this spec version" },
    {
      path: "storage.files.append",
      message: "appending to files is not supported in this spec version",
    },
  );
  if (version.compression) {
    // Desugared inline/local contents carry `compression: ""`, which the MCO reads fine.
    filters.push({
      path: "storage.files.contents.compression",
      message: "file compression is not supported in this spec version",
      ignoreZero: true,
    });
  }
  filters.push(
    {
      path: "storage.files.contents.httpHeaders",
      message: "file HTTP headers are not supported in this spec version",
    },
    { path: "storage.links", message: "links are not supported in this spec version" },
  );
  return filters;
}

/** The `metadata` and `openshift` sections, after the fcos fields (butane's `Config` struct). */
function openshiftFields(pkg: string): Field[] {
  const metadata: ObjType = {
    name: "Metadata",
    goPackage: pkg,
    fields: [
      { yaml: "name", type: "string", since: 0 },
      { yaml: "labels", type: { map: "string" }, since: 0 },
    ],
  };
  const openshift: ObjType = {
    name: "OpenShift",
    goPackage: pkg,
    fields: [
      { yaml: "kernel_arguments", type: { list: "string" }, since: 0 },
      { yaml: "extensions", type: { list: "string" }, since: 0 },
      { yaml: "fips", type: "bool", since: 0 },
      { yaml: "kernel_type", type: "string", since: 0 },
    ],
  };
  return [
    { yaml: "metadata", type: metadata, since: 0 },
    { yaml: "openshift", type: openshift, since: 0 },
  ];
}

/** `openshift 4.<minor>.0` on `fcos` (its 1.3, 1.5 or 1.7-experimental spec). */
export function openshiftSpec(version: string, fcos: FcosSpec): OpenshiftSpec {
  const minor = Number(version.split(".")[1]);
  const pkg = `v4_${minor}${version.endsWith("-experimental") ? "_exp" : ""}`;
  return {
    ...fcos,
    version,
    variant: "openshift",
    schema: {
      name: fcos.schema.name,
      fields: [...fcos.schema.fields, ...openshiftFields(pkg)],
    },
    mcoFilters: mcoFilters({
      kernelArguments: minor >= 14,
      passwordHash: minor <= 12,
      compression: minor <= 9,
    }),
    noAutoCompression: minor <= 9,
    specialModeCheck: minor >= 10,
    formatNoneCheck: minor >= 14,
    grubContents: minor >= 19,
  };
}
