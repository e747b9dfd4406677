/**
 * Run by tests/ignite/sandbox_process_test.ts as a process of its own (its threads are what it
 * looks at, and a test process has others'): loads the plugin at `Deno.args[0]` in a Sandbox
 * with a one-second time limit, calls its `overlay()`, and prints as JSON what the call ended
 * with and the threads of this process then, each `NAME STATE` from /proc (Deno names a
 * Worker's thread `worker-N`).
 */
import { Sandbox } from "../../src/sandbox/sandbox.ts";

const file = Deno.args[0];
const sandbox = new Sandbox({ timeoutMs: 1000 });
const plugin = await sandbox.loadPlugin(file, "spin.ts");
const error = await (async () => await plugin.overlay({} as never))().then(
  () => "returned",
  (err: Error) => err.message,
);
const threads = [...Deno.readDirSync("/proc/self/task")].map((t) => {
  const name = Deno.readTextFileSync(`/proc/self/task/${t.name}/comm`).trim();
  const stat = Deno.readTextFileSync(`/proc/self/task/${t.name}/stat`);
  return `${name} ${stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0]}`;
});
console.log(JSON.stringify({ error, threads, processes: sandbox.processesStarted }));
await sandbox.close();
