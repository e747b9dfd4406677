/**
 * Peak memory of the registry client while pushing a 1 GiB blob, streamed from a generator
 * (never held whole), to the real registry on loopback. Prints the peak RSS and the rate.
 * Run with `deno run -A bench/registry_push_memory.ts [MiB]`.
 */
import { createHash } from "node:crypto";
import { RegistryClient } from "../src/registry/mod.ts";
import { startRegistry } from "../tests/helpers/registry.ts";
import { reportRow } from "./rows.ts";

const mib = Number(Deno.args[0] ?? 1024);
const block = new Uint8Array(1024 * 1024);
crypto.getRandomValues(block.subarray(0, 65536));
for (let i = 65536; i < block.length; i += 65536) block.set(block.subarray(0, 65536), i);

function source(): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream({
    pull(c) {
      if (i === mib) return c.close();
      const chunk = block.slice();
      new DataView(chunk.buffer).setUint32(0, i++);
      c.enqueue(chunk);
    },
  });
}

const hash = createHash("sha256");
for await (const chunk of source()) hash.update(chunk);
const desc = { digest: `sha256:${hash.digest("hex")}`, size: mib * 1024 * 1024 };

const registry = await startRegistry();
try {
  let peak = Deno.memoryUsage().rss;
  const sampler = setInterval(() => peak = Math.max(peak, Deno.memoryUsage().rss), 50);
  const client = new RegistryClient(registry.host, { insecure: true });
  const t0 = performance.now();
  const result = await client.pushBlob("bench/big", desc, source);
  const secs = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  peak = Math.max(peak, Deno.memoryUsage().rss);
  console.log(
    `${result} ${mib} MiB in ${secs.toFixed(1)} s (${(mib / secs).toFixed(0)} MiB/s), peak RSS ${
      (peak / 1024 / 1024).toFixed(0)
    } MiB`,
  );
  reportRow({
    work: `streamed upload of a ${mib} MiB blob to the local registry, in process`,
    iago: `${(mib / secs).toFixed(0)} MiB/s, peak RSS ${(peak / 1024 / 1024).toFixed(0)} MiB`,
    beside: "",
  });
} finally {
  await registry.stop();
}
