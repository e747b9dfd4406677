/**
 * `iago ignite` of one machine with many file entries, written in its template or returned by a
 * plugin: both go through the sandbox, the YAML reader, the merge and the translator. Time
 * must grow with the entries, not their square (20,000 template entries took 42 s when each
 * template entry looked up its place in the merged list; the same from a plugin, 1.9 s).
 *
 *   deno bench -A bench/template_bench.ts
 *   deno run -A bench/template_bench.ts     the same, median of 3 each, as the README's rows
 */
import { join } from "node:path";
import { main } from "../src/cli/main.ts";
import { memoryOutput } from "../src/output.ts";
import { duration, median } from "./measure.ts";
import { reportRow } from "./rows.ts";

const SIZES = [5_000, 20_000];

async function iago(args: string[], cwd: string): Promise<void> {
  const out = memoryOutput();
  const code = await main(args, { out, cwd, env: {} });
  if (code !== 0) throw new Error(`iago ${args.join(" ")} failed:\n${out.stderr.join("\n")}`);
}

/** A workspace of one machine whose `count` extra files come from its template or a plugin. */
async function workspace(count: number, from: "template" | "plugin"): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "iago-bench-template-" });
  await iago(["init", "--machine-only", "m0"], root);
  if (from === "template") {
    const file = join(root, "machines/m0/butane.yaml.tmpl");
    const entries = Array.from(
      { length: count },
      (_, i) =>
        `    - path: /etc/many/f${i}\n      mode: 0644\n      contents:\n        inline: "x${i}"\n`,
    ).join("");
    const text = await Deno.readTextFile(file);
    const withEntries = text.replace(/^storage:\n {2}files:\n/m, `storage:\n  files:\n${entries}`);
    if (withEntries === text) throw new Error("the scaffolded template has no storage.files");
    await Deno.writeTextFile(file, withEntries);
  } else {
    await Deno.mkdir(join(root, "workloads"));
    await Deno.writeTextFile(
      join(root, "workloads/many.ts"),
      `export default { name: "many", overlay: () => ({ storage: { files: Array.from({ length: ${count} }, (_, i) => ({ path: "/etc/many/f" + i, mode: 0o644, contents: { inline: "x" + i } })) } }) };\n`,
    );
    const toml = join(root, "machines/m0/machine.toml");
    const text = await Deno.readTextFile(toml);
    await Deno.writeTextFile(
      toml,
      text.replace(/^workloads = .*$/m, 'workloads = ["./workloads/many.ts"]'),
    );
  }
  return root;
}

/** The median of 3 runs of `ignite m0` in `root`, each writing its output anew. */
async function igniteSeconds(root: string): Promise<number> {
  const runs: number[] = [];
  for (let i = 0; i < 3; i++) {
    await Deno.remove(join(root, "output"), { recursive: true }).catch(() => {});
    const t0 = performance.now();
    await iago(["ignite", "m0"], root);
    runs.push((performance.now() - t0) / 1000);
  }
  return median(runs);
}

if (import.meta.main) {
  for (const from of ["template", "plugin"] as const) {
    const seconds: number[] = [];
    for (const count of SIZES) {
      const root = await workspace(count, from);
      try {
        seconds.push(await igniteSeconds(root));
      } finally {
        await Deno.remove(root, { recursive: true });
      }
      console.log(`ignite, ${count} files from its ${from}: ${duration(seconds.at(-1)!)}`);
    }
    const [small, large] = SIZES.map((n) => n.toLocaleString("en"));
    reportRow({
      work: `\`ignite\` of a machine with ${large} file entries from its ${from}, in process ` +
        "(median of 3)",
      iago: duration(seconds[1]),
      beside: `${small} entries: ${duration(seconds[0])} (${SIZES[1] / SIZES[0]}x the entries, ` +
        `${(seconds[1] / seconds[0]).toFixed(1)}x the time)`,
      target: "linear",
    });
  }
  Deno.exit(0);
}

const roots: string[] = [];
globalThis.addEventListener("unload", () => {
  for (const root of roots) Deno.removeSync(root, { recursive: true });
});

for (const from of ["template", "plugin"] as const) {
  for (const count of SIZES) {
    const root = await workspace(count, from);
    roots.push(root);
    Deno.bench({
      name: `ignite of one machine with ${count} files from its ${from}`,
      group: from,
      baseline: count === SIZES[0],
      n: 3,
      warmup: 1,
      async fn(b) {
        await Deno.remove(join(root, "output"), { recursive: true }).catch(() => {});
        b.start();
        await iago(["ignite", "m0"], root);
        b.end();
      },
    });
  }
}
