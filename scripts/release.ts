/**
 * Release builds. `bundle` writes `dist/iago.js` (one file, runs with `deno run`), stamped with
 * the commit it was built from; `compile` turns that bundle into standalone binaries for
 * x86_64/aarch64 Linux and macOS with the permissions iago needs and no more.
 *
 * `deno compile` downloads the Deno runtime for each target, so `compile` runs only where
 * dl.deno.land is reachable (a release machine), not in this repository's CI.
 */
import { dirname } from "node:path";
import { brotliCompressSync, constants as zlib } from "node:zlib";
import { eagerFunctions } from "./eager.ts";
import { functionsRun } from "./eager_profile.ts";
import { PERMISSIONS } from "./permissions.ts";
import { refusedImports } from "../src/sandbox/child_command.ts";
import { toCommentText } from "../src/cli/comment_text.ts";
import { unpackedName } from "../src/cli/packed.ts";
import { IMPORT_BUTANE, writeSharedLayout } from "./shared_modules.ts";

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
 * Bundles iago into dist/iago.js and stamps the commit into it. The file is the lean entry
 * (main.ts: `iago butane`, `--version`, `list`) with the full CLI (src/cli/main.ts and every
 * command) and `iago butane`'s handler packed inside it ({@link packModules}), unpacked only by
 * the commands that need them: Deno's start-up grows with the code of the file it runs.
 */
export async function bundle(out = "dist/iago.js"): Promise<void> {
  const { lean, modules } = await bundleAll();
  await Deno.mkdir(dirname(out), { recursive: true });
  await Deno.writeTextFile(out, SHEBANG + await packModules(lean, modules));
  await Deno.chmod(out, 0o755);
}

const SHEBANG = "#!/usr/bin/env -S deno run --quiet " + PERMISSIONS.join(" ") + "\n";

/**
 * What `deno compile` is given, in `dir`: the lean entry `iago.js` and the modules it loads on
 * demand beside it as `iago-NAME.js`, which the entry imports from there (src/cli/packed.ts)
 * and `--include` puts into the binary. A compiled binary carries every module with its code
 * cache, so nothing is packed or unpacked. Returns the modules' paths.
 */
export async function compileLayout(dir: string): Promise<string[]> {
  const { lean, modules } = await bundleAll();
  await Deno.mkdir(dir, { recursive: true });
  const paths: string[] = [];
  let entry = replaceSentinel(lean, "__IAGO_PACKED__", '""');
  for (const [name, code] of Object.entries(modules)) {
    entry = replaceSentinel(
      replaceSentinel(entry, `__IAGO_PACKED_ID_${name}__`, '"included"'),
      `__IAGO_PACKED_AT_${name}__`,
      '"0"',
    );
    paths.push(`${dir}/iago-${name}.js`);
    await Deno.writeTextFile(paths.at(-1)!, pointImports(code, (name) => `./iago-${name}.js`));
  }
  await Deno.writeTextFile(`${dir}/iago.js`, SHEBANG + entry);
  return paths;
}

/**
 * The lean entry's bundle and those of the modules it loads on demand (src/cli/packed.ts), by
 * name, stamped with the commit.
 */
