/**
 * src/memory.ts's collections, as V8 reports them (`--trace-gc`) in a process of their own: with
 * V8's gc() exposed, what was asked for and nothing more; without it, still a collection.
 */
import assert from "node:assert/strict";
import { PERMISSIONS } from "../scripts/permissions.ts";

const CHILD = new URL("./helpers/collect_garbage.ts", import.meta.url).pathname;

/**
 * The collections V8 ran because the child asked (its gc() calls), by name ("Scavenge",
 * "Mark-Compact", "Mark-Compact (reduce)"), in order.
 */
async function askedCollections(flags: string[], what: "young" | "all"): Promise<string[]> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", ...flags, "--v8-flags=--trace-gc", CHILD, what],
    stdin: "null",
  }).output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  return new TextDecoder().decode(stdout).split("\n")
    // V8 ends each line with why it collected: "testing" for a script's gc(), "low memory
    // notification" for Deno's; its own collections give other reasons.
    .filter((line) => /(testing|low memory notification)/.test(line))
    .map((line) => /ms: ([^0-9]+) \d/.exec(line)?.[1] ?? line);
}

Deno.test("with V8's gc exposed, a young collection is one scavenge", async () => {
  assert.deepEqual(await askedCollections(["--v8-flags=--expose-gc"], "young"), ["Scavenge"]);
});

Deno.test("with V8's gc exposed, a full collection is the memory-reducing one", async () => {
  assertReducing(await askedCollections(["--v8-flags=--expose-gc"], "all"));
});

// The bundle's shebang, the compiled binaries and `deno task iago` start iago with these.
Deno.test("iago's launch flags give memory.ts V8's own gc", async () => {
  assert.deepEqual(await askedCollections(PERMISSIONS, "young"), ["Scavenge"]);
  assertReducing(await askedCollections(PERMISSIONS, "all"));
});

Deno.test("without V8's gc exposed, both collect everything (Deno's low-memory gc)", async () => {
  for (const what of ["young", "all"] as const) assertReducing(await askedCollections([], what));
});

/** Full compacting collections until one frees nothing: at least two. */
function assertReducing(ran: string[]): void {
  assert.ok(ran.length >= 2, ran.join(", "));
  assert.ok(ran.every((c) => c === "Mark-Compact (reduce)"), ran.join(", "));
}
