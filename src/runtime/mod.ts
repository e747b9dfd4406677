/**
 * The on-machine runtime: the scripts and systemd units that run each machine's bootc
 * container with podman, update it daily, health-check it and roll back a bad update. The
 * workloads place these texts into the Ignition file; nothing here touches a machine.
 */
export * from "./paths.ts";
export * from "./scripts.ts";
export * from "./units.ts";
export * from "./env_file.ts";
export * from "./rollback.ts";
export * from "./update_state.ts";
export * from "./containers_config.ts";
