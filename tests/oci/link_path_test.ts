import assert from "node:assert/strict";
import { resolveLinks } from "../../src/oci/link_path.ts";

const ROOT = new Map<string, { type: string; linkname?: string }>([
  ["usr", { type: "dir" }],
  ["usr/local", { type: "symlink", linkname: "../var/usrlocal" }],
  ["var", { type: "dir" }],
  ["var/usrlocal", { type: "dir" }],
  ["opt", { type: "symlink", linkname: "/var/opt" }],
  ["up", { type: "symlink", linkname: "../../../etc" }],
  ["loop", { type: "symlink", linkname: "loop" }],
  ["file-link", { type: "symlink", linkname: "usr" }],
]);
const lookup = (p: string) => ROOT.get(p);

Deno.test("resolveLinks() follows links inside the root as the kernel does", () => {
  const cases: [string, boolean, { path: string; via?: string }][] = [
    ["/usr/local/bin", true, { path: "var/usrlocal/bin", via: "usr/local" }],
    ["opt/app/x", false, { path: "var/opt/app/x", via: "opt" }],
    ["up/shadow", true, { path: "etc/shadow", via: "up" }],
    ["file-link", false, { path: "file-link", via: undefined }],
    ["file-link", true, { path: "usr", via: "file-link" }],
    ["missing/../usr/./local/", true, { path: "var/usrlocal", via: "usr/local" }],
    ["", true, { path: "", via: undefined }],
  ];
  for (const [path, followLast, expected] of cases) {
    assert.deepEqual(resolveLinks(path, followLast, lookup), expected, path);
  }
});

Deno.test("resolveLinks() stops after 40 links, or throws what tooMany makes", () => {
  assert.deepEqual(resolveLinks("loop/x", true, lookup), { path: "loop/x", via: "loop" });
  assert.throws(
    () => resolveLinks("loop/x", true, lookup, () => new Error("too many")),
    /^Error: too many$/,
  );
});
