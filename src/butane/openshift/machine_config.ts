/**
 * The openshift variant's own steps around the fcos translation (butane's
 * config/openshift/v4_N/{translate,validate}.go): the `metadata` and `openshift` checks, the
 * MachineConfig-only rules applied to the translated Ignition config (FIPS ciphers for LUKS,
 * what RHCOS and the Machine Config Operator refuse), the warnings `--raw` gives for the fields
 * it drops, and the MachineConfig YAML itself.
 */
import type { Doc } from "../decode.ts";
import type { Report } from "../report.ts";
import type { Translation } from "../base/translation.ts";
import { snakeKey } from "../base/schema.ts";
import { serializeIgnition } from "../serialize.ts";
import { parseGoUrl } from "../../ignition/validate.ts";
import { ROLE_LABEL } from "./spec.ts";
import type { OpenshiftSpec } from "./spec.ts";
import { encodeYaml } from "./yaml_encoder.ts";

type Obj = Record<string, unknown>;

/** `Metadata.Validate` and `OpenShift.Validate`, after the fcos checks. */
export function validateOpenshift(doc: Doc, r: Report): void {
  const metadata = (doc.metadata ?? {}) as Doc;
  if (!metadata.name) r.error("$.metadata.name", "metadata.name is required");
  if (!((metadata.labels ?? {}) as Doc)[ROLE_LABEL]) {
    r.error("$.metadata.labels", `${ROLE_LABEL} label is required`);
  }
  const kernelType = ((doc.openshift ?? {}) as Doc).kernel_type;
  if (kernelType !== undefined && !["", "default", "realtime"].includes(kernelType as string)) {
    r.error("$.openshift.kernel_type", 'must be empty, "default", or "realtime"');
  }
}

/**
 * Everything between the fcos translation and validation: the GRUB user.cfg rewrite (4.19), FIPS
 * LUKS options, the RHCOS and MCO checks, and under `raw` the warnings for dropped fields.
 */
export function machineConfigRules(
  doc: Doc,
  config: Obj,
  spec: OpenshiftSpec,
  t: Translation,
  raw: boolean,
): void {
  if (spec.grubContents) grubContents(config);
  const openshift = (doc.openshift ?? {}) as Doc;
  if (openshift.fips === true) addFipsCiphers(config, t);
  checkSupport(config, spec, t, raw);
  if (raw) {
    // Fields only a MachineConfig carries: set at all (even `[]`, `false`, `""`) is a warning.
    for (const key of ["kernel_arguments", "extensions", "fips", "kernel_type"]) {
      if (openshift[key] !== undefined) {
        t.report.warn(`$.openshift.${key}`, "field ignored in raw mode");
      }
    }
  }
}

/** fcos `grub.users` appends user.cfg; the MCO cannot append, so its one append becomes contents. */
function grubContents(config: Obj): void {
  const files = ((config.storage as Obj | undefined)?.files ?? []) as Obj[];
  const file = files.find((f) => f.path === "/boot/grub2/user.cfg");
  const append = (file?.append ?? []) as Obj[];
  // Any other number of appends is the user's own file, left as written.
  if (!file || append.length !== 1) return;
  file.contents = append[0];
  delete file.append;
}

const FIPS_CIPHER = ["--cipher", "aes-cbc-essiv:sha256"];

/** FIPS 140-2 forbids LUKS's default XTS mode: volumes without a cipher option get CBC-ESSIV. */
function addFipsCiphers(config: Obj, t: Translation): void {
  for (const luks of ((config.storage as Obj | undefined)?.luks ?? []) as Obj[]) {
    const options = (luks.options ?? []) as string[];
    if (options.some((o) => o === "--cipher" || o.startsWith("--cipher=") || o === "-c")) continue;
    const added = [...options, ...FIPS_CIPHER];
    const own = luks.options === undefined ? undefined : t.originOf(luks.options as object);
    t.origin(added, own ?? "$.openshift.fips");
    luks.options = added;
  }
}

/**
 * What RHCOS cannot do (btrfs) and what the MCO refuses, at the YAML that produced it; under
 * `raw` butane maps these MachineConfig paths with the Ignition config's translations, finds
 * none, and reports the MachineConfig path itself.
 */
function checkSupport(config: Obj, spec: OpenshiftSpec, t: Translation, raw: boolean): void {
  const storage = (config.storage ?? {}) as Obj;
  const at = (...path: (string | number)[]) =>
    raw
      ? ["$.spec.config", ...path.map((p) => typeof p === "number" ? p : snakeKey(p))].join(".")
      : t.yamlPathFor(config, path);
  const filesystems = (storage.filesystems ?? []) as Obj[];
  filesystems.forEach((fs, i) => {
    if (fs.format === "btrfs") {
      t.report.error(
        at("storage", "filesystems", i, "format"),
        "btrfs is not supported in this spec version",
      );
    }
  });
  if (spec.formatNoneCheck) {
    filesystems.forEach((fs, i) => {
      if (fs.format === "none") {
        t.report.error(
          at("storage", "filesystems", i, "format"),
          'format "none" is not supported in this spec version',
        );
      }
    });
  }
  ((storage.files ?? []) as Obj[]).forEach((file, i) => {
    const source = (file.contents as Obj | undefined)?.source;
    // A source Go cannot parse is left to Ignition's validation.
    const scheme = typeof source === "string" ? parseGoUrl(source)?.scheme : undefined;
    if (scheme !== undefined && scheme !== "data") {
      t.report.error(
        at("storage", "files", i, "contents", "source"),
        "file contents source must be data URL in this spec version",
      );
    }
    // Go's `mode & ^0777 != 0`: any bit above the permission bits (a bigint past 2^53 too).
    const mode = file.mode as number | bigint | undefined;
    if (spec.specialModeCheck && mode !== undefined && (mode < 0 || mode > 0o777)) {
      t.report.error(
        at("storage", "files", i, "mode"),
        "special mode bits are not supported in this spec version",
      );
    }
  });
  const users = ((config.passwd as Obj | undefined)?.users ?? []) as Obj[];
  users.forEach((user, i) => {
    if (user.name !== "core") {
      t.report.error(
        at("passwd", "users", i, "name"),
        'users other than "core" are not supported in this spec version',
      );
    }
  });
}

/**
 * The MachineConfig butane writes: the Ignition config as its JSON says (empty fields left
 * out), under `spec.config`, with the `openshift` fields beside it, as yaml.v3 encodes it.
 */
export function machineConfigYaml(doc: Doc, config: Obj): string {
  const metadata = (doc.metadata ?? {}) as Doc;
  const openshift = (doc.openshift ?? {}) as Doc;
  const mc: Obj = {
    apiVersion: "machineconfiguration.openshift.io/v1",
    kind: "MachineConfig",
    metadata: { name: metadata.name ?? "" } as Obj,
    spec: { config: JSON.parse(serializeIgnition(config)) } as Obj,
  };
  const labels = (metadata.labels ?? {}) as Doc;
  if (Object.keys(labels).length > 0) (mc.metadata as Obj).labels = labels;
  const spec = mc.spec as Obj;
  const lists = [["kernel_arguments", "kernelArguments"], ["extensions", "extensions"]];
  for (const [from, to] of lists) {
    const list = openshift[from] as string[] | undefined;
    if (list && list.length > 0) spec[to] = list;
  }
  if (openshift.fips !== undefined) spec.fips = openshift.fips;
  if (openshift.kernel_type !== undefined) spec.kernelType = openshift.kernel_type;
  return "# Generated by Butane; do not edit\n" + encodeYaml(mc).replace(/\n+$/, "");
}
