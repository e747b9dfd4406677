/**
 * Compresses independent blocks on every core: a pool of Deno Workers, each running
 * `node:zlib`'s synchronous raw deflate (or zstd) on the blocks it is sent. `node:zlib`'s
 * asynchronous calls run on the calling thread in Deno, so Workers are what gives parallelism.
 * The output of a block depends only on the block and the settings, never on which worker
 * compressed it or how many there are.
 *
 * The workers' code is inline (a `blob:` module), so the bundle and the compiled binary need no
 * file beside them.
 */

export type BlockFormat = "deflate-raw" | "zstd";

// The worker allocates one output buffer per block (room for the worst case, so zlib writes
// no second chunk) and hands it over with the input block: nothing is left behind in the worker
// for its collector, which rarely runs in an isolate that makes so few objects.
// (A dynamic import: the bundler makes static Node imports lazy, text in strings included.)
const WORKER_CODE = `
const { constants, deflateRawSync, zstdCompressSync } = await import("node:zlib");
self.onmessage = ({ data }) => {
  const { id, format, level, block } = data;
  try {
    const chunkSize = block.length + (block.length >> 3) + 65536;
    const out = format === "zstd"
      ? zstdCompressSync(block, {
        chunkSize,
        params: { [constants.ZSTD_c_compressionLevel]: level, [constants.ZSTD_c_checksumFlag]: 1 },
      })
      : deflateRawSync(block, { level, chunkSize, finishFlush: constants.Z_SYNC_FLUSH });
    const own = out.byteLength > 4096 ? out : new Uint8Array(out);
    self.postMessage(
      { id, buffer: own.buffer, offset: own.byteOffset, length: own.byteLength, block },
      [own.buffer, block.buffer],
    );
  } catch (err) {
    self.postMessage({ id, error: String(err) });
  }
};
`;

let workerUrl: string | undefined;

export interface Compressed {
  bytes: Uint8Array;
  /** The input block, back from the worker for reuse. */
  block: Uint8Array<ArrayBuffer>;
}

/** How many workers a compressor starts by default: one per core. */
export function defaultWorkers(): number {
  return Math.max(1, navigator.hardwareConcurrency || 1);
}

/** A pool of workers compressing blocks; `close()` ends them. */
export class BlockCompressor {
  readonly #format: BlockFormat;
  readonly #level: number;
  readonly #size: number;
  readonly #workers: Worker[] = [];
  readonly #idle: Worker[] = [];
  readonly #waiting: (() => void)[] = [];
  readonly #pending = new Map<
    number,
    { resolve: (r: Compressed) => void; reject: (e: Error) => void }
  >();
  #next = 0;

  constructor(format: BlockFormat, level: number, workers = defaultWorkers()) {
    this.#format = format;
    this.#level = level;
    this.#size = workers;
  }

  /**
   * The compressed bytes of `block`, and `block` itself back (it is transferred to a worker
   * meanwhile: do not touch it until then).
   */
  async compress(block: Uint8Array<ArrayBuffer>): Promise<Compressed> {
    const worker = await this.#take();
    const id = this.#next++;
    try {
      return await new Promise<Compressed>((resolve, reject) => {
        this.#pending.set(id, { resolve, reject });
        worker.postMessage({ id, format: this.#format, level: this.#level, block }, [
          block.buffer,
        ]);
      });
    } finally {
      this.#pending.delete(id);
      this.#give(worker);
    }
  }

  /** Ends the workers (pending blocks fail). */
  close(): void {
    for (const w of this.#workers) w.terminate();
    for (const p of this.#pending.values()) p.reject(new Error("Compression was stopped"));
    this.#workers.length = 0;
    this.#idle.length = 0;
  }

  async #take(): Promise<Worker> {
    for (;;) {
      const idle = this.#idle.pop();
      if (idle) return idle;
      if (this.#workers.length < this.#size) return this.#start();
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }
  }

  #give(worker: Worker): void {
    if (!this.#workers.includes(worker)) return;
    this.#idle.push(worker);
    this.#waiting.shift()?.();
  }

  #start(): Worker {
    workerUrl ??= URL.createObjectURL(new Blob([WORKER_CODE], { type: "text/javascript" }));
    const worker = new Worker(workerUrl, { type: "module" });
    worker.onmessage = ({ data }) => {
      const p = this.#pending.get(data.id);
      if (!p) return;
      if (data.error) p.reject(new Error(`Cannot compress a layer block: ${data.error}`));
      else {
        p.resolve({
          bytes: new Uint8Array(data.buffer, data.offset, data.length),
          block: data.block,
        });
      }
    };
    worker.onerror = (e) => {
      e.preventDefault();
      for (const p of this.#pending.values()) {
        p.reject(new Error(`Cannot compress a layer block: ${e.message}`));
      }
    };
    this.#workers.push(worker);
    return worker;
  }
}
