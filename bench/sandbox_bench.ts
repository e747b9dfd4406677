/**
 * What the sandbox costs a run: starting it (the sandbox process and its template worker, paid
 * once per run, at the first template), then each template render and each plugin call (a round
 * trip to the sandbox process, V8-serialized both ways). In process, from source.
 *
 *   deno run -A bench/sandbox_bench.ts     medians, as the README's rows
 */
import { join } from "node:path";
import { Sandbox } from "../src/sandbox/sandbox.ts";
import { duration, median } from "./measure.ts";
import { reportRow } from "./rows.ts";

const STARTS = 10;
const CALLS = 300;

const TEMPLATE = "variant: fcos\nversion: 1.5.0\nstorage:\n  files:\n" +
  "<% for (const f of it.files) { %>\n    - path: <%= f %>\n<% } %>\n";
const CONTEXT = { files: Array.from({ length: 20 }, (_, i) => `/etc/f${i}`) };
const PLUGIN = `export default {
  name: "bench",
  overlay(ctx) {
    return { storage: { files: ctx.files.map((path) => ({ path, mode: 0o644, contents: { inline: path } })) } };
  },
};
`;

/** Wall seconds of `f`, `n` times, one after the other. */
async function each(n: number, f: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await f();
    out.push((performance.now() - t0) / 1000);
  }
  return out;
}

if (import.meta.main) {
  const dir = await Deno.makeTempDir({ prefix: "iago-bench-sandbox-" });
  try {
    const plugin = join(dir, "bench.ts");
    await Deno.writeTextFile(plugin, PLUGIN);
    const starts = await each(STARTS, async () => {
      await using sandbox = new Sandbox();
      await sandbox.renderTemplate(TEMPLATE, CONTEXT, "t.tmpl");
    });
    await using sandbox = new Sandbox();
    await sandbox.renderTemplate(TEMPLATE, CONTEXT, "t.tmpl");
    const renders = await each(CALLS, () => sandbox.renderTemplate(TEMPLATE, CONTEXT, "t.tmpl"));
    const loaded = await sandbox.loadPlugin(plugin, "bench.ts");
    const calls = await each(CALLS, async () => await loaded.overlay(CONTEXT as never));
    const ms = (xs: number[]) => duration(median(xs));
    console.log(
      `first render (sandbox start): ${ms(starts)}; render: ${ms(renders)}; ` +
        `plugin call: ${ms(calls)}`,
    );
    reportRow({
      work: "the sandbox: first template render of a run (starts its process and worker), " +
        `in process (median of ${STARTS})`,
      iago: ms(starts),
      beside: `then each render ${ms(renders)}, each plugin call ${ms(calls)} ` +
        `(20 file entries; median of ${CALLS})`,
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
