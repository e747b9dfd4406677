/**
 * `iago ignite --all` over a generated fleet (half plain machines, half postgres).
 *
 *   deno run -A bench/ignite_bench.ts [SIZES...]   machines per second and peak RSS per fleet
 *                                                  size (default 100 500), each in a fresh
 *                                                  process: a first run (all written) and a
 *                                                  second (all unchanged); the largest size
 *                                                  again with generated passwords
 *   deno bench -A bench/ignite_bench.ts            the same pipeline over 20 machines
 *
 * Target: over 100 machines per second, and peak memory that does not grow with the fleet.
 */
import { join } from "node:path";
import { main } from "../src/cli/main.ts";
import { memoryOutput } from "../src/output.ts";
import { sha512Crypt } from "../src/secrets/crypt.ts";
import { PERMISSIONS } from "../scripts/permissions.ts";
import { realisticConfig, writeTree } from "./butane_config.ts";
import { duration, measure, type Run, timing } from "./measure.ts";
import { hasTool, missingTool, reportRow } from "./rows.ts";

/**
 * A workspace of `count` machines made from one `iago init`'s files. With `hashes`, defaults
 * carry password hashes (as in the original's README); without, each machine's user and admin
 * passwords are generated and hashed on the first run (SHA-512 crypt, ~5 ms each).
 */
async function makeFleet(count: number, hashes = true): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "iago-bench-" });
  const out = memoryOutput();
  const code = await main(["init", "--machine-only", "m0"], { out, cwd: root, env: {} });
  if (code !== 0) throw new Error(`init failed: ${out.stderr.join("\n")}`);
  if (hashes) {
    const file = join(root, "config/defaults.toml");
    const hash = sha512Crypt("bench password", "benchsalt");
    const text = await Deno.readTextFile(file);
    await Deno.writeTextFile(
      file,
      text.replaceAll('password_hash = ""', `password_hash = "${hash}"`),
    );
  }
  const template = await Deno.readTextFile(join(root, "machines/m0/butane.yaml.tmpl"));
  for (let i = 0; i < count; i++) {
    const name = `m${i}`;
    const dir = join(root, "machines", name);
    await Deno.mkdir(dir, { recursive: true });
    const mac = `02:05:56:${hex(i >> 16)}:${hex(i >> 8)}:${hex(i)}`;
    await Deno.writeTextFile(
      join(dir, "machine.toml"),
      `name = "${name}"\nfqdn = "${name}.fleet.example"\nmac_address = "${mac}"\n` +
        `workloads = [${i % 2 ? '"postgres"' : ""}]\n`,
    );
    await Deno.writeTextFile(join(dir, "butane.yaml.tmpl"), template);
  }
  await Deno.remove(join(root, "output"), { recursive: true }).catch(() => {});
  await Deno.remove(join(root, ".iago"), { recursive: true }).catch(() => {});
  return root;
}

function hex(n: number): string {
  return (n & 0xff).toString(16).padStart(2, "0");
}

interface Measured {
  seconds: number;
  cpuSeconds: number;
  peakRssMiB: number;
  /** V8 heap in use after the run and a full GC: what the process still holds. */
  liveHeapMiB: number;
  /** The run's own time, without starting the process and loading modules. */
  runSeconds: number;
}

/**
 * `iago ignite --all` in a fresh process (this file in child mode) with the release's flags,
 * timed, with its memory.
 */
async function igniteAll(root: string): Promise<Measured> {
  const run = await measure([
    Deno.execPath(),
    "run",
    ...PERMISSIONS,
    new URL(import.meta.url).pathname,
    "--child",
    root,
  ]);
  const [live, runMs] = run.stdout.trim().split(" ").map(Number);
  return {
    seconds: run.seconds,
    cpuSeconds: run.cpuSeconds,
    peakRssMiB: run.rssMiB,
    liveHeapMiB: live / 2 ** 20,
    runSeconds: runMs / 1000,
  };
}

/** "4.40 s (227/s), 3.10 CPU-s, 125 MiB RSS" for one `ignite --all` of `n` machines. */
function fleetFigure(n: number, m: Measured): string {
  return `${duration(m.seconds)} (${(n / m.seconds).toFixed(0)}/s), ` +
    `${m.cpuSeconds.toFixed(2)} CPU-s, ${m.peakRssMiB.toFixed(0)} MiB RSS`;
}

