/** `iago serve`: each machine's Ignition config over HTTP(S), for network boots. */
export {
  parseDuration,
  parseListen,
  type RunningServer,
  type ServeOptions,
  startServer,
} from "./server.ts";
export { type FetchEntry, formatEntry, IgnitionHandler, type Policy } from "./handler.ts";
export { Fleet, type ServedMachine } from "./fleet.ts";
export { FetchLog } from "./fetched.ts";
export { TokenStore } from "./tokens.ts";
export { normalizeMac } from "./mac.ts";
export { type IpxeImages, ipxeScript } from "./ipxe.ts";
export { type MachineUrls, machineUrls } from "./urls.ts";
export { machineLinks } from "./links.ts";
export { type MachinePointer, machinePointers, writePointers } from "./pointer.ts";
export {
  type Arm,
  type ArmState,
  armState,
  ArmStore,
  describeArm,
  describeArmState,
} from "./arms.ts";
export { type ArmEvent, ArmLog, formatArmEvent } from "./arm_log.ts";
export { armMachines, disarmMachines } from "./arming.ts";
