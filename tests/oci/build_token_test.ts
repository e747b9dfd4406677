import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { iago, tempDir } from "../helpers/cli.ts";
import { startRegistry } from "../helpers/registry.ts";
import { run, writeTree } from "./fixtures.ts";

const MAIN = fileURLToPath(new URL("../../main.ts", import.meta.url));
const TOKEN = "tok-from-a-file-0042";

Deno.test("build takes the registry token from --token-file or from stdin with --token -, never from argv", async () => {
  const registry = await startRegistry({ htpasswd: { user: "builder", password: TOKEN } });
  await using scratch = await tempDir();
  try {
    const ws = scratch.path;
    await writeTree(ws, {
      "config/defaults.toml":
        `[container_registry]\nurl = "${registry.host}/team"\nusername = "builder"\n`,
      "containers/web/Containerfile": "FROM scratch\nCOPY motd /etc/motd\n",
      "containers/web/motd": "hi\n",
      "token": `${TOKEN}\n`,
      "empty-token": "\n",
    });
    const env = { GITHUB_TOKEN: "" };
    const fromFile = await iago(["build", "web", "--token-file", "token"], { cwd: ws, env });
    assert.equal(fromFile.code, 0, fromFile.stderr);
    await run("skopeo", [
      "inspect",
      "--tls-verify=false",
      "--creds",
      `builder:${TOKEN}`,
      `docker://${registry.host}/team/web:latest`,
    ]);

    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", MAIN, "build", "web", "--tag", "stdin", "--token", "-"],
      cwd: ws,
      env: { NO_COLOR: "1", GITHUB_TOKEN: "" },
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(`${TOKEN}\n`));
    await writer.close();
    const fromStdin = await child.output();
    const said = new TextDecoder().decode(fromStdin.stdout) +
      new TextDecoder().decode(fromStdin.stderr);
    assert.equal(fromStdin.code, 0, said);
    assert.match(said, /pushed .* tags stdin/);
    assert.ok(!(said + fromFile.stdout + fromFile.stderr).includes(TOKEN));

    const both = await iago(["build", "web", "--token", "x", "--token-file", "token"], { cwd: ws });
    assert.equal(both.code, 2);
    assert.match(both.stderr, /Give --token or --token-file, not both/);
    const missing = await iago(["build", "web", "--token-file", "nope"], { cwd: ws });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /Cannot read the registry token from nope: No such file/);
    const empty = await iago(["build", "web", "--token-file", "empty-token"], { cwd: ws });
    assert.match(empty.stderr, /The registry token from empty-token is empty/);

    const help = await iago(["build", "--help"], { cwd: ws });
    assert.match(help.stdout, /--token-file/);
    assert.match(help.stdout, /every local user can read with ps/);
  } finally {
    await registry.stop();
  }
});
