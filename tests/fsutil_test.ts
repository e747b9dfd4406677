/**
 * Atomic writes as the kernel sees them: the data is synced before the rename, and the
 * directory after it, so a power loss keeps either the old file or the whole new one under the
 * name (checked in the system calls of a real process, traced by strace).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { tempDir } from "./helpers/cli.ts";

const FSUTIL = new URL("../src/fsutil.ts", import.meta.url).href;

/** The system calls of `script` (deno eval) that touch files: open, dup, sync, rename. */
async function traced(script: string): Promise<string[]> {
  await using dir = await tempDir("iago-strace-");
  const log = join(dir.path, "trace");
  const out = await new Deno.Command("strace", {
    args: [
      "-f",
      "-qq",
      "-o",
      log,
      "-e",
      "trace=openat,fcntl,dup,dup2,dup3,fsync,fdatasync,rename,renameat,renameat2",
      Deno.execPath(),
      "eval",
      script,
    ],
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  return (await Deno.readTextFile(log)).split("\n")
    .map((l) => l.replace(/^\d+\s+/, "").replace(/\)\s+= /, ") = "));
}

Deno.test("writeFileAtomic() syncs the directory after the rename", async () => {
  await using dir = await tempDir();
  const target = join(dir.path, "web.ign");
  const calls = await traced(
    `import { writeFileAtomic } from ${JSON.stringify(FSUTIL)};
     await writeFileAtomic(${JSON.stringify(target)}, "{}");`,
  );
  const renamed = calls.findIndex((c) => /^rename(at2?)?\(.*web\.ign"/.test(c));
  assert.ok(renamed !== -1, calls.join("\n"));
  // Descriptors of the directory: opened by name, or duplicated from one that was.
  const dirFds = new Set<string>();
  let synced = false;
  for (const call of calls.slice(renamed + 1)) {
    const open = new RegExp(`^openat\\(AT_FDCWD, "${dir.path}", .*\\) = (\\d+)$`).exec(call);
    if (open) dirFds.add(open[1]);
    const dup = /^(?:fcntl\((\d+), F_DUPFD(?:_CLOEXEC)?, \d+\)|dup[23]?\((\d+).*\)) = (\d+)$/
      .exec(call);
    if (dup && dirFds.has(dup[1] ?? dup[2])) dirFds.add(dup[3]);
    const sync = /^f(?:data)?sync\((\d+)\) = 0$/.exec(call);
    if (sync && dirFds.has(sync[1])) synced = true;
  }
  assert.ok(
    synced,
    `no fsync of ${dir.path} after the rename:\n${calls.slice(renamed).join("\n")}`,
  );
});

Deno.test("readGivenFile() reads a relative path in the workspace and names a file it cannot read as given", async () => {
  const { readGivenFile } = await import(FSUTIL);
  await using dir = await tempDir();
  await Deno.mkdir(join(dir.path, "tls"));
  await Deno.writeTextFile(join(dir.path, "tls/ca.crt"), "PEM\n");
  assert.equal(await readGivenFile(dir.path, "tls/ca.crt", "CA certificate"), "PEM\n");
  assert.equal(await readGivenFile("/", join(dir.path, "tls/ca.crt"), "CA certificate"), "PEM\n");
  const cases: [string, string][] = [
    [
      "ca.crt",
      `Cannot read the CA certificate "ca.crt": no such file\n` +
      `  hint: a relative path is relative to the workspace (-C DIR), here ${dir.path}`,
    ],
    ["/nowhere/ca.crt", `Cannot read the CA certificate "/nowhere/ca.crt": no such file`],
    ["tls", `Cannot read the CA certificate "tls": it is a directory`],
  ];
  for (const [given, message] of cases) {
    const err = await readGivenFile(dir.path, given, "CA certificate").catch((e: Error) => e);
    assert.equal(err.name, "UsageError", given);
    assert.equal(err.format(), message);
  }
});
