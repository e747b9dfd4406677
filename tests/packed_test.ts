/**
 * src/cli/packed.ts: importing an unpacked module of the release bundle. (The bundle's own
 * unpacking is run for real in bundle_test.ts.)
 */
import assert from "node:assert/strict";
import { importUnpacked } from "../src/cli/packed.ts";

Deno.test("an unpacked module another build removed before its import is imported from memory instead", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // Two builds started together: the other one removed this build's file as an older one's.
    assert.equal(await importUnpacked(`${dir}/butane-0123456789abcdef-100.js`), undefined);
    const file = `${dir}/butane-fedcba9876543210-30.js`;
    await Deno.writeTextFile(file, "export const answer = 42;\n");
    assert.deepEqual({ ...(await importUnpacked<{ answer: number }>(file)) }, { answer: 42 });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an unpacked module whose imported module another build removed is imported from memory instead", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // The full CLI imports iago butane's module, which the other build removed.
    const imported = `${dir}/butane-0123456789abcdef-30.js`;
    const file = `${dir}/cli-fedcba9876543210-60.js`;
    await Deno.writeTextFile(file, `export { answer } from "./butane-0123456789abcdef-30.js";\n`);
    assert.equal(await importUnpacked(file, [imported]), undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an unpacked module that is there but fails stays a failure", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/butane-0011223344556677-40.js`;
    await Deno.writeTextFile(file, 'throw new Error("broken module");\n');
    await assert.rejects(() => importUnpacked(file), /broken module/);
    // Also when what it imports is there.
    const importer = `${dir}/cli-7766554433221100-50.js`;
    await Deno.writeTextFile(importer, `import "./butane-0011223344556677-40.js";\n`);
    await assert.rejects(() => importUnpacked(importer, [file]), /broken module/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
