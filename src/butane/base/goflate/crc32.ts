/**
 * CRC-32 (IEEE), the checksum of the gzip trailer, as Go's hash/crc32 computes it. Here rather
 * than node:zlib's: loading node:zlib sets up Deno's Node layer and streams, more time than
 * `iago butane` spends on a whole config.
 */

let table: Uint32Array | undefined;

/** The CRC-32 of `bytes`. */
export function crc32(bytes: Uint8Array): number {
  table ??= makeTable();
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = table[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function makeTable(): Uint32Array {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
}
