/**
 * A sandbox worker whose start went wrong inside it (its own listeners catch its error, so it
 * never says it is ready) fails at the start limit instead of being waited for forever.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { CodeWorker } from "../../src/sandbox/code_worker.ts";
import { SandboxProcess } from "../../src/sandbox/sandbox_process.ts";
import { tempDir } from "../helpers/cli.ts";

Deno.test("a sandbox worker that never says it is ready fails at the start limit", async () => {
  await using dir = await tempDir();
  const file = join(dir.path, "silent_worker.js");
  await Deno.writeTextFile(file, "addEventListener('message', () => {});\n");
  const memoryBytes = 64 * 2 ** 20;
  const process = new SandboxProcess(memoryBytes, { url: pathToFileURL(file).href });
  const worker = new CodeWorker(process, {
    timeoutMs: 10_000,
    memoryBytes,
    stayFailed: false,
    startLimitMs: 300,
  });
  await assert.rejects(
    worker.setup(),
    /^IagoError: Cannot start the sandbox for templates and plugins: it did not start within 0\.3 s$/,
  );
  await process.close();
});
