/**
 * CLI start-up: `iago list` over a workspace of 100 machines, run as a user runs it (a new
 * process each time) from the bundle `dist/iago.js`, beside the bare cost of starting Deno.
 * Target: under 150 ms per `iago list` with the bundle.
 *
 *   deno bench -A bench/startup_bench.ts
 */
import { join } from "node:path";
import { main } from "../src/cli/main.ts";
import { memoryOutput } from "../src/output.ts";
import { bundle } from "../scripts/release.ts";
import { PERMISSIONS } from "../scripts/permissions.ts";

const MACHINES = 100;
const repo = new URL("..", import.meta.url).pathname;
const work = await Deno.makeTempDir({ prefix: "iago-startup-" });
const ws = join(work, "ws");
await Deno.mkdir(ws);

for (let i = 0; i < MACHINES; i++) {
  const out = memoryOutput();
  const args = ["init", "--machine-only", "--domain", "bench.example", `m${i}`];
  const code = await main(args, { out, cwd: ws, env: { IAGO_OFFLINE: "1" } });
  if (code !== 0) throw new Error(`init m${i} failed: ${out.stderr.join("\n")}`);
}

const bundlePath = join(work, "iago.js");
const cwd = Deno.cwd();
Deno.chdir(repo);
await bundle(bundlePath);
Deno.chdir(cwd);

async function spawn(args: string[]): Promise<void> {
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: ws,
    stdout: "null",
    env: { NO_COLOR: "1" },
  }).output();
  if (code !== 0) throw new Error(new TextDecoder().decode(stderr));
}

Deno.bench("deno start-up alone (deno eval '')", { group: "startup", baseline: true }, async () => {
  await spawn(["eval", "--quiet", ""]);
});

Deno.bench("iago --version, bundle", { group: "startup" }, async () => {
  await spawn(["run", "--quiet", ...PERMISSIONS, bundlePath, "--version"]);
});

Deno.bench(`iago list, ${MACHINES} machines, bundle`, { group: "startup" }, async () => {
  await spawn(["run", "--quiet", ...PERMISSIONS, bundlePath, "list"]);
});

Deno.bench(`iago list --json, ${MACHINES} machines, bundle`, { group: "startup" }, async () => {
  await spawn(["run", "--quiet", ...PERMISSIONS, bundlePath, "list", "--json"]);
});

// `deno bench` fires no unload event: `deno task bench` runs this under a TMPDIR it removes.
