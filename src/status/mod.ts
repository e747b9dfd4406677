/** `iago status`: what each machine of the fleet runs, asked over SSH. */
export {
  type ContainerStatus,
  fleetStatus,
  type ImageState,
  type MachineStatus,
  type StatusOptions,
} from "./status.ts";
export { formatStatus } from "./format.ts";
export { parseProbe, type RemoteContainer, type RemoteMachine } from "./remote.ts";
export { runOverSsh, type SshOutcome, type SshTarget } from "./ssh.ts";
export { formatChange, type StatusChange, statusChanges } from "./changes.ts";
export { type WatchOptions, type WatchRound, watchStatus } from "./watch.ts";
export { type WatchEvery, type WatchMode, watchView } from "./watch_view.ts";
