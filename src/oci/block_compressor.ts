/**
 * Compresses independent blocks on every core: the calling thread and a pool of Deno Workers,
 * each thread with one `node:zlib` raw deflate (or zstd) stream that is reset before every
 * block. `node:zlib`'s asynchronous calls run on the calling thread in Deno, so Workers are what
 * gives parallelism. The output of a block depends only on the block and the options, never on
 * which thread compressed it or how many there are.
 *
 * The blocks and their output buffers are `SharedArrayBuffer`s, made once and seen by every
 * thread, and the blocks to compress wait in one queue in shared memory that every thread takes
 * from, oldest first: a worker goes from one block to the next without a message and without
 * waiting for the calling thread, and nothing is copied or transferred. The calling thread
 * fills blocks while one is free; when none is, it takes the oldest waiting block and compresses
 * it itself, so with N cores N - 1 workers and the calling thread keep every core busy, with
 * one worker isolate (15-20 MiB) fewer than a worker per core and none at all on one core. It
 * waits only when every block is being compressed or done but behind one that is not.
 *
 * Nothing is allocated per block: a build makes at most `pairCount(threads)` pairs, reused from
 * block to block. Buffers left for the collector would make memory grow with the layer: V8
 * collects by the number of objects made, and a layer build makes few objects and many
 * megabytes of buffers.
 *
 * The workers' code is inline (a `blob:` module), so the bundle and the compiled binary need no
 * file beside them.
 */
import zlib from "node:zlib";

export type BlockFormat = "deflate-raw" | "zstd";

/** The `node:zlib` stream options (level, params), the same on every thread. */
export type BlockOptions = Record<string, unknown>;

/**
 * Where things are in the shared control words: how many blocks were ever queued and taken,
 * a stop flag and the number of pairs, then for each pair its state, the length of its block
 * and of its output, then the queue (pair numbers, a ring as long as there are pairs). A pair
 * is open while it is filled and queued, done once compressed, or failed (its output buffer
 * holds the error's text). Passed to the workers as data: the functions they share with this
 * thread read nothing of the module around them (the bundle renames module names).
 */
const WORDS = {
  queued: 0,
  taken: 1,
  stop: 2,
  pairCount: 3,
  pairs: 4,
  open: 0,
  done: 1,
  failed: 2,
} as const;

/** The memory every thread sees: the control words, the blocks and their output buffers. */
interface Shared {
  control: Int32Array<SharedArrayBuffer>;
  blocks: Uint8Array<SharedArrayBuffer>[];
  outs: Uint8Array<SharedArrayBuffer>[];
  words: typeof WORDS;
}

// One stream per thread, reset before each block (as a fresh stream: the blocks stay
// independent). It writes into the given buffer through the stream's handle, as Node's own
// zlibBufferSync does; a runtime without that handle gets the same bytes from the one-shot call.
// The worker runs the same function, from its source text.
function openCodec(z: typeof zlib, format: BlockFormat, options: BlockOptions) {
  const zstd = format === "zstd";
  // deno-lint-ignore no-explicit-any
  const stream: any = zstd ? z.createZstdCompress(options) : z.createDeflateRaw(options);
  const flush = zstd ? z.constants.ZSTD_e_end : z.constants.Z_SYNC_FLUSH;
  const direct = typeof stream._handle?.writeSync === "function" && stream._writeState;
  return (block: Uint8Array, out: Uint8Array): number => {
    if (!direct) {
      const bytes = zstd
        ? z.zstdCompressSync(block, { ...options, chunkSize: out.length })
        : z.deflateRawSync(block, { ...options, finishFlush: flush, chunkSize: out.length });
      out.set(bytes);
      return bytes.length;
    }
    stream.reset();
    stream._handle.writeSync(flush, block, 0, block.length, out, 0, out.length);
    const [availOut, availIn] = stream._writeState;
    if (availIn !== 0 || availOut === 0) throw new Error("the output buffer is too small");
    return out.length - availOut;
  };
}

