/**
 * scripts/eager.ts: the release bundle's translator module with its functions in parentheses
 * (compiled by V8 at load, so Deno's code cache holds them). The rewrite must not change what
 * the code does: small programs run the same before and after, and the translator, bundled
 * and rewritten as the release does it, translates every corpus config as the source does.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { eagerFunctions } from "../scripts/eager.ts";
import { bundleModule } from "../scripts/release.ts";
import { butaneOutput, translateButaneText } from "../src/butane/mod.ts";
import { tempDir } from "./helpers/cli.ts";

const repo = new URL("..", import.meta.url).pathname;

/** What the module `code` exports as `result`, run from a file. */
async function run(code: string): Promise<unknown> {
  await using dir = await tempDir("iago-eager-");
  const file = join(dir.path, "m.js");
  await Deno.writeTextFile(file, code);
  return (await import(`file://${file}`)).result;
}

Deno.test("eagerFunctions puts function expressions and esbuild's initializers in parentheses", () => {
  assert.equal(eagerFunctions("var a=function(x){return x};"), "var a=(function(x){return x});");
  assert.equal(
    eagerFunctions("var b=async function(){},c=function*(){};"),
    "var b=(async function(){}),c=(function*(){});",
  );
  assert.equal(
    eagerFunctions('var i=k({"src/a.ts"(){x=1}});'),
    'var i=k({"src/a.ts":(function(){x=1})});',
  );
  // Already in parentheses, a method, an arrow, a property named function: as they were.
  for (const same of ["(function(){})();", "var o={m(){},n:()=>1};", "o.function(1);"]) {
    assert.equal(eagerFunctions(same), same);
  }
});

Deno.test("eagerFunctions moves declarations to the start of their body as parenthesized vars", () => {
  assert.equal(
    eagerFunctions("g();function g(){return h();function h(){}}"),
    "var g=(function g(){var h=(function h(){});return h();});g();",
  );
  // Declarations in a block are block-scoped: left where they are.
  assert.equal(eagerFunctions("if(a){function f(){}}"), "if(a){function f(){}}");
  assert.equal(
    eagerFunctions("switch(a){case 1:function f(){}}"),
    "switch(a){case 1:function f(){}}",
  );
});

Deno.test("eagerFunctions reads strings, templates, regexes and comments as such", () => {
  const code = [
    'var s="function(){",t=`a${function(){return"}"}()}b`,r=/function[{(]\\//g,d=4/2/1;',
    "/* function f(){} */var x=1;// function g(){}\n",
    "if(a)/}/.test(s);var q=a?b:function(){};",
  ].join("");
  assert.equal(
    eagerFunctions(code),
    code
      .replace('${function(){return"}"}()}', '${(function(){return"}"})()}')
      .replace(":function(){}", ":(function(){})"),
  );
});

Deno.test("eagerFunctions keeps what the code does", async () => {
  const code = `
var log=[];
log.push(typeof late, late(2));
function late(n){return n>0?inner(n):0;function inner(m){return m+late(m-1)}}
async function later(){return await 1}
function*gen(){yield 1;yield 2}
var fe=function named(n){return n<1?"done":named(n-1)};
var self=function(){return typeof self};
class C{m(){return function(){return this}.call(7)}}
function shadow(){var v=1;{return v2();function v2(){return v}}}
switch(2){case 2:function inCase(){return"case"}log.push(inCase())}
var re=/[/]function(){}/.source,tpl=\`\${function(){return"t"}()}\${1/2}\`;
log.push(fe(3),self(),[...gen()],new C().m(),shadow(),re,tpl,late.name,fe.name);
export const result = later().then((v)=>[...log,v]);
`;
  assert.deepEqual(await run(eagerFunctions(code)), await run(code));
  assert.notEqual(eagerFunctions(code), code);
});

Deno.test("eagerFunctions refuses code it cannot read", () => {
  assert.throws(() => eagerFunctions("var a=(function(){};"), /unbalanced/);
  assert.throws(() => eagerFunctions("var s='abc;"), /unterminated string/);
});

Deno.test("the eager translator bundle translates every corpus config as the source does", async () => {
  const cwd = Deno.cwd();
  Deno.chdir(repo);
  let code: string;
  try {
    code = eagerFunctions(await bundleModule("src/butane/mod.ts", false));
  } finally {
    Deno.chdir(cwd);
  }
  await using dir = await tempDir("iago-eager-");
  const file = join(dir.path, "butane.js");
  await Deno.writeTextFile(file, code);
  const bundled: typeof import("../src/butane/mod.ts") = await import(`file://${file}`);
  const dirs = [
    "tests/butane/corpus",
    "tests/fixtures/butane-corpus",
    "tests/fixtures/butane-mutants",
    "tests/butane/variants",
  ];
  let count = 0;
  for (const d of dirs) {
    for (const entry of Deno.readDirSync(join(repo, d))) {
      if (!entry.name.endsWith(".bu")) continue;
      const text = await Deno.readFile(join(repo, d, entry.name));
      const filesDir = join(repo, d, entry.name.slice(0, -3) + ".d");
      for (const opts of [{ filesDir }, { filesDir, strict: true, pretty: true }]) {
        const expected = await translateButaneText(text, opts);
        const actual = await bundled.translateButaneText(text, opts);
        assert.deepEqual(bundled.butaneOutput(actual), butaneOutput(expected), entry.name);
      }
      count++;
    }
  }
  assert.ok(count > 500, `${count} configs`);
});
