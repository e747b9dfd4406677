/** `iago plan`: what `ignite` and `build` would change, machine by machine, changing nothing. */
export { type MachinePlan, type Need, type Plan, planMachines, type PlanOptions } from "./plan.ts";
export { diffIgnition, type IgnitionChange } from "./ignition_diff.ts";
export { diffImage, type ImageDiff, type LayerChange } from "./image_diff.ts";
export { unifiedDiff } from "./text_diff.ts";
export { formatPlan, planJson } from "./format.ts";
