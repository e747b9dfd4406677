/**
 * Shell completion of the names commands take: the workspace's machines, or its containers.
 * Stricli calls these with the command's context, so `-C DIR` is honoured.
 */
import type { IagoContext } from "./context.ts";

/** Machine names of the workspace that start with `partial`. */
export async function completeMachines(this: IagoContext, partial: string): Promise<string[]> {
  return (await this.workspace.machineNames()).filter((n) => n.startsWith(partial));
}

/** Container names of the workspace (directories of `containers/` but `_shared`). */
export async function completeContainers(this: IagoContext, partial: string): Promise<string[]> {
  return (await this.workspace.containerNames()).filter((n) => n.startsWith(partial));
}
