/**
 * Long Containerfiles: metadata instructions must cost the same each, however many came before
 * (16,000 LABELs once took 55 s: every LABEL copied all the labels before it).
 *
 *   deno bench -A bench/containerfile_bench.ts   parse and build of 2,000 and 16,000 LABELs,
 *                                                and of 16,000 ENVs, in a scratch stage
 *   deno run -A bench/containerfile_bench.ts     the same, median of 5 each, as the README's row
 *
 * Target: linear, so 16,000 instructions take about 8x the time of 2,000 (well under 1 s).
 */
import { join } from "node:path";
import { BlobStore } from "../src/oci/blobs.ts";
import { buildImage } from "../src/oci/builder.ts";
import { parseContainerfile } from "../src/oci/containerfile/parse.ts";
import { BuildContext } from "../src/oci/context.ts";
import { duration, median } from "./measure.ts";
import { reportRow } from "./rows.ts";

const dir = await Deno.makeTempDir({ prefix: "iago-bench-containerfile-" });
const context = await BuildContext.open(dir);
const store = new BlobStore(join(dir, "store"));
const noRegistry = {
  resolve: () => Promise.reject(new Error("no registry in this benchmark")),
  blob: () => Promise.reject(new Error("no registry in this benchmark")),
};

function containerfile(keyword: string, count: number): string {
  const lines = ["FROM scratch"];
  for (let i = 0; i < count; i++) lines.push(`${keyword} key${i}="value ${i}"`);
  return lines.join("\n") + "\n";
}

async function build(text: string): Promise<void> {
  await buildImage({
    containerfile: parseContainerfile(text, "Containerfile"),
    context,
    platform: { os: "linux", architecture: "amd64" },
    store,
    images: noRegistry,
    scratchDir: dir,
    epoch: 0,
  });
}

const CASES = [["LABEL", 2_000], ["LABEL", 16_000], ["ENV", 16_000]] as const;

if (import.meta.main) {
  const seconds: number[] = [];
  for (const [keyword, count] of CASES) {
    const text = containerfile(keyword, count);
    const runs: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      await build(text);
      runs.push((performance.now() - t0) / 1000);
    }
    seconds.push(median(runs));
    console.log(`build of ${count.toLocaleString("en")} ${keyword}s: ${duration(median(runs))}`);
  }
  const [small, labels, envs] = seconds;
  reportRow({
    work: "16,000 Containerfile `LABEL`s, parse and build, in process (median of 5)",
    iago: `${duration(labels)}; 16,000 \`ENV\`s: ${duration(envs)}`,
    beside: `2,000 \`LABEL\`s: ${duration(small)} (8x the instructions, ` +
      `${(labels / small).toFixed(1)}x the time)`,
    target: "linear",
  });
  Deno.removeSync(dir, { recursive: true });
  Deno.exit(0);
}

for (const [keyword, count] of CASES) {
  const text = containerfile(keyword, count);
  Deno.bench(`build of ${count.toLocaleString("en")} ${keyword}s`, {
    group: keyword,
    baseline: count === 2_000,
  }, async () => {
    await build(text);
  });
}

globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
