/**
 * The release bundle's two packed modules (src/cli/packed.ts) share their code: `iago butane`'s
 * module (the translator, the Ignition validator, errors, fsutil) also serves the full CLI,
 * whose bundle imports what it needs of it instead of holding a copy of its own (35 KB more of
 * packed text, which every start of every command reads). `iago butane` still loads one module:
 * its own, which exports, besides its handler, the names the full CLI imports of its modules.
 *
 * The full CLI is bundled with an import map that points each of those modules at a stand-in
 * re-exporting its names from `iago butane`'s module, an external import the release then
 * points at that module's file ({@link IMPORT_BUTANE}). Sharing also gives both one IagoError
 * class, one set of module state.
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";

/** The import specifier the full CLI's bundle has for `iago butane`'s module. */
export const IMPORT_BUTANE = "__IAGO_IMPORT_butane__";

/** Files written for the two bundlings: `iago butane`'s entry and the full CLI's import map. */
export interface SharedLayout {
  /** `iago butane`'s module: `butaneEntry`'s exports and the full CLI's imports of its modules. */
  entry: string;
  /** deno.json's import map and the stand-ins for the modules the full CLI takes from it. */
  importMap: string;
}

/**
 * Writes into `dir` the entry of `iago butane`'s module and the import map for bundling
 * `cliEntry` against it (see the module comment). Module paths are from the current directory,
 * the repository's.
 */
export async function writeSharedLayout(
  dir: string,
  butaneEntry: string,
  cliEntry: string,
): Promise<SharedLayout> {
  const imports = await sharedImports(butaneEntry, cliEntry);
  const root = pathToFileURL(Deno.cwd() + "/").href;
  const entryLines = [`export * from ${JSON.stringify(new URL(butaneEntry, root).href)};`];
  const config = JSON.parse(await Deno.readTextFile("deno.json"));
  const map: Record<string, string> = { ...config.imports };
  let count = 0;
  for (const [module, names] of imports) {
    const exported = names.map((name) => [name, `_${count++}`]);
    const list = (pairs: string[][]) => pairs.map(([a, b]) => `${a} as ${b}`).join(", ");
    entryLines.push(`export { ${list(exported)} } from ${JSON.stringify(module)};`);
    const standIn = join(dir, `stand-in-${count}.js`);
    await Deno.writeTextFile(
      standIn,
      `export { ${list(exported.map(([a, b]) => [b, a]))} } from ${
        JSON.stringify(IMPORT_BUTANE)
      };\n`,
    );
    map[module] = pathToFileURL(standIn).href;
  }
  const entry = join(dir, "butane.js");
  await Deno.writeTextFile(entry, entryLines.join("\n") + "\n");
  const importMap = join(dir, "import_map.json");
  await Deno.writeTextFile(importMap, JSON.stringify({ imports: map }));
  return { entry, importMap };
}

/**
 * The modules of `butaneEntry`'s bundle (its code imports, followed from it) that modules of
 * `cliEntry`'s not in it import, by file URL, each with the names they import of it: the
 * module's exports that an importer's text names (an importer that takes all of them, with
 * `* as` or `export *`, takes all). Throws when there are none: the layout changed.
 */
export async function sharedImports(
  butaneEntry: string,
  cliEntry: string,
): Promise<Map<string, string[]>> {
  const shared = codeModules(await moduleGraph(butaneEntry));
  const importers = new Map<string, { text: string; specifier: string }[]>();
  for (const module of (await moduleGraph(cliEntry)).modules) {
    if (!module.specifier.startsWith("file:") || shared.has(module.specifier)) continue;
    const text = await Deno.readTextFile(new URL(module.specifier));
    for (const dependency of module.dependencies ?? []) {
      const target = dependency.code?.specifier;
      if (target === undefined || !shared.has(target)) continue;
      if (!importers.has(target)) importers.set(target, []);
      importers.get(target)!.push({ text, specifier: dependency.specifier });
    }
  }
  if (importers.size === 0) throw new Error(`${cliEntry} imports nothing of ${butaneEntry}`);
  const imports = new Map<string, string[]>();
  for (const [module, from] of [...importers].sort(([a], [b]) => a < b ? -1 : 1)) {
    const exports = Object.keys(await import(module));
    const all = from.some(({ text, specifier }) =>
      new RegExp(`\\*\\s*(as\\s+[\\w$]+\\s+)?from\\s*["']${RegExp.escape(specifier)}["']`).test(
        text,
      )
    );
    const names = exports.filter((name) =>
      all ||
      from.some(({ text }) => new RegExp(`(?<![\\w$])${RegExp.escape(name)}(?![\\w$])`).test(text))
    );
    if (names.length > 0) imports.set(module, names);
  }
  return imports;
}

interface ModuleGraph {
  roots: string[];
  modules: {
    specifier: string;
    dependencies?: { specifier: string; code?: { specifier: string } }[];
  }[];
}

/** `deno info`'s module graph of `entry`. */
async function moduleGraph(entry: string): Promise<ModuleGraph> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
  }).output();
  if (code !== 0) {
    throw new Error(`deno info ${entry} failed:\n${new TextDecoder().decode(stderr)}`);
  }
  return JSON.parse(new TextDecoder().decode(stdout));
}

/** The local modules whose code a bundle of `graph`'s root holds: not those only types use. */
function codeModules(graph: ModuleGraph): Set<string> {
  const bySpecifier = new Map(graph.modules.map((module) => [module.specifier, module]));
  const found = new Set<string>();
  const next = [...graph.roots];
  while (next.length > 0) {
    const specifier = next.pop()!;
    if (found.has(specifier) || !specifier.startsWith("file:")) continue;
    found.add(specifier);
    for (const dependency of bySpecifier.get(specifier)?.dependencies ?? []) {
      if (dependency.code) next.push(dependency.code.specifier);
    }
  }
  return found;
}
