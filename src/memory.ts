/**
 * A way to run V8's collector between large pieces of work. Buffers that leave JavaScript's view
 * (file reads, compressed blocks) are freed only when the collector runs, and V8 runs it by the
 * number of JavaScript objects made, not by buffer bytes: a layer build makes few objects and
 * many megabytes of buffers, and its memory would grow by hundreds of MiB before a collection.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

type Collector = (options: { type: "minor" | "major"; flavor?: "last-resort" }) => void;

let fallback: Collector | undefined;

/** Collects the young generation (where short-lived buffers' owners live): about a millisecond. */
export function collectYoungGarbage(): void {
  collector()({ type: "minor" });
}

/**
 * Collects everything and gives back what it can: full collections that compact every page,
 * until one frees nothing (two, with iago's small live heap: some 40 CPU-ms). One plain full
 * collection takes half that, but `ignite --all` of 1000 machines then peaks ~7 MiB higher
 * (bench/ignite_bench.ts) for ~0.4 CPU-s less.
 */
export function collectAllGarbage(): void {
  collector()({ type: "major", flavor: "last-resort" });
}

/**
 * V8's own `gc()`, there when the process starts with `--v8-flags=--expose-gc` (iago's launch
 * flags, scripts/permissions.ts): it does what it is asked. Started without it (`deno test`,
 * `deno run -A main.ts`), the `gc()` a new context gets once the flag is set at run time is
 * Deno's, which ignores its argument and sends V8 a low-memory notification: what
 * {@link collectAllGarbage} asks for, over ten times the CPU time of a scavenge.
 */
function collector(): Collector {
  const exposed = (globalThis as { gc?: Collector }).gc;
  if (exposed) return exposed;
  if (!fallback) {
    setFlagsFromString("--expose-gc");
    fallback = runInNewContext("gc") as Collector;
  }
  return fallback;
}

/**
 * `stream` as it is, with the young generation collected after every `every` bytes: for uploads,
 * whose chunks are dropped as soon as they are sent.
 */
export function collectingGarbage(
  stream: ReadableStream<Uint8Array>,
  every = 16 * 2 ** 20,
): ReadableStream<Uint8Array> {
  let since = 0;
  return stream.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        controller.enqueue(chunk);
        since += chunk.length;
        if (since >= every) {
          since = 0;
          collectYoungGarbage();
        }
      },
    }),
  );
}