// Takes the oldest queued block, if any, and compresses it: true when it did. This thread and
// the workers (from its source text) share it.
function takeBlock(
  shared: Shared,
  compress: (block: Uint8Array, out: Uint8Array) => number,
): boolean {
  const { control, blocks, outs, words } = shared;
  const pairs = control[words.pairCount];
  let taken = Atomics.load(control, words.taken);
  while (taken < Atomics.load(control, words.queued)) {
    if (Atomics.compareExchange(control, words.taken, taken, taken + 1) === taken) {
      const p = Atomics.load(control, words.pairs + 3 * pairs + (taken % pairs));
      const at = words.pairs + 3 * p;
      try {
        Atomics.store(control, at + 2, compress(blocks[p].subarray(0, control[at + 1]), outs[p]));
        Atomics.store(control, at, words.done);
      } catch (err) {
        const text = new TextEncoder().encode(String(err)).subarray(0, outs[p].length);
        outs[p].set(text);
        Atomics.store(control, at + 2, text.length);
        Atomics.store(control, at, words.failed);
      }
      Atomics.notify(control, at);
      return true;
    }
    taken = Atomics.load(control, words.taken);
  }
  return false;
}

// (A dynamic import: the bundler makes static Node imports lazy, text in strings included.)
// A worker sleeps on the count of queued blocks between blocks and never returns to its event
// loop: everything it needs is in shared memory.
const WORKER_CODE = `
const z = (await import("node:zlib")).default;
const openCodec = ${openCodec.toString()};
const takeBlock = ${takeBlock.toString()};
self.onmessage = ({ data: { format, options, shared } }) => {
  const compress = openCodec(z, format, options);
  const { control, words } = shared;
  while (Atomics.load(control, words.stop) === 0) {
    const queued = Atomics.load(control, words.queued);
    if (!takeBlock(shared, compress)) Atomics.wait(control, words.queued, queued);
  }
};
`;

let workerUrl: string | undefined;

/** How many threads compress by default: one per core, the calling thread among them. */
export function defaultThreads(): number {
  return Math.max(1, navigator.hardwareConcurrency || 1);
}

/**
 * Output room for a block of `size` in the worst case: incompressible bytes grow by 5 bytes per
 * 16 KiB stored block in deflate and by 1/256 in zstd, plus headers.
 */
export function room(size: number): number {
  return size + (size >> 7) + 4096;
}

/**
 * Block pairs in flight with `threads` threads: per worker one compressing and one queued,
 * one compressing here, one being filled, one done behind a slower one. One thread needs one.
 */
export function pairCount(threads: number): number {
  return threads <= 1 ? 1 : 2 * (threads - 1) + 3;
}

/**
 * Compresses the blocks it hands out, on this thread and `threads - 1` workers, and passes the
 * output to `sink` in the order the blocks were queued: `block()` gives a block to fill,
 * `queue(length)` queues it, `finish()` waits for the rest; `close()` ends the workers.
 */
export class BlockCompressor {
  readonly #format: BlockFormat;
  readonly #options: BlockOptions;
  readonly #blockSize: number;
  readonly #workerCount: number;
  readonly #sink: (chunk: Uint8Array) => void;
  /** The pairs made so far (up to `pairCount(threads)`, all of them once workers run). */
  readonly #shared: Shared;
  readonly #free: number[] = [];
  /** Pairs queued and not yet passed to the sink, oldest first. */
  readonly #order: number[] = [];
  readonly #workers: Worker[] = [];
  #filling: number | undefined;
  #here: ((block: Uint8Array, out: Uint8Array) => number) | undefined;
  /** Why compression cannot go on (a worker failed, or closed): later calls fail with it. */
  #stopped: Error | undefined;

  constructor(
    format: BlockFormat,
    options: BlockOptions,
    blockSize: number,
    threads: number,
    sink: (chunk: Uint8Array) => void,
  ) {
    this.#format = format;
    this.#options = options;
    this.#blockSize = blockSize;
    this.#workerCount = Math.max(1, threads) - 1;
    this.#sink = sink;
    const pairs = pairCount(threads);
    const control = new Int32Array(new SharedArrayBuffer(4 * (WORDS.pairs + 4 * pairs)));
    control[WORDS.pairCount] = pairs;
    this.#shared = { control, blocks: [], outs: [], words: WORDS };
  }

