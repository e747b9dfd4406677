/**
 * What the butane CLI prints for a translation (its `internal/main.go`): the report on stderr,
 * then `Error translating config: WHY` or, for warnings under `--strict`, its own line; the
 * JSON and a newline on stdout unless `--check`.
 */
import { formatReportEntry } from "./report.ts";
import type { TranslateResult } from "./translate.ts";

export interface ButaneOutput {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** The stdout, stderr and exit code butane gives for `result`. */
export function butaneOutput(result: TranslateResult, check = false): ButaneOutput {
  let stderr = result.report.map((e) => formatReportEntry(e) + "\n").join("");
  if (!result.ok || result.json === undefined) {
    stderr += result.strictFailure
      ? `${result.error}\n`
      : `Error translating config: ${result.error ?? "source config is invalid"}\n`;
    return { stdout: "", stderr, exitCode: 1 };
  }
  return { stdout: check ? "" : result.json, stderr, exitCode: 0 };
}
