/**
 * The Butane translator: fcos 1.0.0–1.6.0 (and 1.7.0-experimental), flatcar, r4e and fiot YAML
 * to Ignition 3.0.0–3.5.0 JSON, and openshift 4.8.0–4.18.0 (and 4.19.0-experimental) to a
 * MachineConfig YAML (or its Ignition JSON), byte-identical to butane v0.23's output.
 */
export {
  translateButaneDocument,
  translateButaneDocumentSync,
  translateButaneText,
  translateButaneTextSync,
  type TranslateOptions,
  type TranslateResult,
} from "./translate.ts";
export { type ButaneReportEntry, formatReportEntry } from "./report.ts";
export { serializeIgnition } from "./serialize.ts";
export { type ButaneOutput, butaneOutput } from "./cli_output.ts";