/** The README's row for a fleet of `n`: its first and its unchanged run. */
async function reportFleetRow(n: number, hashes: boolean, [first, again]: Measured[]) {
  if (hashes) {
    reportRow({
      work:
        `\`ignite --all\` of ${n} machines (half postgres), a new process, password hashes given`,
      iago: `written ${fleetFigure(n, first)}; unchanged ${fleetFigure(n, again)}`,
      beside: "",
      target: "> 100 machines/s; < 128 MiB RSS unchanged",
    });
    return;
  }
  reportRow({
    work:
      `first \`ignite --all\` of ${n} machines, passwords generated (2 SHA-512 crypt hashes each)`,
    iago: `${fleetFigure(n, first)}; the next run ${fleetFigure(n, again)}`,
    beside: await originalLoop(n),
    target: "bound by hashing; < 256 MiB RSS",
  });
}

/**
 * The original tool's way, timed for `n` machines: a shell loop running two
 * `openssl passwd -6` and one `butane --strict` (IAGO_BUTANE_ORACLE) process per machine, on
 * the realistic config of butane_bench.ts. Says what is missing when a tool is.
 */
async function originalLoop(n: number): Promise<string> {
  const butane = Deno.env.get("IAGO_BUTANE_ORACLE");
  if (!butane || !hasTool(butane)) {
    return missingTool("butane", "set IAGO_BUTANE_ORACLE to a butane binary");
  }
  if (!hasTool("openssl")) return missingTool("openssl", "apt-get install openssl");
  const dir = await Deno.makeTempDir({ prefix: "iago-bench-loop-" });
  try {
    writeTree(dir);
    await Deno.writeTextFile(join(dir, "machine.bu"), realisticConfig());
    await Deno.mkdir(join(dir, "out"));
    const run: Run = await measure([
      `for i in $(seq 1 ${n}); do`,
      `openssl passwd -6 "user password $i" >/dev/null &&`,
      `openssl passwd -6 "admin password $i" >/dev/null &&`,
      `'${butane}' --strict -d '${dir}' '${dir}/machine.bu' > "${dir}/out/m$i.ign" || exit 1;`,
      "done",
    ], { shell: true });
    console.log(`original loop (2 openssl + butane per machine), ${n} machines: ${timing([run])}`);
    return `a shell loop, per machine 2 \`openssl passwd -6\` + \`butane --strict\` of a ` +
      `realistic config: ${timing([run], { cpu: true })}`;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main && Deno.args[0] === "--child") {
  const out = memoryOutput();
  const code = await main(["-C", Deno.args[1], "ignite", "--all", "--json"], { out, env: {} });
  if (code !== 0) {
    console.error(out.stderr.slice(-5).join("\n"));
    Deno.exit(code);
  }
  (globalThis as unknown as { gc: () => void }).gc();
  console.log(`${Deno.memoryUsage().heapUsed} ${JSON.parse(out.stdout.join("")).ms}`);
} else if (import.meta.main) {
  const sizes = Deno.args.length ? Deno.args.map(Number) : [100, 500];
  console.log(
    "machines  passwords  run        seconds  machines/s  in-run/s  peak RSS MiB  live heap MiB",
  );
  // Generated passwords at the largest size: the first run there is bound by hashing.
  const rows: [number, boolean][] = [...sizes.map((n): [number, boolean] => [n, true]), [
    sizes.at(-1)!,
    false,
  ]];
  for (const [n, hashes] of rows) {
    const root = await makeFleet(n, hashes);
    const measured: Measured[] = [];
    try {
      for (const run of ["written", "unchanged"]) {
        const m = await igniteAll(root);
        measured.push(m);
        console.log(
          [
            String(n).padStart(8),
            (hashes ? "given" : "generated").padEnd(9),
            run.padEnd(9),
            m.seconds.toFixed(2).padStart(7),
            (n / m.seconds).toFixed(0).padStart(10),
            (n / m.runSeconds).toFixed(0).padStart(8),
            m.peakRssMiB.toFixed(0).padStart(12),
            m.liveHeapMiB.toFixed(1).padStart(13),
          ].join("  "),
        );
      }
    } finally {
      await Deno.remove(root, { recursive: true });
    }
    await reportFleetRow(n, hashes, measured);
  }
} else {
  const root = await makeFleet(20);
  globalThis.addEventListener("unload", () => Deno.removeSync(root, { recursive: true }));
  Deno.bench("ignite --all, 20 machines (in process, rewriting each time)", async (b) => {
    await Deno.remove(join(root, "output"), { recursive: true }).catch(() => {});
    b.start();
    const out = memoryOutput();
    const code = await main(["ignite", "--all"], { out, cwd: root, env: {} });
    b.end();
    if (code !== 0) throw new Error(out.stderr.join("\n"));
  });
}
