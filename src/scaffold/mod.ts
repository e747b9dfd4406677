/**
 * What `iago init` writes: the machine files, the container scaffold, and the workspace's first
 * `config/defaults.toml` and `.gitignore`.
 */
export { GITIGNORE_LINES } from "./gitignore.ts";
export { initMachine, type InitOptions, type InitResult } from "./init.ts";
export { MACHINE_TEMPLATE, machineToml } from "./machine.ts";
export {
  CONTAINER_ASSETS,
  type ContainerScaffoldContext,
  renderContainerScaffold,
  type ScaffoldFile,
  wantsLink,
} from "./container.ts";
