/**
 * scripts/node_path.ts stands for node:path in the release bundle: every function must give
 * node:path's (POSIX) result for every path, including the odd ones (empty, `.`, `..`, runs of
 * slashes, dots in names, trailing slashes).
 */
import assert from "node:assert/strict";
import * as node from "node:path";
import * as ours from "../scripts/node_path.ts";

const PARTS = ["", "/", "//", ".", "..", "a", "b.c", ".d", "e.", "..f", "a.b.c", "x/", "/y", "..."];

/** Every path of up to three parts from PARTS joined as they are (so `/` runs and dots mix). */
function* paths(): Generator<string> {
  for (const a of PARTS) {
    yield a;
    for (const b of PARTS) {
      yield a + b;
      yield `${a}/${b}`;
      for (const c of PARTS) yield `${a}/${b}${c}`;
    }
  }
}

const ALL = [...new Set(paths())];

Deno.test("node_path gives node:path's result for one path", () => {
  for (const p of ALL) {
    for (const f of ["normalize", "isAbsolute", "dirname", "basename", "extname"] as const) {
      assert.deepEqual(ours[f](p), node.posix[f](p), `${f}(${JSON.stringify(p)})`);
    }
    assert.deepEqual(ours.parse(p), { ...node.posix.parse(p) }, `parse(${JSON.stringify(p)})`);
    assert.equal(ours.format(ours.parse(p)), node.posix.format(node.posix.parse(p)));
    assert.equal(ours.resolve(p), node.posix.resolve(p), `resolve(${JSON.stringify(p)})`);
    for (const suffix of ["", "c", ".c", "b.c", "/", p]) {
      assert.equal(
        ours.basename(p, suffix),
        node.posix.basename(p, suffix),
        `basename(${p}, ${suffix})`,
      );
    }
  }
});

Deno.test("node_path gives node:path's result for two and three paths", () => {
  const some = ALL.filter((_, i) => i % 7 === 0);
  for (const a of some) {
    for (const b of some) {
      assert.equal(ours.join(a, b), node.posix.join(a, b), `join(${a}, ${b})`);
      assert.equal(ours.resolve(a, b), node.posix.resolve(a, b), `resolve(${a}, ${b})`);
      assert.equal(ours.relative(a, b), node.posix.relative(a, b), `relative(${a}, ${b})`);
      assert.equal(ours.join(a, b, a), node.posix.join(a, b, a));
      assert.equal(ours.resolve("/r", a, b), node.posix.resolve("/r", a, b));
    }
  }
  assert.equal(ours.join(), node.posix.join());
  assert.equal(ours.resolve(), node.posix.resolve());
  for (const f of ["sep", "delimiter"] as const) assert.equal(ours[f], node.posix[f]);
  assert.deepEqual(
    Object.keys(ours.posix).sort(),
    Object.keys(ours).filter((k) => !/^(posix|default)$/.test(k)).sort(),
  );
  assert.equal(ours.toNamespacedPath("a//b"), node.posix.toNamespacedPath("a//b"));
  assert.equal(
    ours.format({ root: "/", name: "n", ext: "e" }),
    node.posix.format({ root: "/", name: "n", ext: "e" }),
  );
});
