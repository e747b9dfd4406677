/**
 * A way to run V8's collector between large pieces of work. Buffers that leave JavaScript's view
 * (file reads, compressed blocks) are freed only when the collector runs, and V8 runs it by the
 * number of JavaScript objects made, not by buffer bytes: a layer build makes few objects and
 * many megabytes of buffers, and its memory would grow by hundreds of MiB before a collection.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

let gc: ((options?: { type: "minor" | "major" }) => void) | undefined;

/** Collects the young generation (where short-lived buffers' owners live): about a millisecond. */
export function collectYoungGarbage(): void {
  if (!gc) {
    setFlagsFromString("--expose-gc");
    gc = runInNewContext("gc");
  }
  gc!({ type: "minor" });
}
