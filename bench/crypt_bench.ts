/**
 * SHA-512 crypt (`$6$`, 5000 rounds) beside `openssl passwd -6`, process against process.
 *
 *   deno run -A bench/crypt_bench.ts [N]   N hashes (default 200) in one iago process and in one
 *                                          `openssl passwd -6 -stdin` process, 5 interleaved
 *                                          rounds, medians, with each process's peak RSS
 *   deno bench -A bench/crypt_bench.ts     one hash, in process
 *
 * Target: within 2x of openssl, memory flat (no growth with N).
 */
import { sha512Crypt } from "../src/secrets/crypt.ts";
import { interleaved, measure, median, ratio, type Run, timing } from "./measure.ts";
import { hasTool, missingTool, reportRow } from "./rows.ts";

const passwords = (n: number) => Array.from({ length: n }, (_, i) => `bench password ${i}`);

if (import.meta.main && Deno.args[0] === "--child") {
  // One hash per stdin line, as `openssl passwd -6 -stdin` does.
  const text = new TextDecoder().decode(await new Response(Deno.stdin.readable).arrayBuffer());
  for (const line of text.split("\n")) if (line) console.log(sha512Crypt(line));
} else if (import.meta.main) {
  const n = Number(Deno.args[0] ?? 200);
  const input = passwords(n).join("\n") + "\n";
  const self = [Deno.execPath(), "run", "-A", new URL(import.meta.url).pathname, "--child"];
  const openssl = hasTool("openssl");
  const runs = await interleaved(5, {
    iago: () => measure(self, { input }),
    ...openssl && { openssl: () => measure(["openssl", "passwd", "-6", "-stdin"], { input }) },
  });
  const rss = (r: Run[]) => median(r.map((x) => x.rssMiB)).toFixed(0);
  const [a, b] = [
    median(runs.iago.map((r) => r.seconds)),
    median(runs.openssl?.map((r) => r.seconds) ?? [NaN]),
  ];
  console.log(
    `${n} SHA-512 crypt hashes, one process each side, median of 5 interleaved:\n` +
      `iago:              ${a.toFixed(2)} s, peak RSS ${rss(runs.iago)} MiB\n` +
      (openssl
        ? `openssl passwd -6: ${b.toFixed(2)} s, peak RSS ${rss(runs.openssl)} MiB\n` +
          `ratio: ${(a / b).toFixed(2)}x (target <= 2x)`
        : "openssl: not installed"),
  );
  reportRow({
    work: `${n} SHA-512 crypt hashes, a process each side (median of 5 interleaved)`,
    iago: timing(runs.iago, { cpu: true, rss: true }),
    beside: openssl
      ? `\`openssl passwd -6\`: ${timing(runs.openssl, { cpu: true, rss: true })}; iago ${
        ratio(runs.iago, runs.openssl)
      }`
      : missingTool("openssl", "apt-get install openssl"),
    target: "within 2x, memory flat",
  });
} else {
  Deno.bench("sha512Crypt(), 5000 rounds", () => {
    sha512Crypt("bench password", "benchsaltbenchsa");
  });
}
