/**
 * A unified diff of two texts, line by line (longest common subsequence), with three lines of
 * context: what `plan` shows for a changed text file or unit.
 */

const CONTEXT = 3;
/** Beyond this many line pairs the table would be large: the diff says how many lines changed. */
const MAX_CELLS = 4_000_000;

type Op = { kind: " " | "-" | "+"; line: string; a: number; b: number };

/**
 * The hunks (`@@ -a,n +b,m @@` and their lines) that turn `before` into `after`; "" when they
 * are equal.
 */
export function unifiedDiff(before: string, after: string): string {
  if (before === after) return "";
  const a = splitLines(before);
  const b = splitLines(after);
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const midA = a.slice(start, endA);
  const midB = b.slice(start, endB);
  if (midA.length * midB.length > MAX_CELLS) {
    return `@@ -${start + 1},${midA.length} +${
      start + 1
    },${midB.length} @@ (${midA.length} lines replaced by ${midB.length}; too long to compare line by line)`;
  }
  const ops: Op[] = [];
  for (let i = 0; i < start; i++) ops.push({ kind: " ", line: a[i], a: i, b: i });
  for (const op of lcsOps(midA, midB)) {
    ops.push({ ...op, a: op.a + start, b: op.b + start });
  }
  for (let i = endA, j = endB; i < a.length; i++, j++) {
    ops.push({ kind: " ", line: a[i], a: i, b: j });
  }
  return hunks(ops).join("\n");
}

/** Lines without their terminators; a missing final newline is marked as diff does. */
function splitLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  else lines[lines.length - 1] += "\n\\ No newline at end of file";
  return lines;
}

function lcsOps(a: string[], b: string[]): Op[] {
  const n = a.length;
  const m = b.length;
  // lengths[i][j]: the LCS length of a[i..] and b[j..], row-major in one array.
  const width = m + 1;
  const lengths = new Uint32Array((n + 1) * width);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lengths[i * width + j] = a[i] === b[j]
        ? lengths[(i + 1) * width + j + 1] + 1
        : Math.max(lengths[(i + 1) * width + j], lengths[i * width + j + 1]);
    }
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      ops.push({ kind: " ", line: a[i], a: i++, b: j++ });
    } else if (i < n && (j === m || lengths[(i + 1) * width + j] >= lengths[i * width + j + 1])) {
      // Removals before additions, as diff -u writes them.
      ops.push({ kind: "-", line: a[i], a: i++, b: j });
    } else {
      ops.push({ kind: "+", line: b[j], a: i, b: j++ });
    }
  }
  return ops;
}

function hunks(ops: Op[]): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < ops.length) {
    while (i < ops.length && ops[i].kind === " ") i++;
    if (i === ops.length) break;
    const from = Math.max(0, i - CONTEXT);
    let to = i;
    // Extend over changes closer than two contexts apart: they share a hunk.
    for (let k = i; k < ops.length; k++) {
      if (ops[k].kind !== " ") to = k;
      else if (k - to > 2 * CONTEXT) break;
    }
    const end = Math.min(ops.length, to + CONTEXT + 1);
    const slice = ops.slice(from, end);
    const countA = slice.filter((o) => o.kind !== "+").length;
    const countB = slice.filter((o) => o.kind !== "-").length;
    const startA = countA === 0 ? slice[0].a : slice.find((o) => o.kind !== "+")!.a + 1;
    const startB = countB === 0 ? slice[0].b : slice.find((o) => o.kind !== "-")!.b + 1;
    out.push(`@@ -${range(startA, countA)} +${range(startB, countB)} @@`);
    for (const o of slice) out.push(`${o.kind}${o.line}`);
    i = end;
  }
  return out;
}

function range(start: number, count: number): string {
  return count === 1 ? `${start}` : `${start},${count}`;
}
