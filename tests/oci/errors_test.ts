import assert from "node:assert/strict";
import { join } from "node:path";
import { iago, tempDir } from "../helpers/cli.ts";
import { makeWorkspace, registryWithBases, writeTree } from "./fixtures.ts";

interface Case {
  name: string;
  containerfile: string;
  files?: Record<string, string | { link: string }>;
  bytes?: Record<string, Uint8Array>;
  args?: string[];
  stderr: RegExp;
  code?: number;
}

/** One tar header claiming a 50 GiB file, and nothing after it. */
function bigArchive(): Uint8Array {
  const block = new Uint8Array(512);
  const put = (off: number, text: string) => block.set(new TextEncoder().encode(text), off);
  put(0, "big");
  put(100, "0000644\0");
  put(124, "620000000000");
  put(156, "0");
  put(257, "ustar\0" + "00");
  block.fill(0x20, 148, 156);
  put(148, block.reduce((a, x) => a + x, 0).toString(8).padStart(6, "0") + "\0 ");
  return block;
}

const CASES = (host: string): Case[] => [
  {
    name: "a source outside the context",
    containerfile: "FROM scratch\nCOPY ../secret /x\n",
    stderr: /Containerfile:2: COPY source "..\/secret" is outside the build context/,
  },
  {
    name: "a symlink pointing out of the context",
    containerfile: "FROM scratch\nCOPY link /x\n",
    files: { link: { link: "/etc/passwd" } },
    stderr: /Containerfile:2: COPY source "link" is a symlink pointing outside the build context/,
  },
  {
    name: "a wildcard ADD matching a symlink out of the context",
    containerfile: "FROM scratch\nADD ar* /x/\n",
    files: { "archive.tar": { link: "/etc/passwd" } },
    stderr:
      /Containerfile:2: ADD source "ar\*" matches "archive.tar", which is a symlink pointing outside the build context/,
  },
  {
    name: "a bad .containerignore pattern",
    containerfile: "FROM scratch\nCOPY a /a\n",
    files: { a: "x", ".containerignore": "*.md\n[z-a]\n" },
    stderr:
      /containers\/bad\/.containerignore:2: Invalid pattern "\[z-a\]": range out of order in character class\n.*hint: .*\\\[/,
  },
  {
    name: "a .containerignore linked out of the context, for buildah too",
    containerfile: "FROM scratch\nRUN true\n",
    files: { ".containerignore": { link: "/etc/passwd" } },
    args: ["--builder", "buildah"],
    stderr:
      /^error: containers\/bad\/.containerignore is a symlink pointing outside the build context\n.*hint: make .containerignore a file of the container's directory$/,
  },
  {
    name: "a relative symlink climbing out from a copied directory",
    containerfile: "FROM scratch\nCOPY tree/ /x/\n",
    files: { "tree/ok": "x", "tree/escape": { link: "../../outside" } },
    stderr:
      /Containerfile:2: Symlink "tree\/escape" -> "..\/..\/outside" points outside the build context/,
  },
  {
    name: "a missing source",
    containerfile: "FROM scratch\n\nCOPY nothere /x\n",
    stderr: /Containerfile:3: COPY source "nothere" not found in the build context/,
  },
  {
    name: "an ignored source",
    containerfile: "FROM scratch\nCOPY notes.md /x\n",
    files: { "notes.md": "x", ".dockerignore": "**/*.md\n" },
    stderr: /Containerfile:2: COPY source "notes.md" is excluded by .dockerignore/,
  },
  {
    name: "a wildcard matching nothing",
    containerfile: "FROM scratch\nCOPY *.conf /etc/\n",
    stderr: /Containerfile:2: COPY source "\*.conf" matches no file/,
  },
  {
    name: "several sources into a destination without a slash",
    containerfile: "FROM scratch\nCOPY a b /opt\n",
    files: { a: "x", b: "y" },
    stderr: /Containerfile:2: COPY of several sources needs a directory destination\n.*"\/opt\/"/,
  },
  {
    name: "a bad --chmod",
    containerfile: "FROM scratch\nCOPY --chmod=u+x a /a\n",
    files: { a: "x" },
    stderr: /Containerfile:2: Invalid --chmod "u\+x"/,
  },
  {
    name: "a --chown naming a user the image lacks",
    containerfile: "FROM scratch\nCOPY --chown=core:core a /a\n",
    files: { a: "x" },
    stderr:
      /Containerfile:2: Cannot resolve --chown "core:core": no user "core" in the image's \/etc\/passwd\n.*numeric ids/,
  },
  {
    name: "a --chown naming a group the image lacks",
    containerfile: `FROM ${host}/base:1\nCOPY --chown=app:nogroup a /a\n`,
    files: { a: "x" },
    stderr:
      /Containerfile:2: Cannot resolve --chown "app:nogroup": no group "nogroup" in the image's/,
  },
  {
    name: "a malformed --chown",
    containerfile: "FROM scratch\nCOPY --chown=1:2:3 a /a\n",
    files: { a: "x" },
    stderr: /Containerfile:2: Invalid --chown "1:2:3"\n.*USER\[:GROUP\]/,
  },
  {
    name: "a WORKDIR to create for a USER the image lacks",
    containerfile: "FROM scratch\nUSER core\nWORKDIR /home/core\n",
    stderr:
      /Containerfile:3: Cannot resolve USER core: no user "core" in the image's \/etc\/passwd/,
  },
  {
    name: "COPY of a URL",
    containerfile: "FROM scratch\nCOPY https://example.com/x /x\n",
    stderr: /Containerfile:2: COPY cannot read "https:\/\/example.com\/x"\n.*use ADD/,
  },
  {
    name: "an unknown instruction",
    containerfile: "FROM scratch\nCOPPY a /a\n",
    stderr: /Containerfile:2: Unknown instruction "COPPY"\n.*did you mean COPY\?/,
  },
  {
    name: "a bad port",
    containerfile: "FROM scratch\nEXPOSE http\n",
    stderr: /Containerfile:2: Invalid port "http" in EXPOSE/,
  },
  {
    name: "a bad healthcheck duration",
    containerfile: "FROM scratch\nHEALTHCHECK --interval=often CMD true\n",
    stderr: /Containerfile:2: Invalid --interval "often"/,
  },
  {
    name: "an unset required variable",
    containerfile: "FROM scratch\nWORKDIR ${APP:?set APP}\n",
    stderr: /Containerfile:2: APP: set APP/,
  },
  {
    name: "a base image that does not exist",
    containerfile: `FROM ${host}/nope:1\n`,
    stderr: /Containerfile:1: Cannot resolve base image ".*\/nope:1"/,
  },
  {
    name: "a destination below a file of the base",
    containerfile: `FROM ${host}/base:1\nCOPY a /etc/os-release/sub\n`,
    files: { a: "x" },
    stderr:
      /Containerfile:2: Cannot COPY to "\/etc\/os-release\/sub": "\/etc\/os-release" is not a directory in the image\n.*choose another destination/,
  },
  {
    name: "a WORKDIR that is a file of the base",
    containerfile: `FROM ${host}/base:1\nWORKDIR /etc/os-release\n`,
    stderr:
      /Containerfile:2: Cannot WORKDIR \/etc\/os-release: "\/etc\/os-release" is not a directory in the image/,
  },
  {
    name: "a --from naming no stage and no image",
    containerfile: `FROM scratch AS build\nFROM scratch\nCOPY --from=${host}/biuld:1 /a /a\n`,
    stderr:
      /Containerfile:3: COPY --from=".*\/biuld:1" is no stage of this Containerfile, and no image either: Cannot get manifest .*404.*\n.*the stages are named build/,
  },
  {
    name: "an empty FROM after substitution",
    containerfile: "ARG BASE\nFROM ${BASE}\n",
    stderr: /Containerfile:2: FROM "\$\{BASE\}" is empty after substitution/,
  },
  {
    name: "an xz archive in ADD",
    containerfile: "FROM scratch\nADD a.tar.xz /x/\n",
    bytes: { "a.tar.xz": new Uint8Array([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0, 1, 2]) },
    stderr: /Containerfile:2: ADD cannot extract xz archives/,
  },
  {
    name: "an archive claiming more bytes than it has",
    containerfile: "FROM scratch\nADD big.tar /x/\n",
    bytes: { "big.tar": bigArchive() },
    stderr:
      /Containerfile:2: Cannot extract "big.tar": entry "big" \(header at byte 0\): it claims 53687091200 bytes, past the end of the archive \(truncated or damaged\)\n.*hint: the archive is damaged/,
  },
  {
    name: "a bad platform",
    containerfile: "FROM scratch\n",
    args: ["--platform", "linux"],
    stderr: /Invalid platform "linux"/,
    code: 2,
  },
  {
    name: "a bad tag",
    containerfile: "FROM scratch\n",
    args: ["--tag", "v1/x"],
    stderr: /Invalid tag "v1\/x"/,
    code: 2,
  },
];

Deno.test("every bad input fails with what, where (Containerfile:LINE) and how to fix it", async () => {
  await using bases = await registryWithBases();
  const { registry, ws } = bases;
  for (const c of CASES(registry.host)) {
    const dir = join(ws, "containers", "bad");
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    await writeTree(dir, { Containerfile: c.containerfile, ...(c.files ?? {}) });
    for (const [name, bytes] of Object.entries(c.bytes ?? {})) {
      await Deno.writeFile(join(dir, name), bytes);
    }
    const r = await iago(["build", "bad", "--no-push", ...(c.args ?? [])], { cwd: ws });
    assert.equal(r.code, c.code ?? 1, `${c.name}: ${r.stderr}`);
    assert.match(r.stderr, c.stderr, c.name);
    assert.ok(!r.stderr.includes("stack trace"), `${c.name}: ${r.stderr}`);
    assert.ok(!r.stderr.includes("root:x:0"), `${c.name} shows /etc/passwd: ${r.stderr}`);
  }
  assert.deepEqual([...Deno.readDirSync(ws)].map((e) => e.name).sort(), [
    ".iago",
    "config",
    "containers",
  ]);
});

Deno.test("build names a missing container with a did-you-mean and refuses names with --all", async () => {
  await using scratch = await tempDir();
  await writeTree(join(scratch.path, "containers"), { "web/Containerfile": "FROM scratch\n" });
  const typo = await iago(["build", "webb"], { cwd: scratch.path });
  assert.equal(typo.code, 2);
  assert.match(typo.stderr, /No container "webb" in containers\/\n.*did you mean web\?/);
  const both = await iago(["build", "web", "--all"], { cwd: scratch.path });
  assert.equal(both.code, 2);
  const evil = await iago(["build", "../etc"], { cwd: scratch.path });
  assert.equal(evil.code, 2);
  assert.match(evil.stderr, /Invalid machine name/);
});

Deno.test("build --all goes on after a failure, prints a summary and exits 1", async () => {
  await using bases = await registryWithBases();
  const { registry, ws } = bases;
  await writeTree(join(ws, "containers"), {
    "a-bad/Containerfile": "FROM scratch\nCOPY missing /x\n",
    "b-good/Containerfile": `FROM ${registry.host}/base:1\nLABEL ok=1\n`,
    "_shared/Containerfile": "not a containerfile\n",
  });
  const r = await iago(["build", "--all", "--platform", "linux/amd64"], { cwd: ws });
  assert.equal(r.code, 1);
  const lines = r.stdout.split("\n");
  assert.match(lines[0], /^a-bad: failed/);
  assert.match(lines[1], /^b-good: pushed /);
  assert.match(r.stderr, /containers\/a-bad\/Containerfile:2: COPY source "missing" not found/);
  assert.match(r.stderr, /built 1 of 2 containers; failed: a-bad/);
});

Deno.test("a Containerfile linked to a file outside the workspace is refused without showing its text", async () => {
  await using scratch = await tempDir();
  const ws = join(scratch.path, "ws");
  await makeWorkspace(ws, "127.0.0.1:9");
  await writeTree(ws, {
    "containers/shared/Containerfile": "FROM scratch\nLABEL shared=1\n",
    "containers/web/Containerfile": { link: "/etc/passwd" },
    "containers/api/Containerfile": { link: "../shared/Containerfile" },
  });
  const r = await iago(["build", "web", "--no-push"], { cwd: ws });
  assert.equal(r.code, 1);
  assert.equal(
    r.stderr,
    "error: containers/web/Containerfile is a symlink pointing outside the workspace\n  hint: copy the Containerfile into the workspace (a link to another container's is fine)",
  );
  const shared = await iago(["build", "api", "--no-push"], { cwd: ws });
  assert.equal(shared.code, 0, shared.stderr);
});
