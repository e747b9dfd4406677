/**
 * Release builds. `bundle` writes `dist/iago.js` (one file, runs with `deno run`), stamped with
 * the commit it was built from; `compile` turns that bundle into standalone binaries for
 * x86_64/aarch64 Linux and macOS with the permissions iago needs and no more.
 *
 * `deno compile` downloads the Deno runtime for each target, so `compile` runs only where
 * dl.deno.land is reachable (a release machine), not in this repository's CI.
 */
import { PERMISSIONS } from "./permissions.ts";

const TARGETS = [
  "x86_64-unknown-linux-gnu",
  "aarch64-unknown-linux-gnu",
  "x86_64-apple-darwin",
  "aarch64-apple-darwin",
];

async function run(cmd: string, args: string[]): Promise<string> {
  const { code, stdout, stderr } = await new Deno.Command(cmd, { args }).output();
  if (code !== 0) {
    throw new Error(`${cmd} ${args.join(" ")} failed:\n${new TextDecoder().decode(stderr)}`);
  }
  return new TextDecoder().decode(stdout).trim();
}

async function commit(): Promise<string> {
  try {
    const sha = await run("git", ["rev-parse", "--short=12", "HEAD"]);
    const dirty = await run("git", ["status", "--porcelain", "--untracked-files=no"]);
    return dirty ? `${sha}-dirty` : sha;
  } catch {
    return "unknown";
  }
}

/** Bundles main.ts into dist/iago.js and stamps the commit into it. */
export async function bundle(out = "dist/iago.js"): Promise<void> {
  await Deno.mkdir("dist", { recursive: true });
  // Minified: a smaller file parses faster at every start. (--keep-names breaks a CommonJS
  // dependency's require shim in Deno 2.9.6, so names are not kept.)
  await run(Deno.execPath(), [
    "bundle",
    "--quiet",
    "--platform=deno",
    "--minify",
    "-o",
    out,
    "main.ts",
  ]);
  const text = await Deno.readTextFile(out);
  const stamped = text.replace(/^#!.*\n/, "").replace("__IAGO_COMMIT__", await commit());
  if (stamped === text) throw new Error("The commit sentinel was not found in the bundle");
  await Deno.writeTextFile(
    out,
    "#!/usr/bin/env -S deno run --quiet " + PERMISSIONS.join(" ") + "\n" + stamped,
  );
  await Deno.chmod(out, 0o755);
}

/** Compiles the bundle for every target into dist/iago-TARGET. */
async function compile(): Promise<void> {
  await bundle();
  for (const target of TARGETS) {
    await run(Deno.execPath(), [
      "compile",
      ...PERMISSIONS,
      "--no-check",
      "--target",
      target,
      "-o",
      `dist/iago-${target}`,
      "dist/iago.js",
    ]);
    console.log(`dist/iago-${target}`);
  }
}

if (import.meta.main) {
  const what = Deno.args[0];
  if (what === "bundle") await bundle();
  else if (what === "compile") await compile();
  else {
    console.error("usage: deno run -A scripts/release.ts bundle|compile");
    Deno.exit(2);
  }
}
