/**
 * A process that asks memory.ts for one collection, `young` or `all` (its first argument), and
 * does nothing else: started with `--v8-flags=--trace-gc`, its output says which collections
 * V8 ran for it (tests/memory_test.ts).
 */
import { collectAllGarbage, collectYoungGarbage } from "../../src/memory.ts";

if (Deno.args[0] === "young") collectYoungGarbage();
else if (Deno.args[0] === "all") collectAllGarbage();
else throw new Error(`usage: collect_garbage.ts young|all, not ${Deno.args[0]}`);
