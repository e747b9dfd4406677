/**
 * The lean entry (src/cli/lean/) answers `iago butane`, `iago --version` and `iago list` without
 * the command tree: for every argument list it answers, its output, errors, exit code and written files
 * must be the full CLI's; every other one it must leave untouched for the full CLI.
 */
import assert from "node:assert/strict";
import { runIago } from "../src/cli/entry.ts";
import { leanMain } from "../src/cli/lean/mod.ts";
import { main } from "../src/cli/main.ts";
import { memoryOutput } from "../src/output.ts";
import { tempDir } from "./helpers/cli.ts";

const GOOD =
  "variant: fcos\nversion: 1.5.0\nstorage:\n  files:\n    - path: /etc/motd\n      contents:\n        local: motd\n";
const WARN =
  "variant: fcos\nversion: 1.5.0\nstorage:\n  files:\n    - path: /etc/x\n      mode: 644\n";
const BAD = "variant: fcos\nversion: 1.5.0\nstorage:\n  files:\n    - path: /a\n      mode: nope\n";

async function workspace(path: string): Promise<void> {
  for (const name of ["web", "db"]) {
    const args = ["init", "--machine-only", "--domain", "example.com", name];
    const out = memoryOutput();
    const code = await main(args, { out, cwd: path, env: { IAGO_OFFLINE: "1" } });
    assert.equal(code, 0, out.stderr.join("\n"));
  }
  await Deno.mkdir(`${path}/machines/bad name`);
  await Deno.mkdir(`${path}/files`);
  await Deno.mkdir(`${path}/sub`);
  await Deno.writeTextFile(`${path}/files/motd`, "hi\n");
  await Deno.writeTextFile(`${path}/good.bu`, GOOD);
  await Deno.writeTextFile(`${path}/sub/good.bu`, GOOD);
  await Deno.writeTextFile(`${path}/warn.bu`, WARN);
  await Deno.writeTextFile(`${path}/bad.bu`, BAD);
  await Deno.writeTextFile(`${path}/plain.bu`, "variant: fcos\nversion: 1.4.0\n");
}

/** What a run printed and wrote: its exit code, stdout, stderr and out.ign, if any. */
async function runOnce(
  run: typeof main,
  args: string[],
  cwd: string,
): Promise<{ code: number | undefined; stdout: string[]; stderr: string[]; written?: string }> {
  await Deno.remove(`${cwd}/out.ign`).catch(() => {});
  const out = memoryOutput();
  const code = await run(args, { out, cwd, env: { NO_COLOR: "1" } });
  const written = await Deno.readTextFile(`${cwd}/out.ign`).catch(() => undefined);
  return { code, stdout: out.stdout, stderr: out.stderr, written };
}

const ANSWERED = [
  ["--version"],
  ["-v"],
  ["-q", "--version"],
  ["-C", "sub", "--version"],
  ["-C", "nowhere", "--version"],
  ["butane", "plain.bu"],
  ["butane", "-d", "files", "good.bu"],
  ["butane", "--files-dir", "files", "--pretty", "good.bu"],
  ["butane", "good.bu", "--filesDir", "files", "-p", "-s", "-r"],
  ["butane", "good.bu"],
  ["butane", "warn.bu"],
  ["butane", "--strict", "warn.bu"],
  ["--quiet", "butane", "bad.bu"],
  ["butane", "bad.bu"],
  ["butane", "--check", "-d", "files", "good.bu"],
  ["butane", "-c", "warn.bu"],
  ["butane", "-d", "files", "-o", "out.ign", "good.bu"],
  ["butane", "--output", "out.ign", "--strict", "warn.bu"],
  ["butane", "-o", "no/such/dir/out.ign", "plain.bu"],
  ["butane", "missing.bu"],
  ["butane", "constructor"],
  ["butane", "files"],
  ["-C", "sub", "butane", "-d", "../files", "good.bu"],
  ["butane", "--raw", "plain.bu", "-q"],
  ["list"],
  ["ls"],
  ["list", "--json"],
  ["-q", "ls", "--json"],
  ["-C", "sub", "list"],
  ["-C", "files/motd", "list"],
];

Deno.test("the lean entry answers butane, --version and list exactly as the full CLI", async () => {
  await using dir = await tempDir();
  await workspace(dir.path);
  for (const args of ANSWERED) {
    const lean = await runOnce(leanMain as typeof main, args, dir.path);
    const full = await runOnce(main, args, dir.path);
    assert.notEqual(lean.code, undefined, `the lean entry answers iago ${args.join(" ")}`);
    assert.deepEqual(lean, full, `iago ${args.join(" ")}`);
  }
});

