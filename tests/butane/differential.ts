/**
 * The differential check of `iago butane` against butane itself: every real-world config of
 * tests/fixtures/butane-corpus/ is mutated (tests/butane/mutate.ts), each mutant goes through
 * the butane binary and through iago's translator in-process, and every difference in stdout,
 * stderr or exit code is listed, grouped by the first line that differs. Not a test (it needs
 * the butane binary and takes minutes): run it by hand.
 *
 *   deno run -A tests/butane/differential.ts [--butane PATH] [--per-kind N] [--seed N]
 *     [--kind KIND] [--sample N] [--iago COMMAND] [--modes normal,strict,...] [--jobs N]
 *     [--out DIR] [--save ID[=NAME]]...
 *
 * `--iago COMMAND` runs each mutant through that command instead (words split at spaces, then
 * `butane`, the flags and the mutant on stdin, from the corpus directory as butane is): the
 * release bundle, e.g. `--iago "deno run --quiet -A /tmp/x/iago.js"` with dist/iago.js copied out
 * of the repo, whose code scripts/release.ts and scripts/eager.ts rewrote, and whose CLI, lean
 * entry and unpacking of the translator the in-process check never runs. A process per run costs
 * some 0.2 CPU-s: `--sample N` compares every (count / N)th mutant (their ids unchanged).
 *
 * `--modes` lists the butane flags each mutant is compared under (default `normal`): `normal`,
 * `strict`, `pretty`, and for openshift mutants also `raw`, `rawPretty`, `rawStrict`.
 *
 * butane's results are cached by input under `--out` (default /tmp/iago-butane-diff), so a
 * second run after a fix costs only iago's side. Each differing mutant is written there as
 * `ID.bu`, `ID.want` and `ID.got`. `--save ID[=NAME]` checks mutant ID in as a regression
 * fixture in tests/fixtures/butane-mutants/ (butane's outputs in every mode, as the corpus has
 * them), named KIND-ID unless NAME is given. `--save-file FILE=NAME:SOURCE:KIND` does the same
 * for a hand-made variant FILE of corpus config SOURCE.
 */
import { parseArgs } from "node:util";
import { type ButaneOutput, butaneOutput, translateButaneTextSync } from "../../src/butane/mod.ts";
import { type Mutant, mutate } from "./mutate.ts";

const CORPUS = new URL("../fixtures/butane-corpus/", import.meta.url).pathname;
const MUTANTS = new URL("../fixtures/butane-mutants/", import.meta.url).pathname;

const { values: flags } = parseArgs({
  args: Deno.args,
  options: {
    butane: { type: "string", default: "/tmp/butane-oracle/butane" },
    "per-kind": { type: "string", default: "2" },
    seed: { type: "string", default: "1" },
    kind: { type: "string" },
    sample: { type: "string" },
    iago: { type: "string" },
    modes: { type: "string", default: "normal" },
    jobs: { type: "string", default: "2" },
    out: { type: "string", default: "/tmp/iago-butane-diff" },
    save: { type: "string", multiple: true },
    "save-file": { type: "string", multiple: true },
  },
  allowPositionals: true,
});

const MODE_ARGS = {
  normal: [],
  strict: ["--strict"],
  pretty: ["--pretty"],
  raw: ["--raw"],
  rawPretty: ["--raw", "--pretty"],
  rawStrict: ["--raw", "--strict"],
} as const;
type Mode = keyof typeof MODE_ARGS;
const RAW_MODES: Mode[] = ["raw", "rawPretty", "rawStrict"];

const latin1 = new TextDecoder("latin1");
const isOpenshift = (m: Mutant) => /^variant: *openshift\s*$/m.test(latin1.decode(m.bytes));

/** The modes `m` is compared in: raw ones only for openshift, where `--raw` changes the output. */
function modesOf(m: Mutant, modes: Mode[]): Mode[] {
  return isOpenshift(m) ? modes : modes.filter((mode) => !RAW_MODES.includes(mode));
}

function isDir(path: string): boolean {
  try {
    return Deno.statSync(path).isDirectory;
  } catch {
    return false;
  }
}

