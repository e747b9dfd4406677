/**
 * A content-addressed blob directory laid out as in an OCI image layout (`blobs/sha256/<hex>`),
 * so a build's scratch space is already most of an OCI layout. Blobs are written to a temporary
 * file and renamed to their digest once complete.
 */
import { join } from "node:path";
import { DigestCounter, digestHex, sha256Digest } from "./digest.ts";

export interface BlobInfo {
  digest: string;
  size: number;
}

export class BlobStore {
  readonly root: string;

  constructor(root: string) {
    this.root = root;
  }

  /** The file of a blob (which may not exist). */
  path(digest: string): string {
    return join(this.root, "blobs", "sha256", digestHex(digest));
  }

  async has(digest: string): Promise<boolean> {
    try {
      await Deno.stat(this.path(digest));
      return true;
    } catch {
      return false;
    }
  }

  /** Stores bytes held in memory (configs, manifests). */
  async putBytes(bytes: Uint8Array): Promise<BlobInfo> {
    const digest = sha256Digest(bytes);
    await Deno.mkdir(join(this.root, "blobs", "sha256"), { recursive: true });
    const path = this.path(digest);
    if (!(await this.has(digest))) {
      const tmp = `${path}.${crypto.randomUUID().slice(0, 8)}.tmp`;
      await Deno.writeFile(tmp, bytes);
      await Deno.rename(tmp, path);
    }
    return { digest, size: bytes.length };
  }

  /**
   * Stores a blob produced chunk by chunk: `produce` gets a `write` function; the digest is
   * computed while writing. When `expected` is given, a different digest is an error.
   */
  async putStream(
    produce: (write: (chunk: Uint8Array) => void) => Promise<void>,
    expected?: string,
  ): Promise<BlobInfo> {
    await Deno.mkdir(join(this.root, "blobs", "sha256"), { recursive: true });
    const tmp = join(this.root, "blobs", `.${crypto.randomUUID()}.tmp`);
    const file = await Deno.open(tmp, { write: true, createNew: true });
    const counter = new DigestCounter();
    try {
      await produce((chunk) => {
        counter.update(chunk);
        let off = 0;
        while (off < chunk.length) off += file.writeSync(chunk.subarray(off));
      });
    } catch (err) {
      file.close();
      await Deno.remove(tmp).catch(() => {});
      throw err;
    }
    file.close();
    const digest = counter.digest();
    if (expected && digest !== expected) {
      await Deno.remove(tmp).catch(() => {});
      throw new Error(`Blob digest mismatch: expected ${expected}, got ${digest}`);
    }
    await Deno.rename(tmp, this.path(digest));
    return { digest, size: counter.size };
  }

  /** Copies a stream into the store, checking its digest. */
  async putReadable(stream: ReadableStream<Uint8Array>, expected: string): Promise<BlobInfo> {
    return await this.putStream(async (write) => {
      for await (const chunk of stream) write(chunk);
    }, expected);
  }

  /** A fresh readable stream of a stored blob. */
  async open(digest: string): Promise<ReadableStream<Uint8Array>> {
    return (await Deno.open(this.path(digest))).readable;
  }

  async readBytes(digest: string): Promise<Uint8Array> {
    return await Deno.readFile(this.path(digest));
  }
}