const LEFT_TO_THE_FULL_CLI = [
  [],
  ["--help"],
  ["--version", "extra"],
  ["list", "--json=false"],
  ["list", "--no-json"],
  ["list", "--json", "--json"],
  ["ls", "web"],
  ["list", "-h"],
  ["validate"],
  ["butane", "--help"],
  ["butane", "-h"],
  ["butane", "--strict=false", "plain.bu"],
  ["butane", "--no-strict", "plain.bu"],
  ["butane", "--files-dir=files", "good.bu"],
  ["butane", "-sp", "plain.bu"],
  ["butane", "--strict", "--strict", "plain.bu"],
  ["butane", "-o", "a.ign", "-o", "b.ign", "plain.bu"],
  ["butane", "plain.bu", "good.bu"],
  ["butane", "-"],
  ["butane", "--", "plain.bu"],
  ["butane", "-o"],
  ["butane", "-o", "-p", "plain.bu"],
  ["butane", "--unknown", "plain.bu"],
  ["butane", ""],
  ["butane", "--constructor", "plain.bu"],
  ["-C"],
];

Deno.test("the lean entry leaves every other argument list to the full CLI, untouched", async () => {
  await using dir = await tempDir();
  await workspace(dir.path);
  for (const args of LEFT_TO_THE_FULL_CLI) {
    const out = memoryOutput();
    const code = await leanMain(args, { out, cwd: dir.path, env: { NO_COLOR: "1" } });
    assert.equal(code, undefined, `iago ${args.join(" ")} is the full CLI's`);
    assert.deepEqual([out.stdout, out.stderr], [[], []], `iago ${args.join(" ")} printed nothing`);
  }
});

/** Changes to a workspace of web and db as `iago init` writes them. */
type Edit = (path: string) => Promise<void>;

const edit = (file: string, from: RegExp | string, to: string): Edit => async (path) => {
  const text = await Deno.readTextFile(`${path}/${file}`);
  await Deno.writeTextFile(`${path}/${file}`, text.replace(from, to));
};

/** Workspaces `iago list` reads the quick way: the lean entry answers them itself. */
const QUICK_LISTS: Record<string, Edit> = {
  "as written": async () => {},
  "no defaults file": (path) => Deno.remove(`${path}/config/defaults.toml`),
  "image, tag, workloads, no MAC": edit(
    "machines/web/machine.toml",
    /container_tag = .*\nmac_address = .*\n/,
    "container_image = \"registry.lan:5000/x/web\"\ncontainer_tag = 'v2'\n" +
      'workloads = ["postgres", "./workloads/redis.ts"]\n',
  ),
  "registry url with a slash": edit(
    "config/defaults.toml",
    /^url = .*$/m,
    'url = "registry.lan:5000/fleet/" # ours',
  ),
  "stale and missing Ignition": async (path) => {
    await Deno.utime(`${path}/machines/web/machine.toml`, 4_000_000_000, 4_000_000_000);
    await Deno.remove(`${path}/output/ignition/db.ign`).catch(() => {});
  },
  // Stale by the defaults alone: machine.toml's time is not needed, the template's is.
  "defaults newer than the Ignition": (path) =>
    Deno.utime(`${path}/config/defaults.toml`, 4_000_000_000, 4_000_000_000),
  "no output directory": (path) => Deno.remove(`${path}/output`, { recursive: true }),
  // After the first machine without Ignition (db), output/ignition is listed: what it shows of
  // web's, which the full CLI stats, must give the same state.
  "web's Ignition a dangling link": async (path) => {
    await Deno.remove(`${path}/output/ignition/db.ign`);
    await Deno.remove(`${path}/output/ignition/web.ign`);
    await Deno.symlink(`${path}/nowhere`, `${path}/output/ignition/web.ign`);
  },
  "web's Ignition named in capitals": async (path) => {
    await Deno.remove(`${path}/output/ignition/db.ign`);
    await Deno.rename(`${path}/output/ignition/web.ign`, `${path}/output/ignition/WEB.ign`);
  },
  "web's Ignition a directory": async (path) => {
    await Deno.remove(`${path}/output/ignition/db.ign`);
    await Deno.remove(`${path}/output/ignition/web.ign`);
    await Deno.mkdir(`${path}/output/ignition/web.ign`);
  },
  "a name not ASCII beside the Ignition files": async (path) => {
    await Deno.rename(`${path}/output/ignition/db.ign`, `${path}/output/ignition/d\u00e9.ign`);
    await Deno.utime(`${path}/machines/web/butane.yaml.tmpl`, 4_000_000_000, 4_000_000_000);
  },
  "a machine without its template": (path) => Deno.remove(`${path}/machines/web/butane.yaml.tmpl`),
  "a machine.toml and a template that are links to files": async (path) => {
    await Deno.rename(`${path}/machines/web/machine.toml`, `${path}/web.toml`);
    await Deno.symlink(`${path}/web.toml`, `${path}/machines/web/machine.toml`);
    await Deno.rename(`${path}/machines/db/butane.yaml.tmpl`, `${path}/db.tmpl`);
    await Deno.symlink("../../db.tmpl", `${path}/machines/db/butane.yaml.tmpl`);
    await Deno.utime(`${path}/db.tmpl`, 4_000_000_000, 4_000_000_000);
  },
  "a template that is a dangling link": async (path) => {
    await Deno.remove(`${path}/machines/web/butane.yaml.tmpl`);
    await Deno.symlink(`${path}/nowhere`, `${path}/machines/web/butane.yaml.tmpl`);
  },
  "no machines directory": (path) => Deno.remove(`${path}/machines`, { recursive: true }),
  "a machine directory without a machine.toml": (path) => Deno.mkdir(`${path}/machines/empty`),
  "bytes that are not UTF-8 in a comment": async (path) => {
    const file = `${path}/machines/web/machine.toml`;
    const bytes = await Deno.readFile(file);
    await Deno.writeFile(file, new Uint8Array([...bytes, ...new TextEncoder().encode("# "), 0xff]));
  },
  "files and dot directories beside the machines": async (path) => {
    await Deno.writeTextFile(`${path}/machines/README`, "not a machine");
    await Deno.mkdir(`${path}/machines/.git/x`, { recursive: true });
    await Deno.writeTextFile(`${path}/machines/.git/x/machine.toml`, "not toml");
    await Deno.writeTextFile(`${path}/machines/.hidden.toml`, "not toml");
  },
};

