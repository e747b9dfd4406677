/**
 * The Butane translator: fcos 1.0.0–1.6.0 (and 1.7.0-experimental), flatcar, r4e and fiot YAML
 * to Ignition 3.0.0–3.5.0 JSON, semantically identical to butane v0.23 and byte-identical in its
 * JSON.
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
