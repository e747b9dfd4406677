/**
 * The single-file artifact: `dist/iago.js` built by `deno task bundle`, run from a directory
 * outside the repository with exactly the permissions the release binary gets. This is the
 * closest thing to the `deno compile`d binary that can be built here (same module graph).
 */
import assert from "node:assert/strict";
import { bundle, compileLayout, lazyNodeImports, replaceRequires } from "../scripts/release.ts";
import { PERMISSIONS } from "../scripts/permissions.ts";
import { tempDir } from "./helpers/cli.ts";
import { startRegistry } from "./helpers/registry.ts";
import { makeKeyPair } from "./sign/_keys.ts";
import { identityToken, startSigstore } from "./sign/_sigstore.ts";
import { assertValidIgnition } from "./ignite/fixtures.ts";

const repo = new URL("..", import.meta.url).pathname;

async function buildBundle(dir: string): Promise<string> {
  const out = `${dir}/iago.js`;
  const cwd = Deno.cwd();
  Deno.chdir(repo);
  try {
    await bundle(out);
  } finally {
    Deno.chdir(cwd);
  }
  return out;
}

// Deno's own cache stays where it is when a test moves the user's cache directory. Deno says
// where it is (DENO_DIR, XDG_CACHE_HOME or HOME decide): a guess would miss the npm packages.
const denoDir: string = JSON.parse(
  new TextDecoder().decode(
    (await new Deno.Command(Deno.execPath(), { args: ["info", "--json"], stdout: "piped" })
      .output()).stdout,
  ),
).denoDir;

async function runBundle(
  bundlePath: string,
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
) {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", ...PERMISSIONS, bundlePath, ...args],
    cwd,
    // No GitHub here: keys come from nowhere, passwords are generated. The full CLI is
    // unpacked next to the bundle, not into the user's cache directory.
    env: {
      NO_COLOR: "1",
      IAGO_GITHUB_URL: "http://127.0.0.1:9",
      DENO_DIR: denoDir,
      XDG_CACHE_HOME: `${bundlePath}.cache`,
      ...env,
    },
  }).output();
  return {
    code,
    stdout: new TextDecoder().decode(stdout),
    stderr: new TextDecoder().decode(stderr),
  };
}

Deno.test("deno task iago runs with the same permissions as the release binary", async () => {
  const config = JSON.parse(await Deno.readTextFile(`${repo}/deno.json`));
  assert.equal(config.tasks.iago, `deno run --quiet ${PERMISSIONS.join(" ")} main.ts`);
});

