/**
 * Inputs for the deflate port's test, generated (the same bytes every time) rather than stored:
 * text, a 150 KB mix that takes several blocks and window shifts, and long runs.
 */

function rng(seed: number): () => number {
  return () => {
    seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
}

const WORDS = [
  "[Unit]\n",
  "Description=",
  "ExecStart=/usr/bin/podman run ",
  "--rm ",
  "\n",
  " ",
  "WantedBy=multi-user.target\n",
  "0644",
  "core",
  "ssh-ed25519 ",
  "AAAAC3Nza",
  "=",
  "#!/bin/bash\n",
];

export const GOFLATE_INPUTS: Record<string, () => Uint8Array> = {
  "text-2k": () => words(2_000, 1),
  "text-150k-blocks": () => {
    const r = rng(7);
    const out = new Uint8Array(150_000);
    for (let i = 0; i < out.length; i++) {
      out[i] = i > 300 && r() < 0.85 ? out[i - 1 - Math.floor(r() * 300)] : Math.floor(r() * 256);
    }
    return out;
  },
  "runs-70k": () => Uint8Array.from({ length: 70_000 }, (_, i) => (i >> 9) % 3),
  "words-40k": () => words(40_000, 11),
};

function words(n: number, seed: number): Uint8Array {
  const r = rng(seed);
  let s = "";
  while (s.length < n) s += WORDS[Math.floor(r() * WORDS.length)];
  return new TextEncoder().encode(s.slice(0, n));
}
