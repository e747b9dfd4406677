import assert from "node:assert/strict";
import { diffIgnition } from "../../src/plan/ignition_diff.ts";

const file = (path: string, text: string, mode = 0o644) => ({
  path,
  mode,
  contents: { source: `data:,${encodeURIComponent(text)}` },
});
const config = (files: unknown[], units: unknown[] = []) => ({
  ignition: { version: "3.4.0" },
  storage: { files },
  systemd: { units },
});

Deno.test("diffIgnition() shows a world-readable file holding a known secret only by digest", () => {
  const changes = diffIgnition(
    config([file("/etc/app.conf", "password=hunter2-old-value\n")]),
    config([file("/etc/app.conf", "password=hunter2-new-value\n")]),
    { secretValues: ["hunter2-new-value"] },
  );
  assert.equal(changes.length, 1);
  assert.equal(changes[0].diff, undefined);
  assert.match(
    changes[0].details[0],
    /^contents \(secret\): sha256:[0-9a-f]{12} \(27 bytes\) -> sha256:[0-9a-f]{12} \(27 bytes\)$/,
  );
  assert.ok(!JSON.stringify(changes).includes("hunter2"));
});

Deno.test("diffIgnition() diffs a unit's dropins and reports mode and enablement changes", () => {
  const before = config([file("/usr/local/bin/x.sh", "echo 1\n", 0o755)], [
    {
      name: "x.service",
      enabled: true,
      contents: "[Service]\nExecStart=/x\n",
      dropins: [{ name: "a.conf", contents: "[Service]\nNice=1\n" }],
    },
  ]);
  const after = config([file("/usr/local/bin/x.sh", "echo 1\n", 0o700)], [
    {
      name: "x.service",
      enabled: false,
      contents: "[Service]\nExecStart=/x\n",
      dropins: [{ name: "a.conf", contents: "[Service]\nNice=5\n" }],
    },
  ]);
  const changes = diffIgnition(before, after);
  assert.deepEqual(changes.map((c) => [c.kind, c.name, c.change, c.details]), [
    ["file", "/usr/local/bin/x.sh", "changed", ["mode 0755 -> 0700"]],
    ["unit", "x.service", "changed", ["enabled true -> false"]],
  ]);
  assert.equal(changes[1].diff, "dropin a.conf:\n@@ -1,2 +1,2 @@\n [Service]\n-Nice=1\n+Nice=5");
});

Deno.test("diffIgnition() reports settings outside users, files and units by their path", () => {
  const changes = diffIgnition(
    { ...config([]), kernelArguments: { shouldExist: ["quiet"] } },
    { ...config([]), kernelArguments: { shouldExist: ["quiet", "nosmt"] } },
  );
  assert.deepEqual(changes, [{
    kind: "setting",
    name: "kernelArguments.shouldExist",
    change: "changed",
    details: [],
  }]);
});
