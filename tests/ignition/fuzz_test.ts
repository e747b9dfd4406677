/**
 * Seeded random differential tests: unit files, data URLs and URLs built from the characters
 * their parsers care about, many per config, validated by our code and by the real
 * `ignition-validate`. The seeds are fixed, so a failure is reproducible; the generators reach
 * corners the hand-written probes do not (buffer boundaries of the unit lexer, every state of
 * the data-URL lexer, odd URL authorities).
 */
import assert from "node:assert/strict";
import { formatFinding, parseIgnitionText } from "../../src/ignition/validate.ts";

const VALIDATE = "/usr/bin/ignition-validate";

function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pieces(random: () => number, parts: string[], n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) s += parts[Math.floor(random() * parts.length)];
  return s;
}

async function ignitionValidate(text: string): Promise<string[]> {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/c.ign`, text);
    const out = await new Deno.Command(VALIDATE, { args: [`${dir}/c.ign`], stdout: "piped" })
      .output();
    return new TextDecoder().decode(out.stdout).split("\n").filter((l) => l !== "");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Spec 3.4.0 goes to Ignition 2.14 as 3.4.0-experimental; the version has a line of its own. */
async function assertSame(config: Record<string, unknown>) {
  const text = JSON.stringify(config, null, 1);
  const ours = parseIgnitionText(text).findings.map((f) => formatFinding(f)).sort();
  const theirs = (await ignitionValidate(text.replace('"3.4.0"', '"3.4.0-experimental"'))).sort();
  assert.deepEqual(ours, theirs);
}

const UNIT_PARTS = [
  "[Unit]",
  "[Install]",
  "[Service]",
  "[",
  "]",
  "\n",
  "\n",
  "\r\n",
  "\r",
  "A=b",
  "Name = value ",
  "=",
  "#",
  ";",
  " ",
  "\t",
  "\\",
  "\\\n",
  "x",
  "é",
  "€",
  "garbage",
  "x".repeat(700),
  "y".repeat(1500),
];

for (const seed of [1, 2, 3, 4, 5, 6]) {
  Deno.test(`random unit files validate as in ignition-validate (seed ${seed})`, async () => {
    const random = rng(seed);
    const units = Array.from({ length: 60 }, (_, i) => ({
      name: `u${i}.service`,
      enabled: random() < 0.5,
      contents: pieces(random, UNIT_PARTS, 1 + Math.floor(random() * 40)),
      dropins: [{
        name: "d.conf",
        contents: pieces(random, UNIT_PARTS, Math.floor(random() * 12)),
      }],
    }));
    await assertSame({ ignition: { version: "3.3.0" }, systemd: { units } });
  });
}

const DATA_PARTS = [
  "data:",
  "data:",
  ",",
  ";",
  "base64",
  "text/plain",
  "x-a/b",
  "image/",
  "/",
  "charset=",
  "=",
  '"',
  "\\",
  "%",
  "%2",
  "%41",
  "%zz",
  "YQ",
  "==",
  "Zm9v",
  "a b",
  "#",
  "(",
  "é",
  "+",
];

const URL_PARTS = [
  "http",
  "https:",
  "s3:",
  "gs:",
  "tftp:",
  "arn:",
  "aws:s3:",
  ":",
  "//",
  "/",
  "@",
  "[",
  "::1",
  "]",
  ":80",
  ":x",
  "host",
  "%",
  "%2F",
  "%g",
  "?",
  "versionId=",
  "&",
  "#",
  " ",
  "{",
  "a:b",
  "accesspoint/",
  "\u0001",
];

for (const seed of [11, 12, 13]) {
  Deno.test(`random data URLs validate as in ignition-validate (seed ${seed})`, async () => {
    const random = rng(seed);
    const files = Array.from({ length: 150 }, (_, i) => ({
      path: `/f${i}`,
      contents: {
        source: (random() < 0.8 ? "data:" : "") +
          pieces(random, DATA_PARTS, 1 + Math.floor(random() * 6)),
      },
    }));
    await assertSame({ ignition: { version: "3.3.0" }, storage: { files } });
  });
}

for (
  const [seed, version] of [[21, "3.3.0"], [22, "3.4.0"], [23, "3.4.0"], [24, "3.0.0"]] as const
) {
  Deno.test(`random URLs validate as in ignition-validate (seed ${seed}, ${version})`, async () => {
    const random = rng(seed);
    const source = () => pieces(random, URL_PARTS, 1 + Math.floor(random() * 7));
    const files = Array.from(
      { length: 150 },
      (_, i) => ({ path: `/f${i}`, contents: { source: source() } }),
    );
    const proxy = { httpProxy: source(), httpsProxy: source() };
    const ignition = version === "3.0.0" ? { version } : { version, proxy };
    await assertSame({ ignition, storage: { files } });
  });
}