async function bundleAll(): Promise<{ lean: string; modules: Record<string, string> }> {
  const stamp = await commit();
  const dir = await Deno.makeTempDir({ prefix: "iago-release-" });
  try {
    // The full CLI imports the translator and what else it shares from `iago butane`'s module.
    const shared = await writeSharedLayout(dir, "src/cli/lean/butane.ts", "src/cli/main.ts");
    const cli = embedSandboxWorker(
      stampCommit(
        await bundleModule("src/cli/main.ts", true, REPLACED, {
          importMap: shared.importMap,
          external: [IMPORT_BUTANE],
        }),
        stamp,
      ),
      await bundleSandboxWorker(),
    );
    return {
      // (The lean entry and `iago butane` may use no Node built-in at all: nothing to defer.)
      // The entry's functions in parentheses too (scripts/eager.ts): compiled with the entry
      // and kept in its code cache, list and --version no longer compile them at every start
      // (callgrind, 100-machine list: 95.7M -> 91.9M instructions; --version 56.2M -> 54.9M).
      lean: eagerFunctions(stampCommit(await bundleModule("main.ts", false), stamp)),
      modules: { cli, butane: await eagerButane(await bundleModule(shared.entry, false)) },
    };
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/**
 * npm packages the full CLI's bundle does without, each with the module required in its place
 * ({@link replaceRequires}): make-fetch-happen by scripts/make_fetch.ts, Deno's fetch, which
 * is all sigstore asks of it, instead of 1.3 MB of code with its dependencies (minipass-fetch,
 * iconv-lite's codec tables, cacache, glob, socks...): 60% of the bytes packed into
 * dist/iago.js, which every start reads (src/cli/packed.ts).
 */
const REPLACED: Record<string, string> = { "make-fetch-happen": "./make_fetch.ts" };

/**
 * `iago butane`'s module with the functions a typical translation calls marked for eager
 * compilation (scripts/eager.ts), its arrow functions and its classes' methods among them (the
 * YAML reader, the validation rules, Translation: `iago butane small.bu` 84.7M -> 80.2M
 * instructions with the methods); the others are compiled when a config first needs them.
 * Marking all of them cost every translation the deserializing of code it never runs
 * (callgrind, import and first translation of small.bu in one thread: 75.6M instructions none
 * marked, 73.9M all, 71.5M those a translation calls).
 */
async function eagerButane(code: string): Promise<string> {
  const only = await functionsRun(code, BUTANE_PROFILE);
  return eagerFunctions(code, { arrows: true, methods: true, only });
}

/**
 * The typical translation: `iago butane` on a config as small as most (a user with an SSH key,
 * a file, a unit), run as the lean entry runs the handler (scripts/eager_profile.ts).
 */
const BUTANE_PROFILE = `import { butane } from "./module.js";
await Deno.writeTextFile("typical.bu", \`variant: fcos
version: 1.6.0
passwd:
  users:
    - name: core
      ssh_authorized_keys:
        - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIprofile admin@example
storage:
  files:
    - path: /etc/hostname
      mode: 0644
      contents:
        inline: node1
systemd:
  units:
    - name: app.service
      enabled: true
      contents: |
        [Unit]
        Description=App
        [Service]
        ExecStart=/usr/bin/true
        [Install]
        WantedBy=multi-user.target
\`);
let printed = "";
const context = {
  workspace: { root: Deno.cwd() },
  out: { detail() {}, print(text) { printed += text; } },
  process: {},
};
await butane.call(context, {}, "typical.bu");
if (!printed.startsWith('{"ignition":')) throw new Error("No Ignition config: " + printed);
`;

/**
 * `entry` bundled in two passes: the plain bundle gets its imports of heavy Node built-ins
 * made lazy ({@link lazyNodeImports}) and the packages of `replaced` replaced, then that file
 * is bundled again, minified (a smaller file parses faster at every start). `importMap` (a
 * file) resolves the entry's imports in place of deno.json's, and the `external` imports stay
 * imports. Returns the code without a shebang.
 */
export async function bundleModule(
  entry: string,
  builtinsRequired = true,
  replaced: Record<string, string> = {},
  { importMap, external = [] }: { importMap?: string; external?: string[] } = {},
): Promise<string> {
  const plain = await Deno.makeTempFile({ suffix: ".js" });
  const minified = await Deno.makeTempFile({ suffix: ".js" });
  try {
    const externals = external.map((name) => `--external=${name}`);
    await run(Deno.execPath(), [
      "bundle",
      "--quiet",
      "--platform=deno",
      ...importMap ? [`--import-map=${importMap}`] : [],
      ...externals,
      ...Object.keys(replaced).map((name) => `--external=${name}`),
      "-o",
      plain,
      entry,
    ]);
    const code = replaceRequires(ownNodePath(await Deno.readTextFile(plain)), replaced);
    await Deno.writeTextFile(plain, lazyNodeImports(code, builtinsRequired));
    // (--keep-names breaks a CommonJS dependency's require shim in Deno 2.9.6: names not kept.)
    await run(Deno.execPath(), [
      "bundle",
      "--quiet",
      "--platform=deno",
      "--minify",
      ...externals,
      "-o",
      minified,
      plain,
    ]);
    return (await Deno.readTextFile(minified)).replace(/^#!.*\n/, "");
  } finally {
    await Deno.remove(plain).catch(() => {});
    await Deno.remove(minified).catch(() => {});
  }
}

/** `code` with the commit in place of version.ts's sentinel; throws unless found. */
function stampCommit(code: string, stamp: string): string {
  const stamped = code.replace("__IAGO_COMMIT__", stamp);
  if (stamped === code) throw new Error("The commit sentinel was not found in the bundle");
  return stamped;
}

/**
 * The lean entry's bundle with the modules it loads on demand in it (src/cli/packed.ts unpacks
 * them): their code one after another, the smaller first (unpacking one decompresses only up
 * to its end), brotli-compressed at its best quality (smaller than gzip by a quarter) as one,
 * as the text of a comment (src/cli/comment_text.ts: an eighth smaller than base64), and for
 * each its identity, `SHA256PREFIX-BYTES`, which names the unpacked file, and where its code
 * starts.
 */
export async function packModules(lean: string, modules: Record<string, string>): Promise<string> {
  const codes = Object.entries(modules).sort(([, a], [, b]) => a.length - b.length);
  const files: Record<string, string> = {};
  const parts: Uint8Array[] = [];
  let out = lean;
  let at = 0;
  for (const [name, module] of codes) {
    // A module that imports another (the full CLI, `iago butane`'s) imports its unpacked file
    // beside its own, whose name has the other's identity: the other is packed first.
    const code = new TextEncoder().encode(pointImports(module, (other) => {
      if (files[other] === undefined) throw new Error(`${name} imports ${other}, packed after it`);
      return `./${files[other]}`;
    }));
    const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", code));
    const id = [...hash.slice(0, 8)].map((b) => b.toString(16).padStart(2, "0")).join("") +
      `-${code.length}`;
    files[name] = unpackedName(name, id);
    out = replaceSentinel(out, `__IAGO_PACKED_ID_${name}__`, JSON.stringify(id));
    out = replaceSentinel(out, `__IAGO_PACKED_AT_${name}__`, JSON.stringify(String(at)));
    parts.push(code);
    at += code.length;
  }
  const all = new Uint8Array(at);
  parts.reduce((offset, code) => (all.set(code, offset), offset + code.length), 0);
  const packed = brotliCompressSync(all, {
    params: {
      [zlib.BROTLI_PARAM_QUALITY]: zlib.BROTLI_MAX_QUALITY,
      [zlib.BROTLI_PARAM_SIZE_HINT]: all.length,
    },
  });
  // The text has no "*": the comment holds it as is.
  const comment = `String(function(){/*${toCommentText(packed)}*/}).slice(13,-3)`;
  return replaceSentinel(out, "__IAGO_PACKED__", comment);
}

/**
 * `code` with its imports of the other modules ({@link IMPORT_BUTANE}) from the path `path`
 * gives for each module's name.
 */
function pointImports(code: string, path: (name: string) => string): string {
  return code.replace(
    /(["'])__IAGO_IMPORT_(\w+)__\1/g,
    (_m, _q, name) => JSON.stringify(path(name)),
  );
}

/** `code` with the string literal `sentinel` replaced by `expression`; throws unless found once. */
function replaceSentinel(code: string, sentinel: string, expression: string): string {
  const literal = new RegExp(`(["'\`])${sentinel}\\1`, "g");
  const found = code.match(literal)?.length ?? 0;
  if (found !== 1) {
    throw new Error(`The sentinel ${sentinel} is in the bundle ${found} times, not once`);
  }
  return code.replace(literal, () => expression);
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
  return replaceSentinel(bundle, "__IAGO_SANDBOX_WORKER__", JSON.stringify(worker));
}

/**
 * Points the bundle's imports and CommonJS requires of node:path at scripts/node_path.ts, which
 * the second bundling pass then takes in: the same functions without Deno's Node layer behind
 * them (see there). Throws when none was found: the bundle's shape changed.
 */
export function ownNodePath(code: string): string {
  const module = JSON.stringify(new URL("./node_path.ts", import.meta.url).pathname);
  let found = 0;
  const out = code
    .replace(/^(import [^;]* from )"node:path";$/gm, (_m, head) => {
      found++;
      return `${head}${module};`;
    })
    .replace(/\b__require\("(node:)?path"\)/g, () => {
      found++;
      return "__iagoNodePath";
    });
  if (found === 0) throw new Error("No node:path import found to replace");
  return out.includes("__iagoNodePath")
    ? `import * as __iagoNodePath from ${module};\n${out}`
    : out;
}

/**
 * `code`, bundled with the packages of `replaced` external, with each `require` of one taking
 * the module `replaced` names for it (a path from this directory, which the second bundling
 * pass takes in). Throws when one is not required so: the bundle's shape changed.
 */
export function replaceRequires(code: string, replaced: Record<string, string>): string {
  let out = code;
  const imports: string[] = [];
  for (const [name, file] of Object.entries(replaced)) {
    const call = `__require(${JSON.stringify(name)})`;
    if (!out.includes(call)) throw new Error(`No require of ${name} found to replace`);
    if (new RegExp(`from ${JSON.stringify(name)};|import\\(${JSON.stringify(name)}\\)`).test(out)) {
      throw new Error(`${name} is imported, not required: it cannot be replaced`);
    }
    const local = `__iagoReplaced${imports.length}`;
    const path = JSON.stringify(new URL(file, import.meta.url).pathname);
    imports.push(`import * as ${local} from ${path};\n`);
    out = out.replaceAll(call, local);
  }
  return imports.join("") + out;
}

/**
 * Rewrites the bundle's top-level imports of Node built-ins into values that load the module on
 * first use (through `process.getBuiltinModule`). A bundle keeps every `import` at the top, and
 * Deno sets up its Node compatibility layer (~10 ms) at the first built-in loaded, node:crypto
 * and node:zlib add Node streams (~15 ms), for every command, although most reach few of them.
 * node:path stays an import (ownNodePath makes it iago's own).
 * A namespace import becomes a proxy of the module, a named or default import a proxy of that
 * export, which can be called, constructed and extended like the real one; a named export that
 * is a constant (`EOL` of node:os) is written out as its value, which a proxy cannot stand for
 * (the value of the machine that bundles: the release targets are all POSIX). When `required`,
 * throws when no import was found: the bundle's shape changed and this needs a look.
 */
export function lazyNodeImports(code: string, required = true): string {
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
    // node:process and node:buffer, which CommonJS modules (yaml) require as they load for
    // what they seldom use (warnings, debug variables, !!binary), come as proxies: they are
    // objects read by property, which a proxy stands for (a module that is a function or a
    // class, like node:events, may be checked with typeof, so the others load for real).
    .replace(
      /^var __require = (\w+)\(import\.meta\.url\);$/m,
      (_m, create) => {
        rewritten++;
        return `var __require = (id) => id === "node:process" || id === "node:buffer" ? __iagoLazyNode(id) : globalThis.process.getBuiltinModule(id) ?? ${create}(import.meta.url)(id);`;
      },
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
  if (rewritten === 0 && required) throw new Error("No Node built-in import found to make lazy");
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

/**
 * Compiles iago for every target into dist/iago-TARGET (see {@link compileLayout}), with the
 * import map that refuses plugins Node's built-ins reaching descriptors (src/sandbox/
 * child_command.ts): a compiled binary cannot be given one when it starts its sandbox process.
 */
async function compile(): Promise<void> {
  const modules = await compileLayout("dist/compile");
  const importMap = "dist/compile/import_map.json";
  await Deno.writeTextFile(importMap, JSON.stringify({ imports: refusedImports() }));
  for (const target of TARGETS) {
    await run(Deno.execPath(), [
      "compile",
      ...PERMISSIONS,
      `--import-map=${importMap}`,
      "--no-check",
      ...modules.flatMap((m) => ["--include", m]),
      "--target",
      target,
      "-o",
      `dist/iago-${target}`,
      "dist/compile/iago.js",
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
