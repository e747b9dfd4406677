import assert from "node:assert/strict";
import { gunzipSync, inflateRawSync, zstdDecompressSync } from "node:zlib";
import { sha256Digest } from "../../src/oci/digest.ts";
import { GZIP_BLOCK, gzipTo, type ParallelOptions } from "../../src/oci/gzip.ts";
import { ZSTD_BLOCK, zstdTo } from "../../src/oci/zstd.ts";

/** Compressible but not trivial bytes: words with a counter, some random runs. */
function sample(size: number): Uint8Array {
  const out = new Uint8Array(size);
  const text = new TextEncoder().encode("layer block deflate gzip member ");
  for (let i = 0; i < size; i++) out[i] = text[i % text.length] ^ (i % 4099 === 0 ? i & 0x7f : 0);
  crypto.getRandomValues(out.subarray(Math.floor(size / 3), Math.floor(size / 3) + 65536));
  return out;
}

/** `data` in chunks of uneven sizes, as a tar stream arrives. */
async function* chunks(data: Uint8Array): AsyncGenerator<Uint8Array> {
  const sizes = [1, 511, 4096, 262_144, 100_000, 1_500_000];
  for (let at = 0, i = 0; at < data.length; i++) {
    const n = sizes[i % sizes.length];
    yield data.slice(at, at + n);
    at += n;
  }
}

async function gzip(data: Uint8Array, threads?: number, to = gzipTo): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  const seen: number[] = [];
  const options: ParallelOptions = { threads };
  await to(chunks(data), (c) => parts.push(c.slice()), (c) => seen.push(c.length), options);
  assert.equal(seen.reduce((a, b) => a + b, 0), data.length, "onInput sees every byte");
  return await new Blob(parts as BlobPart[]).bytes();
}

const SIZES = [0, 1, GZIP_BLOCK - 1, GZIP_BLOCK, GZIP_BLOCK + 1, Math.floor(3.5 * GZIP_BLOCK)];

Deno.test("gzipTo() gives one gzip member that gunzip and gzip -t read back, at every block boundary", async () => {
  for (const size of SIZES) {
    const data = sample(size);
    const gz = await gzip(data);
    assert.deepEqual([...gz.subarray(0, 10)], [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);
    assert.deepEqual(new Uint8Array(gunzipSync(gz)), data, `${size} bytes`);
    // One member: the deflate stream alone ends where the 8-byte trailer begins.
    assert.deepEqual(new Uint8Array(inflateRawSync(gz.subarray(10, gz.length - 8))), data);
    const t = new Deno.Command("gzip", { args: ["-t"], stdin: "piped", stderr: "piped" }).spawn();
    const w = t.stdin.getWriter();
    await w.write(gz);
    await w.close();
    const out = await t.output();
    assert.ok(out.success, `gzip -t of ${size} bytes: ${new TextDecoder().decode(out.stderr)}`);
  }
});

Deno.test("gzipTo() and zstdTo() give the same bytes on 1, 2, 4 or 5 threads", async () => {
  // 1 thread: every block here; more: workers and this thread, in whatever order they finish.
  const data = sample(Math.floor(9.2 * GZIP_BLOCK));
  const one = await gzip(data, 1);
  for (const threads of [2, 4, 5]) assert.deepEqual(await gzip(data, threads), one);
  const zstd = sample(Math.floor(4.5 * ZSTD_BLOCK));
  const zstdOne = await gzip(zstd, 1, zstdTo);
  for (const threads of [2, 4]) assert.deepEqual(await gzip(zstd, threads, zstdTo), zstdOne);
});

Deno.test("gzipTo() and zstdTo() give the bytes they always gave: every layer digest depends on them", async () => {
  // A deterministic input (xorshift runs inside repeated text) over several blocks. A change
  // here changes the digest of every layer ever built: bump the format in gzip.ts/zstd.ts too.
  const data = new Uint8Array(Math.floor(4.2 * GZIP_BLOCK));
  const text = new TextEncoder().encode("layer block deflate gzip member ");
  for (let i = 0; i < data.length; i++) data[i] = text[i % text.length] ^ (i % 4099 ? 0 : i & 0x7f);
  for (let i = data.length / 3 | 0, x = 12345; i < (data.length / 3 | 0) + 65536; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    data[i] = x & 0xff;
  }
  const once = async function* () {
    yield data;
  };
  for (const threads of [1, 2]) {
    for (
      const [to, digest] of [
        [gzipTo, "sha256:8463722eb4206785e149bf4a61a5b586f764bc603eee2a3a55f86eb87482c330"],
        [zstdTo, "sha256:83f53509f24135b50c0dc2370a52e931166d34bfddc8b2fe941087128de5c878"],
      ] as const
    ) {
      const parts: Uint8Array[] = [];
      await to(once(), (c) => parts.push(c.slice()), undefined, { threads });
      assert.equal(sha256Digest(await new Blob(parts as BlobPart[]).bytes()), digest);
    }
  }
});

Deno.test("gzipTo() and zstdTo() fit incompressible blocks (the worst case) in their output buffers", async () => {
  const data = new Uint8Array(Math.floor(2.5 * ZSTD_BLOCK));
  for (let at = 0; at < data.length; at += 65536) {
    crypto.getRandomValues(data.subarray(at, at + 65536));
  }
  for (const threads of [1, 2]) {
    assert.deepEqual(new Uint8Array(gunzipSync(await gzip(data, threads))), data);
    assert.deepEqual(new Uint8Array(zstdDecompressSync(await gzip(data, threads, zstdTo))), data);
  }
});

Deno.test("gzipTo() passes on a failing source and leaves no worker running", async () => {
  async function* failing(): AsyncGenerator<Uint8Array> {
    yield sample(3 * GZIP_BLOCK);
    throw new Error("disk gone");
  }
  await assert.rejects(gzipTo(failing(), () => {}), /disk gone/);
});