  /** A block to fill (then `queue`); waits while every block is in flight. */
  async block(): Promise<Uint8Array> {
    while (true) {
      this.#pass();
      const free = this.#free.pop() ?? this.#newPair();
      if (free !== undefined) {
        this.#filling = free;
        return this.#shared.blocks[free];
      }
      if (!this.#takeHere()) await this.#waitForOldest();
    }
  }

  /**
   * Queues the block `block()` gave, filled with `length` bytes, for any thread to compress.
   * The workers start with the first full block: a layer of one short block starts none.
   */
  queue(length: number): void {
    const p = this.#filling!;
    this.#filling = undefined;
    const { control } = this.#shared;
    const pairs = control[WORDS.pairCount];
    control[WORDS.pairs + 3 * p] = WORDS.open;
    control[WORDS.pairs + 3 * p + 1] = length;
    const queued = control[WORDS.queued];
    control[WORDS.pairs + 3 * pairs + (queued % pairs)] = p;
    // (Atomics publish the writes above to the thread that reads this.)
    Atomics.store(control, WORDS.queued, queued + 1);
    this.#order.push(p);
    if (length === this.#blockSize && this.#workers.length < this.#workerCount) this.#start();
    if (this.#workers.length > 0) Atomics.notify(control, WORDS.queued, 1);
  }

  /** Compresses what is queued and passes every output to the sink. */
  async finish(): Promise<void> {
    while (true) {
      this.#pass();
      if (this.#order.length === 0) return;
      if (!this.#takeHere()) await this.#waitForOldest();
    }
  }

  /** Ends the workers. */
  close(): void {
    this.#stop(new Error("Compression was stopped"));
  }

  #newPair(): number | undefined {
    const { control, blocks, outs } = this.#shared;
    if (blocks.length === control[WORDS.pairCount]) return undefined;
    blocks.push(new Uint8Array(new SharedArrayBuffer(this.#blockSize)));
    outs.push(new Uint8Array(new SharedArrayBuffer(room(this.#blockSize))));
    return blocks.length - 1;
  }

  /** Passes the outputs of the oldest blocks, as far as they are done, to the sink. */
  #pass(): void {
    if (this.#stopped) throw this.#stopped;
    const { control, outs } = this.#shared;
    while (this.#order.length > 0) {
      const p = this.#order[0];
      const state = Atomics.load(control, WORDS.pairs + 3 * p);
      if (state === WORDS.open) return;
      const length = control[WORDS.pairs + 3 * p + 2];
      if (state === WORDS.failed) {
        const why = new TextDecoder().decode(outs[p].slice(0, length));
        this.#stop(new Error(`Cannot compress a layer block: ${why}`));
        throw this.#stopped;
      }
      this.#order.shift();
      this.#sink(outs[p].subarray(0, length));
      this.#free.push(p);
    }
  }

  /** Compresses the oldest queued block here, if one is waiting; true when it did. */
  #takeHere(): boolean {
    this.#here ??= openCodec(zlib, this.#format, this.#options);
    return takeBlock(this.#shared, this.#here);
  }

  /** Waits until the oldest block in flight is done (or a worker failed). */
  async #waitForOldest(): Promise<void> {
    const at = WORDS.pairs + 3 * this.#order[0];
    const wait = Atomics.waitAsync(this.#shared.control, at, WORDS.open);
    if (wait.async) await wait.value;
  }

  #stop(why: Error): void {
    this.#stopped ??= why;
    const { control, blocks } = this.#shared;
    Atomics.store(control, WORDS.stop, 1);
    Atomics.notify(control, WORDS.queued);
    for (const worker of this.#workers) worker.terminate();
    this.#workers.length = 0;
    // Wakes a wait for a block that a terminated worker will never finish.
    for (let p = 0; p < blocks.length; p++) Atomics.notify(control, WORDS.pairs + 3 * p);
  }

  #start(): void {
    workerUrl ??= URL.createObjectURL(new Blob([WORKER_CODE], { type: "text/javascript" }));
    // Every pair exists before the workers see the list of them.
    for (let p = this.#newPair(); p !== undefined; p = this.#newPair()) this.#free.push(p);
    while (this.#workers.length < this.#workerCount) {
      const worker = new Worker(workerUrl, { type: "module" });
      worker.onerror = (e) => {
        e.preventDefault();
        this.#stop(new Error(`Cannot compress a layer block: ${e.message}`));
      };
      const { format, options } = { format: this.#format, options: this.#options };
      worker.postMessage({ format, options, shared: this.#shared });
      this.#workers.push(worker);
    }
  }
}