Deno.test("the bundle runs from outside the repository with the release permissions", async () => {
  await using build = await tempDir("iago-bundle-");
  await using ws = await tempDir("iago-bundle-ws-");
  const js = await buildBundle(build.path);
  const text = await Deno.readTextFile(js);
  // Run as a program, it starts with the release's permissions and V8 flags.
  assert.equal(text.split("\n")[0], `#!/usr/bin/env -S deno run --quiet ${PERMISSIONS.join(" ")}`);
  assert.ok(!text.includes("__IAGO_COMMIT__"), "the commit is stamped into the bundle");

  const version = await runBundle(js, ["--version"], ws.path);
  assert.equal(version.code, 0, version.stderr);
  assert.match(version.stdout, /^iago \d+\.\d+\.\d+ \(commit [0-9a-f]{12}(-dirty)?, deno /);

  const completions = await runBundle(js, ["completions", "fish"], ws.path);
  assert.equal(completions.code, 0, completions.stderr);
  assert.ok(completions.stdout.includes("iago __complete"));

  const usage = await runBundle(js, ["no-such-command"], ws.path);
  assert.equal(usage.code, 2);
});

Deno.test("the bundle and what deno compile is given print what the source prints", async () => {
  await using build = await tempDir("iago-bundle-");
  await using ws = await tempDir("iago-bundle-ws-");
  const js = await buildBundle(build.path);
  const cwd = Deno.cwd();
  Deno.chdir(repo);
  try {
    await compileLayout(`${build.path}/compile`);
  } finally {
    Deno.chdir(cwd);
  }
  await Deno.writeTextFile(`${ws.path}/good.bu`, "variant: fcos\nversion: 1.5.0\n");
  await Deno.mkdir(`${ws.path}/broken/machines/bad`, { recursive: true });
  await Deno.writeTextFile(
    `${ws.path}/broken/machines/bad/machine.toml`,
    'name = "bad"\nfqdn = "nodots"\n',
  );
  await Deno.writeTextFile(
    `${ws.path}/bad.bu`,
    "variant: fcos\nversion: 1.5.0\nstorage:\n  files:\n    - path: /a\n      mode: nope\n",
  );
  const runs = [
    ["--version"],
    ["--help"],
    ["butane", "--help"],
    ["butane", "--pretty", "good.bu"],
    ["butane", "bad.bu"],
    ["-C", "nowhere", "butane", "good.bu"],
    // An error thrown in `iago butane`'s module, which the lean entry reports: its hint and exit
    // code are read from it although the module's code is not the entry's.
    ["butane", "missing.bu"],
    ["butane", "--strict=false", "good.bu"],
    ["completions", "bash"],
    ["list"],
    ["ls", "--json"],
    // A machine.toml with a problem: the lean entry leaves it to the full CLI.
    ["-C", "broken", "list"],
  ];
  const cache = `${build.path}/compile-cache`;
  for (const args of runs) {
    const source = await runBundle(`${repo}/main.ts`, args, ws.path);
    const bundled = await runBundle(js, args, ws.path);
    const compiled = await runBundle(`${build.path}/compile/iago.js`, args, ws.path, {
      XDG_CACHE_HOME: cache,
    });
    const commit = /\(commit [^,]+, /;
    for (const r of [source, bundled, compiled]) r.stdout = r.stdout.replace(commit, "");
    assert.deepEqual(bundled, source, `iago ${args.join(" ")}`);
    assert.deepEqual(compiled, source, `iago ${args.join(" ")}, compile layout`);
  }
  await assert.rejects(() => Deno.stat(cache), "the compile layout unpacks nothing");
});

Deno.test("the bundle unpacks the full CLI and the translator once into the cache directory, or runs them from memory", async () => {
  await using build = await tempDir("iago-bundle-");
  await using ws = await tempDir("iago-bundle-ws-");
  const js = await buildBundle(build.path);
  const cache = `${build.path}/cache`;
  const lean = await runBundle(js, ["--version"], ws.path, { XDG_CACHE_HOME: cache });
  assert.equal(lean.code, 0, lean.stderr);
  await assert.rejects(() => Deno.stat(`${cache}/iago`), "the lean entry unpacks nothing");

  const help = await runBundle(js, ["--help"], ws.path, { XDG_CACHE_HOME: cache });
  assert.equal(help.code, 0, help.stderr);
  // The full CLI, and `iago butane`'s module, from which it imports the translator.
  const files = [...Deno.readDirSync(`${cache}/iago`)].map((e) => e.name).sort();
  assert.equal(files.length, 2);
  assert.match(files[0], /^butane-[0-9a-f]{16}-\d+\.js$/);
  assert.match(files[1], /^cli-[0-9a-f]{16}-\d+\.js$/);
  const [butaneFile, cliFile] = files;
  const unpacked = `${cache}/iago/${cliFile}`;
  assert.equal((await Deno.stat(unpacked)).size, Number(cliFile.split("-")[2].slice(0, -3)));
  const cli = await Deno.readTextFile(unpacked);
  // scripts/make_fetch.ts stands for make-fetch-happen, which brings iconv-lite's tables.
  assert.ok(
    !/minipass|cacache|iconv-lite/.test(cli),
    "make-fetch-happen's dependencies are not in",
  );
  // The translator is packed once: the full CLI imports it from the other file.
  const warning = "partitions cannot be reused by label";
  assert.ok(!cli.includes(warning), "the full CLI has no translator of its own");
  assert.ok(cli.includes(`"./${butaneFile}"`), "the full CLI imports iago butane's module");
  assert.ok((await Deno.readTextFile(`${cache}/iago/${butaneFile}`)).includes(warning));

  // A later run imports the unpacked file as it is.
  const size = (await Deno.stat(unpacked)).size;
  const fake = "export const main = () => 42;\n";
  await Deno.writeTextFile(unpacked, fake + "/".repeat(size - fake.length));
  assert.equal((await runBundle(js, ["--help"], ws.path, { XDG_CACHE_HOME: cache })).code, 42);

  // Unless others could have written it: then the CLI comes from memory, the file stays unread.
  for (const [path, mode] of [[unpacked, 0o664], [`${cache}/iago`, 0o777]] as const) {
    const before = (await Deno.stat(path)).mode! & 0o777;
    await Deno.chmod(path, mode);
    const r = await runBundle(js, ["--help"], ws.path, { XDG_CACHE_HOME: cache });
    assert.deepEqual(r, help, `${path} mode ${mode.toString(8)}`);
    await Deno.chmod(path, before);
  }

  // Unpacking again (the files went) removes what older builds unpacked.
  await Deno.remove(unpacked);
  await Deno.remove(`${cache}/iago/${butaneFile}`);
  await Deno.writeTextFile(`${cache}/iago/cli-0000000000000000-5.js`, "stale");
  await Deno.writeTextFile(`${cache}/iago/butane-0000000000000000-5.js`, "stale");
  assert.deepEqual(await runBundle(js, ["--help"], ws.path, { XDG_CACHE_HOME: cache }), help);
  const listed = () => [...Deno.readDirSync(`${cache}/iago`)].map((e) => e.name).sort();
  assert.deepEqual(listed(), files);

  // `iago list` of a plain fleet is code of the entry: nothing more is unpacked.
  const list = await runBundle(js, ["list"], ws.path, { XDG_CACHE_HOME: cache });
  assert.equal(list.code, 0, list.stderr);
  assert.deepEqual(listed(), files);

  // `iago butane` imports its module (the translator, functions compiled for the code cache).
  await Deno.writeTextFile(`${ws.path}/a.bu`, "variant: fcos\nversion: 1.5.0\n");
  const butane = await runBundle(js, ["butane", "a.bu"], ws.path, { XDG_CACHE_HOME: cache });
  assert.equal(butane.stdout, '{"ignition":{"version":"3.4.0"}}\n', butane.stderr);
  assert.deepEqual(listed(), files);
  // The modules are packed as one stream, the full CLI after `iago butane`'s module: that one
  // unpacks alone as well, and the same.
  const butaneFirst = `${build.path}/cache-butane-first`;
  const first = await runBundle(js, ["butane", "a.bu"], ws.path, { XDG_CACHE_HOME: butaneFirst });
  assert.deepEqual(first, butane);
  assert.deepEqual([...Deno.readDirSync(`${butaneFirst}/iago`)].map((e) => e.name), [butaneFile]);
  assert.equal(
    await Deno.readTextFile(`${butaneFirst}/iago/${butaneFile}`),
    await Deno.readTextFile(`${cache}/iago/${butaneFile}`),
  );

  // No cache directory to write to (a file in its place): the same CLI, from memory.
  const fromMemory = await runBundle(js, ["--help"], ws.path, { XDG_CACHE_HOME: unpacked });
  assert.deepEqual(fromMemory, help);
  const butaneFromMemory = await runBundle(js, ["butane", "a.bu"], ws.path, {
    XDG_CACHE_HOME: unpacked,
  });
  assert.deepEqual(butaneFromMemory, butane);
});

Deno.test("every command works from the bundle on a fresh workspace, plugins included", async () => {
  await using build = await tempDir("iago-bundle-");
  await using ws = await tempDir("iago-bundle-ws-");
  const js = await buildBundle(build.path);
  const registry = await startRegistry();
  try {
    const ok = async (args: string[], env: Record<string, string> = {}) => {
      const r = await runBundle(js, args, ws.path, env);
      assert.equal(r.code, 0, `iago ${args.join(" ")}:\n${r.stderr}`);
      return r;
    };
    await ok(["init", "--domain", "example.com", "web"]);
    await ok(["init", "--machine-only", "--generate-mac=false", "db"]);
    await assertValidIgnition(await Deno.readTextFile(`${ws.path}/output/ignition/web.ign`), "web");

    // A third-party plugin, loaded by the bundle from the workspace.
    await ok(["plugin", "init", "cache"]);
    const machineToml = `${ws.path}/machines/web/machine.toml`;
    const image = `${registry.host}/fleet/web`;
    await Deno.writeTextFile(
      machineToml,
      (await Deno.readTextFile(machineToml)).replace(/^workloads = .*$/m, "") +
        `\nworkloads = ["postgres", "./workloads/cache.ts"]\ncontainer_image = "${image}"\n`,
    );
    // What the plugin prints goes to stderr, named; stdout keeps the JSON alone.
    const pluginFile = `${ws.path}/workloads/cache.ts`;
    await Deno.writeTextFile(
      pluginFile,
      (await Deno.readTextFile(pluginFile)).replace(
        "overlay(ctx: WorkloadContext): ButaneConfig {",
        '$&\n    console.log("overlay for", ctx.machine.name);',
      ),
    );
    await ok(["validate"]);
    const ignite = await ok(["ignite", "--all", "--json"]);
    const outcomes = JSON.parse(ignite.stdout).machines as { name: string; status: string }[];
    assert.deepEqual(outcomes.map((m) => m.name), ["db", "web"]);
    assert.equal(outcomes[1].status, "written");
    assert.match(ignite.stderr, /^workloads\/cache\.ts \(web\): overlay for web$/m);
    const web = JSON.parse(await Deno.readTextFile(`${ws.path}/output/ignition/web.ign`));
    const paths = web.storage.files.map((f: { path: string }) => f.path);
    assert.ok(paths.includes("/etc/iago/containers/cache.env"), "the plugin's file is there");
    assert.ok(paths.includes("/etc/iago/secrets/postgres-password"), "postgres' secret is there");

    // The bundle's sandbox process (started from dist/iago.js, its workers from code iago hands
    // it) refuses a static import of node:net, which would write to iago's stdout, and is
    // killed at the time limit.
    const dbToml = `${ws.path}/machines/db/machine.toml`;
    const dbText = await Deno.readTextFile(dbToml);
    const hostile: [string, string, RegExp][] = [
      [
        "reach.ts",
        'import net from "node:net";\nnew net.Socket({ fd: 1 }).write("LEAK\\n");\n' +
        'export default { name: "reach", overlay: () => ({}) };\n',
        /^error: workloads\/reach\.ts: Cannot load workload plugin: it tried to import from "node:net"$/m,
      ],
      [
        "spin.ts",
        'export default { name: "spin", overlay() { while (true) {} } };\n',
        /^error: workloads\/spin\.ts: overlay\(\) did not finish within 1 s$/m,
      ],
    ];
    for (const [file, code, error] of hostile) {
      await Deno.writeTextFile(`${ws.path}/workloads/${file}`, code);
      await Deno.writeTextFile(
        dbToml,
        dbText.replace(/^workloads = .*$/m, `workloads = ["./workloads/${file}"]`),
      );
      const r = await runBundle(js, ["validate", "db"], ws.path, { IAGO_PLUGIN_TIMEOUT: "1" });
      assert.equal(r.code, 1, r.stderr);
      assert.ok(!r.stdout.includes("LEAK") && !r.stderr.includes("LEAK"), r.stdout);
      assert.match(r.stderr, error);
    }
    await Deno.writeTextFile(dbToml, dbText);

    const list = JSON.parse((await ok(["list", "--json"])).stdout);
    assert.deepEqual(list.map((m: { name: string }) => m.name), ["db", "web"]);

    const butane = await runBundle(js, ["butane", "--pretty"], ws.path);
    assert.equal(butane.code, 1, "no input file and empty stdin is an error");
    await Deno.writeTextFile(`${ws.path}/x.bu`, "variant: fcos\nversion: 1.5.0\n");
    const translated = await ok(["butane", "x.bu"]);
    assert.equal(translated.stdout.trim(), '{"ignition":{"version":"3.4.0"}}');

    // Build without a base registry: FROM scratch, then push, sign and verify.
    const containerfile = `${ws.path}/containers/web/Containerfile`;
    // A layer over 2 MiB: compressed by the workers, whose code must survive bundling.
    await Deno.writeTextFile(
      containerfile,
      (await Deno.readTextFile(containerfile)).replace(/^FROM .*$/m, "FROM scratch") +
        "\nCOPY big.bin /usr/share/big.bin\n",
    );
    await Deno.writeFile(`${ws.path}/containers/web/big.bin`, new Uint8Array(5 << 20).fill(7));
    await ok(["build", "web", "--no-push", "--compression", "zstd"]);
    await ok(["build", "web", "--no-push"]);
    await Deno.stat(`${ws.path}/output/images/web.tar`);
    const keys = await makeKeyPair(ws.path, "cosign");
    await ok(["build", "web", "--sign", "--key", keys.key]);
    await ok(["verify", "web", "--key", keys.pub]);

    // Keyless, through local Fulcio and Rekor stand-ins: sigstore's npm code in the bundle.
    const sigstore = await startSigstore(build.path);
    try {
      const issuer = "https://issuer.standin.example";
      await ok(["build", "web", "--sign"], {
        SIGSTORE_ID_TOKEN: identityToken("me@example.com", issuer),
        SIGSTORE_FULCIO_URL: sigstore.fulcioUrl,
        SIGSTORE_REKOR_URL: sigstore.rekorUrl,
      });
      await ok(
        ["verify", "web", "--certificate-identity", "me@example.com"].concat(
          ["--certificate-oidc-issuer", issuer],
        ),
        {
          SIGSTORE_ROOT_FILE: sigstore.rootsFile,
          SIGSTORE_REKOR_PUBLIC_KEY: sigstore.rekorKeyFile,
        },
      );
    } finally {
      await sigstore.stop();
    }

    // plan reads what ignite and build would write; serve --urls makes and keeps tokens;
    // status runs ssh (a stub on PATH here), which the release permissions allow.
    const plan = await runBundle(js, ["plan", "--no-images"], ws.path);
    assert.equal(plan.code, 0, plan.stdout + plan.stderr);
    const urls = await ok(["serve", "--urls", "--url", "http://10.0.0.2:8080", "web"]);
    assert.match(
      urls.stdout,
      /^ {2}ignition {2}http:\/\/10\.0\.0\.2:8080\/ignition\?name=web&token=\S{43}$/m,
    );
    const stubs = new URL("./status/stubs", import.meta.url).pathname;
    const status = await runBundle(js, ["status", "web"], ws.path, {
      PATH: `${stubs}:${Deno.env.get("PATH")}`,
      STUB_MACHINES: `${ws.path}/no-machines`,
    });
    assert.equal(status.code, 1, status.stderr);
    assert.match(
      status.stdout,
      /^web: unreachable: ssh: connect to host web\.example\.com port 22: Connection refused$/m,
    );

    const rm = await ok(["rm", "--force", "db"]);
    assert.match(rm.stdout, /removed machines\/db/);
  } finally {
    await registry.stop();
  }
});

Deno.test("replaceRequires() gives a require the module named for it, and refuses what it cannot", async () => {
  const code = 'export const fetch = __require("make-fetch-happen");';
  const own = { "make-fetch-happen": "./make_fetch.ts" };
  await using dir = await tempDir();
  await Deno.writeTextFile(`${dir.path}/m.js`, replaceRequires(code, own));
  const mod = await import(`file://${dir.path}/m.js`);
  assert.equal(mod.fetch, await import("../scripts/make_fetch.ts"));
  assert.throws(() => replaceRequires(code, { glob: "./glob.ts" }), /No require of glob found/);
  const imported = `import x from "make-fetch-happen";\n${code}`;
  assert.throws(
    () => replaceRequires(imported, own),
    /make-fetch-happen is imported, not required/,
  );
});

Deno.test("lazyNodeImports() defers Node built-ins but node:path, and writes out constants", () => {
  const code = [
    "#!/usr/bin/env -S deno run -A",
    'import * as http from "node:http";',
    'import { Agent as HttpsAgent, request } from "node:https";',
    'import assert2 from "node:assert";',
    'import { join, sep } from "node:path";',
    'import { EOL, cpus } from "node:os";',
    "class A extends HttpsAgent {}",
  ].join("\n");
  const out = lazyNodeImports(code);
  assert.ok(!out.includes("#!"), "the shebang goes (the bundle gets its own)");
  assert.match(out, /^var http = __iagoLazyNode\("node:http"\);$/m);
  assert.match(out, /^var HttpsAgent = __iagoLazyNode\("node:https", "Agent"\);$/m);
  assert.match(out, /^var request = __iagoLazyNode\("node:https", "request"\);$/m);
  assert.match(out, /^var assert2 = __iagoLazyNode\("node:assert", "default"\);$/m);
  assert.match(out, /^import \{ join, sep \} from "node:path";$/m);
  assert.match(out, /^var EOL = "\\n";$/m, "a string cannot be a proxy");
  assert.match(out, /^var cpus = __iagoLazyNode\("node:os", "cpus"\);$/m);
  assert.ok(!out.includes("node:module"), "no built-in is loaded to load the others");
  assert.throws(() => lazyNodeImports('import { join } from "node:path";'), /No Node built-in/);
});

Deno.test("a lazily imported built-in works as a namespace, a function and a base class", async () => {
  const code = lazyNodeImports([
    'import * as events from "node:events";',
    'import { EventEmitter as Emitter, once } from "node:events";',
    "class Mine extends Emitter { hello() { return 'hi'; } }",
    "const m = new Mine();",
    "setTimeout(() => m.emit('ready', 42), 1);",
    "const [value] = await once(m, 'ready');",
    'import { Buffer } from "node:buffer";',
    'import { createHash } from "node:crypto";',
    "const sha = createHash('sha256').update(Buffer.from('abc')).digest('hex').slice(0, 8);",
    "const isBuffer = Buffer.from('x') instanceof Buffer && Buffer.isBuffer(Buffer.alloc(1));",
    "export const result = [",
    "  value, m.hello(), m instanceof events.EventEmitter, typeof events.on, sha, isBuffer,",
    "];",
  ].join("\n"));
  await using dir = await tempDir();
  await Deno.writeTextFile(`${dir.path}/m.js`, code);
  const mod = await import(`file://${dir.path}/m.js`);
  assert.deepEqual(mod.result, [42, "hi", true, "function", "ba7816bf", true]);
});
