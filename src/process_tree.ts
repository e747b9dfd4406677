/**
 * Ending a child process together with everything it started. Killing only the child is not
 * enough when a grandchild keeps the child's stdout open: reading it to its end then waits for
 * the grandchild, however long it lives.
 */

/**
 * Sends SIGKILL to process `pid` and every descendant of it. Descendants are found through
 * `/proc` before any is killed (a killed parent's children would be re-parented and lost);
 * without `/proc` (macOS) only `pid` is killed.
 */
export async function killProcessTree(pid: number): Promise<void> {
  for (const p of [pid, ...await descendants(pid)]) {
    try {
      Deno.kill(p, "SIGKILL");
    } catch {
      // Gone already.
    }
  }
}

async function descendants(pid: number): Promise<number[]> {
  const children = new Map<number, number[]>();
  try {
    for await (const entry of Deno.readDir("/proc")) {
      if (!/^\d+$/.test(entry.name)) continue;
      const stat = await Deno.readTextFile(`/proc/${entry.name}/stat`).catch(() => "");
      // `PID (COMM) STATE PPID ...`; COMM may hold spaces and parentheses.
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (!Number.isInteger(ppid)) continue;
      const list = children.get(ppid) ?? [];
      list.push(Number(entry.name));
      children.set(ppid, list);
    }
  } catch {
    return [];
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}