async function sha256(bytes: Uint8Array, extra: string): Promise<string> {
  const data = new Uint8Array([...new TextEncoder().encode(extra + "\0"), ...bytes]);
  const digest = await crypto.subtle.digest("SHA-256", data);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The `-d` of mutant `m`, relative to the corpus: its own, or its source's when it has one. */
function filesDirOf(m: Mutant): string | undefined {
  if (m.filesDir !== undefined) return m.filesDir ?? undefined;
  return isDir(`${CORPUS}${m.source}.d`) ? `${m.source}.d` : undefined;
}

/** butane's stdout, stderr and exit code for `bytes`, run as the corpus fixtures were. */
async function oracle(m: Mutant, mode: Mode): Promise<ButaneOutput> {
  const dir = filesDirOf(m);
  const args = [...MODE_ARGS[mode], ...(dir === undefined ? [] : ["-d", dir])];
  const cacheFile = `${flags.out}/cache/${await sha256(m.bytes, args.join(" "))}.json`;
  try {
    return JSON.parse(Deno.readTextFileSync(cacheFile));
  } catch {
    // not run yet
  }
  const result = await runOnMutant(flags.butane!, args, m);
  Deno.writeTextFileSync(cacheFile, JSON.stringify(result));
  return result;
}

/** iago's output for the same input, as `iago butane` gives it. */
function iago(m: Mutant, mode: Mode): ButaneOutput | Promise<ButaneOutput> {
  const dir = filesDirOf(m);
  if (flags.iago !== undefined) return iagoCommand(m, mode, dir);
  try {
    return butaneOutput(translateButaneTextSync(m.bytes, {
      strict: mode === "strict" || mode === "rawStrict",
      pretty: mode === "pretty" || mode === "rawPretty",
      raw: RAW_MODES.includes(mode),
      filesDir: dir && CORPUS + dir,
      filesDirShown: dir,
    }));
  } catch (err) {
    return { stdout: "", stderr: `iago threw: ${(err as Error).stack}\n`, exitCode: -1 };
  }
}

/** The output of `--iago COMMAND butane ...` for mutant `m`, run as {@link oracle} runs butane. */
async function iagoCommand(m: Mutant, mode: Mode, dir: string | undefined): Promise<ButaneOutput> {
  const [command, ...words] = flags.iago!.split(" ").filter((w) => w !== "");
  const args = [...words, "butane", ...MODE_ARGS[mode], ...(dir === undefined ? [] : ["-d", dir])];
  return await runOnMutant(command, args, m);
}

/** The output of `command` with `args`, run in the corpus directory with mutant `m` on stdin. */
async function runOnMutant(command: string, args: string[], m: Mutant): Promise<ButaneOutput> {
  const child = new Deno.Command(command, {
    args,
    cwd: CORPUS,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(m.bytes).catch(() => {});
  await writer.close().catch(() => {});
  const out = await child.output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { stdout: decode(out.stdout), stderr: decode(out.stderr), exitCode: out.code };
}

/** The first differing line, numbers and quoted text blanked, to group differences by. */
function signature(want: ButaneOutput, got: ButaneOutput): string {
  const blank = (s: string) =>
    s.replace(/`[^`]*`|"[^"]*"|'[^']*'/g, "Q").replace(/\d+/g, "N").replace(/\$\.[\w.]+/g, "$P");
  if (got.exitCode === -1) return "iago threw: " + blank(got.stderr.split("\n")[1] ?? "");
  const w = want.stderr.split("\n");
  const g = got.stderr.split("\n");
  for (let i = 0; i < Math.max(w.length, g.length); i++) {
    if (w[i] !== g[i]) {
      return `stderr: want ${blank(w[i] ?? "(none)")} | got ${blank(g[i] ?? "(none)")}`;
    }
  }
  if (want.exitCode !== got.exitCode) return `exit ${want.exitCode} vs ${got.exitCode}`;
  return "stdout differs";
}

const sortedLines = (s: string) => s.split("\n").sort().join("\n");

function loadCorpus(): { name: string; text: string }[] {
  return [...Deno.readDirSync(CORPUS)]
    .filter((e) => e.name.endsWith(".bu"))
    .map((e) => e.name.slice(0, -3))
    .sort()
    .map((name) => ({ name, text: Deno.readTextFileSync(`${CORPUS}${name}.bu`) }));
}

/** The files and directories under `dir`, relative to it. */
function listFiles(dir: string, prefix = ""): string[] {
  if (!isDir(dir)) return [];
  return [...Deno.readDirSync(dir)].sort((a, b) => a.name.localeCompare(b.name)).flatMap((e) => [
    prefix + e.name,
    ...(e.isDirectory ? listFiles(`${dir}/${e.name}`, `${prefix}${e.name}/`) : []),
  ]);
}

function mutants(): Mutant[] {
  const all = loadCorpus().flatMap((c) =>
    mutate(
      c.name,
      c.text,
      Number(flags["per-kind"]),
      Number(flags.seed),
      listFiles(`${CORPUS}${c.name}.d`),
    )
  );
  return flags.kind ? all.filter((m) => m.kind === flags.kind) : all;
}

async function pool<T>(items: T[], jobs: number, work: (item: T, i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: jobs }, async () => {
      while (next < items.length) {
        const i = next++;
        await work(items[i], i);
      }
    }),
  );
}

/** Writes mutant `id` with butane's outputs in every mode as fixture NAME. */
async function save(all: Mutant[], id: number, given: string): Promise<void> {
  const m = all[id];
  await saveMutant(m, given === "-" ? `${m.kind}-${id}` : given);
}

async function saveMutant(m: Mutant, name: string): Promise<void> {
  const expected: Record<string, { code: number; stdout: string; stderr: string }> = {};
  for (const mode of modesOf(m, ["normal", "strict", "pretty", ...RAW_MODES])) {
    const o = await oracle(m, mode);
    expected[mode] = { code: o.exitCode, stdout: o.stdout, stderr: o.stderr };
  }
  Deno.mkdirSync(MUTANTS, { recursive: true });
  Deno.writeFileSync(`${MUTANTS}${name}.bu`, m.bytes);
  Deno.writeTextFileSync(
    `${MUTANTS}${name}.expected.json`,
    JSON.stringify(expected, null, 1) + "\n",
  );
  const manifestFile = `${MUTANTS}manifest.json`;
  let manifest: { name: string; from: string; kind: string; filesDir?: string | null }[] = [];
  try {
    manifest = JSON.parse(Deno.readTextFileSync(manifestFile));
  } catch {
    manifest = [];
  }
  manifest = manifest.filter((e) => e.name !== name);
  manifest.push(
    m.filesDir === undefined
      ? { name, from: m.source, kind: m.kind }
      : { name, from: m.source, kind: m.kind, filesDir: m.filesDir },
  );
  manifest.sort((a, b) => a.name.localeCompare(b.name));
  Deno.writeTextFileSync(manifestFile, JSON.stringify(manifest, null, 1) + "\n");
  console.log(`saved ${name} (${m.kind} of ${m.source})`);
}

async function main(): Promise<void> {
  Deno.mkdirSync(`${flags.out}/cache`, { recursive: true });
  const all = mutants();
  for (const spec of flags["save-file"] ?? []) {
    const [file, rest] = spec.split("=");
    const [name, source, kind] = rest.split(":");
    await saveMutant({ kind, source, bytes: Deno.readFileSync(file) }, name);
  }
  if (flags["save-file"] && !flags.save) return;
  if (flags.save) {
    for (const spec of flags.save) {
      const [id, name] = spec.split("=");
      await save(all, Number(id), name ?? "-");
    }
    return;
  }
  for (const e of Deno.readDirSync(flags.out!)) {
    if (e.isFile) Deno.removeSync(`${flags.out}/${e.name}`);
  }
  const modes = flags.modes!.split(",") as Mode[];
  for (const mode of modes) if (!(mode in MODE_ARGS)) throw new Error(`unknown mode ${mode}`);
  const groups = new Map<string, number[]>();
  const byKind = new Map<string, [number, number]>();
  let differing = 0;
  let orderOnly = 0;
  let runs = 0;
  let iagoMs = 0;
  // `--sample N`: every step-th mutant, keeping each one's id (its index in `all`).
  const step = flags.sample === undefined
    ? 1
    : Math.max(1, Math.floor(all.length / Number(flags.sample)));
  const ids = all.map((_, id) => id).filter((id) => id % step === 0);
  await pool(ids, Number(flags.jobs), async (id) => {
    const m = all[id];
    const k = byKind.get(m.kind) ?? [0, 0];
    k[0]++;
    byKind.set(m.kind, k);
    for (const mode of modesOf(m, modes)) {
      runs++;
      const want = await oracle(m, mode);
      const t0 = performance.now();
      const got = await iago(m, mode);
      iagoMs += performance.now() - t0;
      if (
        want.stdout === got.stdout && want.stderr === got.stderr && want.exitCode === got.exitCode
      ) {
        continue;
      }
      // butane prints a mapping's unused keys in Go map order, which changes from run to run.
      if (
        want.stdout === got.stdout && want.exitCode === got.exitCode &&
        sortedLines(want.stderr) === sortedLines(got.stderr)
      ) {
        orderOnly++;
        Deno.writeTextFileSync(`${flags.out}/order-${id}.want`, want.stderr);
        Deno.writeTextFileSync(`${flags.out}/order-${id}.got`, got.stderr);
        continue;
      }
      k[1]++;
      differing++;
      const sig = (mode === "normal" ? "" : `${mode}: `) + signature(want, got);
      groups.set(sig, [...(groups.get(sig) ?? []), id]);
      Deno.writeFileSync(`${flags.out}/${id}.bu`, m.bytes);
      const show = (o: ButaneOutput) =>
        `exit ${o.exitCode}\n--- stderr\n${o.stderr}--- stdout\n${o.stdout}`;
      const head = `${m.kind} of ${m.source}, ${mode}` +
        (m.filesDir === undefined ? "" : `, -d ${m.filesDir}`) + "\n";
      Deno.writeTextFileSync(`${flags.out}/${id}.want`, head + show(want));
      Deno.writeTextFileSync(`${flags.out}/${id}.got`, head + show(got));
      break;
    }
  });
  console.log(
    `${ids.length} mutants (${runs} runs in ${modes.join(", ")}), ${differing} differ, ` +
      `${orderOnly} only in the order of report lines ` +
      `(iago ${flags.iago === undefined ? "in-process" : "processes"} ${iagoMs.toFixed(0)} ms)`,
  );
  for (const [kind, [n, d]] of [...byKind].sort()) console.log(`  ${kind}: ${d} of ${n} differ`);
  console.log("\nby first difference (count, mutant ids):");
  for (const [sig, ids] of [...groups].sort((a, b) => b[1].length - a[1].length)) {
    console.log(`${String(ids.length).padStart(5)}  ${sig}\n       ${ids.slice(0, 8).join(" ")}`);
  }
}

await main();