/** Workspaces the quick way leaves to the full CLI: problems to report, other TOML, links. */
const FULL_LISTS: Record<string, Edit> = {
  "an invalid machine": edit("machines/web/machine.toml", /mac_address = .*/, 'mac_address = "x"'),
  "a name not its directory's": edit("machines/db/machine.toml", 'name = "db"', 'name = "web"'),
  "a workload twice": edit("machines/db/machine.toml", "workloads = []", 'workloads = ["a", "a"]'),
  "a TOML syntax error": edit("machines/db/machine.toml", 'fqdn = "', "fqdn = "),
  "valid TOML beyond the plain subset": edit(
    "machines/db/machine.toml",
    'fqdn = "db',
    'fqdn = "\\u0064b',
  ),
  "CRLF line ends": edit("machines/db/machine.toml", /\n/g, "\r\n"),
  "invalid defaults": edit("config/defaults.toml", 'timezone = "UTC"', 'timezone = "Mars"'),
  "pull_auth without a user": edit("config/defaults.toml", "pull_auth = false", "pull_auth = true"),
  "defaults that are a directory": async (path) => {
    await Deno.remove(`${path}/config/defaults.toml`);
    await Deno.mkdir(`${path}/config/defaults.toml`);
  },
  "a machine.toml that is a directory": async (path) => {
    await Deno.remove(`${path}/machines/db/machine.toml`);
    await Deno.mkdir(`${path}/machines/db/machine.toml`);
  },
  "a linked machine directory": (path) =>
    Deno.symlink(`${path}/machines/web`, `${path}/machines/link`),
  "a machine directory not named as a machine": async (path) => {
    await Deno.mkdir(`${path}/machines/Web`);
    await Deno.writeTextFile(`${path}/machines/Web/machine.toml`, 'name = "Web"\n');
  },
  // (Whatever else says "stale": summarizeMachines stats the template and fails.)
  "a template that links to itself, defaults newer": async (path) => {
    await Deno.remove(`${path}/machines/web/butane.yaml.tmpl`);
    await Deno.symlink("butane.yaml.tmpl", `${path}/machines/web/butane.yaml.tmpl`);
    await Deno.utime(`${path}/config/defaults.toml`, 4_000_000_000, 4_000_000_000);
  },
  "machines/ a file": async (path) => {
    await Deno.remove(`${path}/machines`, { recursive: true });
    await Deno.writeTextFile(`${path}/machines`, "not a directory");
  },
  "output/ignition a file": async (path) => {
    await Deno.remove(`${path}/output/ignition`, { recursive: true });
    await Deno.writeTextFile(`${path}/output/ignition`, "not a directory");
  },
  "an empty machine.toml": (path) => Deno.writeTextFile(`${path}/machines/web/machine.toml`, ""),
  "a machine.toml with a [section]": edit("machines/web/machine.toml", /^name/m, "[x]\nname"),
  "a dangling machine.toml link": async (path) => {
    await Deno.mkdir(`${path}/machines/gone`);
    await Deno.symlink(`${path}/nowhere`, `${path}/machines/gone/machine.toml`);
  },
};

Deno.test("list: the lean entry answers plain fleets the quick way, exactly as the full CLI", async () => {
  await using written = await tempDir();
  await workspace(written.path);
  for (const [quick, edits] of [[true, QUICK_LISTS], [false, FULL_LISTS]] as const) {
    for (const [name, change] of Object.entries(edits)) {
      await using dir = await tempDir();
      const copy = await new Deno.Command("cp", { args: ["-a", `${written.path}/.`, dir.path] })
        .output();
      assert.ok(copy.success, new TextDecoder().decode(copy.stderr));
      await change(dir.path);
      for (const args of [["list"], ["list", "--json"]]) {
        const what = `${name}: iago ${args.join(" ")}`;
        const out = memoryOutput();
        const lean = await leanMain(args, { out, cwd: dir.path, env: { NO_COLOR: "1" } });
        assert.equal(
          lean !== undefined,
          quick,
          `${what} is answered ${quick ? "quick" : "in full"}`,
        );
        if (!quick) assert.deepEqual([out.stdout, out.stderr], [[], []], `${what} printed nothing`);
        const entry = await runOnce(runIago, args, dir.path);
        assert.deepEqual(entry, await runOnce(main, args, dir.path), what);
      }
    }
  }
});
