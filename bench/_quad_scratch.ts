import { join } from "node:path";
import { main } from "/work/wt/sandbox/src/cli/main.ts";
import { memoryOutput } from "/work/wt/sandbox/src/output.ts";
const n = Number(Deno.args[0] ?? 20000);
const mode = Deno.args[1] ?? "template";
const root = await Deno.makeTempDir({ prefix: "iago-quad-" });
let out = memoryOutput();
await main(["init", "--machine-only", "m0"], { out, cwd: root, env: {} });
const tmplFile = join(root, "machines/m0/butane.yaml.tmpl");
let tmpl = await Deno.readTextFile(tmplFile);
const entries = Array.from({ length: n }, (_, i) => `    - path: /etc/many/f${i}\n      mode: 0644\n      contents:\n        inline: "x${i}"\n`).join("");
if (mode === "template") {
  if (!/^storage:\n  files:\n/m.test(tmpl)) throw new Error("no storage.files in template:\n" + tmpl);
  tmpl = tmpl.replace(/^storage:\n  files:\n/m, "storage:\n  files:\n" + entries);
  await Deno.writeTextFile(tmplFile, tmpl);
} else {
  await Deno.mkdir(join(root, "workloads"));
  await Deno.writeTextFile(join(root, "workloads/many.ts"), `export default { name: "many", overlay: () => ({ storage: { files: Array.from({ length: ${n} }, (_, i) => ({ path: "/etc/many/f" + i, mode: 0o644, contents: { inline: "x" + i } })) } }) };\n`);
  const m = join(root, "machines/m0/machine.toml");
  await Deno.writeTextFile(m, (await Deno.readTextFile(m)).replace(/^workloads = \[.*\]$/m, 'workloads = ["./workloads/many.ts"]'));
}
const t0 = performance.now();
out = memoryOutput();
const code = await main(["ignite", "m0"], { out, cwd: root, env: {} });
console.log(mode, n, code, ((performance.now() - t0) / 1000).toFixed(2) + " s", out.stderr.join("\n").slice(0, 300));
await Deno.remove(root, { recursive: true });
