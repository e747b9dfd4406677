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

const passwords = (n: number) => Array.from({ length: n }, (_, i) => `bench password ${i}`);

/** Runs `cmd` under /usr/bin/time with `input` on stdin; returns seconds and peak RSS MiB. */
async function measure(cmd: string[], input: string): Promise<[number, number]> {
  const t0 = performance.now();
  const child = new Deno.Command("/usr/bin/time", {
    args: ["-f", "%M", ...cmd],
    stdin: "piped",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const w = child.stdin.getWriter();
  await w.write(new TextEncoder().encode(input));
  await w.close();
  const out = await child.output();
  const seconds = (performance.now() - t0) / 1000;
  const err = new TextDecoder().decode(out.stderr).trim().split("\n");
  if (!out.success) throw new Error(`${cmd[0]} failed: ${err.join("\n")}`);
  return [seconds, Number(err.at(-1)) / 1024];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

if (import.meta.main && Deno.args[0] === "--child") {
  // One hash per stdin line, as `openssl passwd -6 -stdin` does.
  const text = new TextDecoder().decode(await new Response(Deno.stdin.readable).arrayBuffer());
  for (const line of text.split("\n")) if (line) console.log(sha512Crypt(line));
} else if (import.meta.main) {
  const n = Number(Deno.args[0] ?? 200);
  const input = passwords(n).join("\n") + "\n";
  const self = [Deno.execPath(), "run", "-A", new URL(import.meta.url).pathname, "--child"];
  const ours: [number, number][] = [];
  const theirs: [number, number][] = [];
  for (let round = 0; round < 5; round++) {
    ours.push(await measure(self, input));
    theirs.push(await measure(["openssl", "passwd", "-6", "-stdin"], input));
  }
  const [a, b] = [median(ours.map((r) => r[0])), median(theirs.map((r) => r[0]))];
  console.log(
    `${n} SHA-512 crypt hashes, one process each side, median of 5 interleaved:\n` +
      `iago:              ${a.toFixed(2)} s, peak RSS ${
        median(ours.map((r) => r[1])).toFixed(0)
      } MiB\n` +
      `openssl passwd -6: ${b.toFixed(2)} s, peak RSS ${
        median(theirs.map((r) => r[1])).toFixed(0)
      } MiB\n` +
      `ratio: ${(a / b).toFixed(2)}x (target <= 2x)`,
  );
} else {
  Deno.bench("sha512Crypt(), 5000 rounds", () => {
    sha512Crypt("bench password", "benchsaltbenchsa");
  });
}
