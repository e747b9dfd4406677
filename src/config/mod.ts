/**
 * The configuration model: fleet defaults and machines, read from the workspace and checked.
 */
export {
  BUILTIN_DEFAULTS,
  checkDefaults,
  type Checked,
  checkMachine,
  DEFAULT_DEFAULTS_TOML,
  loadDefaults,
  loadMachine,
  noSuchMachine,
  unwrap,
} from "./load.ts";
export { type Defaults, type Machine, PERIODS, STRATEGIES, STREAMS } from "./schema.ts";
export { collectMacs, generateMac } from "./mac.ts";
