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

/**
 * Bundles main.ts into dist/iago.js and stamps the commit into it. Two passes: the plain bundle
 * gets its imports of heavy Node built-ins made lazy ({@link lazyNodeImports}), then that file
 * is bundled again, minified (a smaller file parses faster at every start).
 */
export async function bundle(out = "dist/iago.js"): Promise<void> {
  await Deno.mkdir("dist", { recursive: true });
  const plain = await Deno.makeTempFile({ suffix: ".js" });
  try {
    await run(Deno.execPath(), ["bundle", "--quiet", "--platform=deno", "-o", plain, "main.ts"]);
    await Deno.writeTextFile(plain, lazyNodeImports(await Deno.readTextFile(plain)));
    // (--keep-names breaks a CommonJS dependency's require shim in Deno 2.9.6: names not kept.)
    await run(Deno.execPath(), [
      "bundle",
      "--quiet",
      "--platform=deno",
      "--minify",
      "-o",
      out,
      plain,
    ]);
  } finally {
    await Deno.remove(plain).catch(() => {});
  }
  const text = await Deno.readTextFile(out);
  const stamped = text.replace(/^#!.*\n/, "").replace("__IAGO_COMMIT__", await commit());
  if (stamped === text) throw new Error("The commit sentinel was not found in the bundle");
  const withWorker = embedSandboxWorker(stamped, await bundleSandboxWorker());
  await Deno.writeTextFile(
    out,
    "#!/usr/bin/env -S deno run --quiet " + PERMISSIONS.join(" ") + "\n" + withWorker,
  );
  await Deno.chmod(out, 0o755);
}

/**
 * The sandbox worker (src/sandbox/worker.ts) bundled on its own, minified: `deno bundle` does
 * not follow `new Worker(url)`, so the main bundle carries this code as a string and starts
 * the worker from a `blob:` URL of it (src/sandbox/worker_url.ts).
 */
async function bundleSandboxWorker(): Promise<string> {
  const file = await Deno.makeTempFile({ suffix: ".js" });
  try {
    await run(Deno.execPath(), [
      "bundle",
      "--quiet",
      "--platform=deno",
      "--minify",
      "-o",
      file,
      "src/sandbox/worker.ts",
    ]);
    return (await Deno.readTextFile(file)).replace(/^#!.*\n/, "");
  } finally {
    await Deno.remove(file).catch(() => {});
  }
}

/** `bundle` with the worker's code in place of its sentinel string; throws unless found once. */
export function embedSandboxWorker(bundle: string, worker: string): string {
  const sentinel = /(["'`])__IAGO_SANDBOX_WORKER__\1/g;
  const found = bundle.match(sentinel)?.length ?? 0;
  if (found !== 1) {
    throw new Error(`The sandbox worker's sentinel is in the bundle ${found} times, not once`);
  }
  return bundle.replace(sentinel, () => JSON.stringify(worker));
}

/**
 * Rewrites the bundle's top-level imports of Node built-ins into values that load the module on
 * first use (through `process.getBuiltinModule`). A bundle keeps every `import` at the top, and
 * Deno sets up its Node compatibility layer (~10 ms) at the first built-in loaded, node:crypto
 * and node:zlib add Node streams (~15 ms), for every command, although most reach few of them.
 * node:path stays an import: Deno loads it without that layer, and `process` would set it up.
 * A namespace import becomes a proxy of the module, a named or default import a proxy of that
 * export, which can be called, constructed and extended like the real one; a named export that
 * is a constant (`EOL` of node:os) is written out as its value, which a proxy cannot stand for
 * (the value of the machine that bundles: the release targets are all POSIX). Throws when no
 * import was found: the bundle's shape changed and this needs a look.
 */
export function lazyNodeImports(code: string): string {
  let rewritten = 0;
  const lazy = (name: string, id: string, key?: string) => {
    rewritten++;
    if (key !== undefined && key !== "default") {
      const value = (process.getBuiltinModule(id) as Record<string, unknown>)[key];
      if (typeof value !== "object" && typeof value !== "function") {
        return `var ${name} = ${JSON.stringify(value)};`;
      }
    }
    return `var ${name} = __iagoLazyNode(${JSON.stringify(id)}${
      key === undefined ? "" : `, ${JSON.stringify(key)}`
    });`;
  };
  const out = code
    .replace(/^#!.*\n/, "")
    // The bundler's `require` for CommonJS dependencies, made at the top with createRequire,
    // which would set up the Node layer at every start: built-ins come the cheap way instead.
    .replace(
      /^var __require = (\w+)\(import\.meta\.url\);$/m,
      (_m, create) =>
        `var __require = (id) => globalThis.process.getBuiltinModule(id) ?? ${create}(import.meta.url)(id);`,
    )
    .replace(
      /^import \* as (\w+) from "(node:(?!path")[\w/]+)";$/gm,
      (_m, name, id) => lazy(name, id),
    )
    .replace(
      /^import (\w+) from "(node:(?!path")[\w/]+)";$/gm,
      (_m, name, id) => lazy(name, id, "default"),
    )
    .replace(
      /^import \{([^}]+)\} from "(node:(?!path")[\w/]+)";$/gm,
      (_m, specs: string, id) =>
        specs.split(",").map((spec) => {
          const [imported, local = imported] = spec.trim().split(/\s+as\s+/);
          return lazy(local, id, imported);
        }).join("\n"),
    );
  if (rewritten === 0) throw new Error("No Node built-in import found to make lazy");
  return `function __iagoLazyNode(id, key) {
  let value;
  const load = () => {
    if (value === undefined) {
      const mod = globalThis.process.getBuiltinModule(id);
      value = key === undefined || key === "default" ? mod : mod[key];
    }
    return value;
  };
  const namespace = key === undefined;
  return new Proxy(namespace ? {} : function () {}, {
    get: (_t, k) => {
      const v = namespace && k === "default" ? load() : Reflect.get(load(), k);
      return namespace && typeof v === "function" && !/^[A-Z]/.test(String(k)) ? v.bind(load()) : v;
    },
    has: (_t, k) => Reflect.has(load(), k),
    apply: (_t, self, args) => Reflect.apply(load(), self, args),
    construct: (t, args, newTarget) => Reflect.construct(load(), args, newTarget === t ? load() : newTarget),
    getPrototypeOf: () => Reflect.getPrototypeOf(load()),
  });
}
${out}`;
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
