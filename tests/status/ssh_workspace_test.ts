/**
 * `iago -C DIR status` runs ssh in the workspace, so a relative path in `--ssh-option`
 * (`IdentityFile=keys/fleet`) is relative to the workspace like every other path iago takes.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { iago, tempDir } from "../helpers/cli.ts";
import { writeTree } from "../oci/fixtures.ts";

const HASH =
  "$6$saltsalt$0mPDkZs0x0O8C6F0b6eGvL8v0pQ0bY2rY2eR2aB7lJ0Yy3vJ8y8m0f0Q7w1kS6n5f4d3c2b1a0z9y8x7w6v5u.";

Deno.test("iago -C DIR status runs ssh in the workspace: a relative IdentityFile of --ssh-option is found there", async () => {
  await using dir = await tempDir();
  const ws = join(dir.path, "fleet");
  const log = join(dir.path, "ssh.log");
  await writeTree(dir.path, {
    "fleet/config/defaults.toml":
      `[user]\nusername = "core"\npassword_hash = "${HASH}"\n\n[admin]\npassword_hash = "${HASH}"\n`,
    "fleet/machines/web/machine.toml": `name = "web"\nfqdn = "web.test"\n`,
    "fleet/machines/web/butane.yaml.tmpl": "variant: fcos\nversion: 1.5.0\n",
    "fleet/keys/fleet": "not a real key: ssh only has to find it\n",
    // An ssh that says where it ran and whether it found its identity file, then cannot connect.
    "bin/ssh": {
      mode: 0o755,
      text: [
        "#!/bin/sh",
        'pwd >> "$STUB_LOG"',
        "for a; do",
        '  case $a in IdentityFile=*) [ -r "${a#IdentityFile=}" ] && echo found >> "$STUB_LOG" ;; esac',
        "done",
        'echo "ssh: connect to host web.test port 22: Connection refused" >&2',
        "exit 255",
      ].join("\n"),
    },
  });
  const r = await iago(
    ["-C", "fleet", "status", "--ssh-option", "IdentityFile=keys/fleet", "web"],
    {
      cwd: dir.path,
      env: {
        PATH: `${join(dir.path, "bin")}:${Deno.env.get("PATH")}`,
        STUB_LOG: log,
        IAGO_GITHUB_URL: "http://127.0.0.1:9",
      },
    },
  );
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /Connection refused/);
  assert.equal(await Deno.readTextFile(log), `${await Deno.realPath(ws)}\nfound\n`);
});
