/**
 * scripts/eager.ts: the release bundle's translator module with its functions in parentheses
 * (compiled by V8 at load, so Deno's code cache holds them). The rewrite must not change what
 * the code does: small programs run the same before and after, and the translator, bundled
 * and rewritten as the release does it, translates every corpus config as the source does.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { eagerFunctions } from "../scripts/eager.ts";
import { functionsCalled, functionsRun } from "../scripts/eager_profile.ts";
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

Deno.test("eagerFunctions with arrows writes them as function expressions where they can be", () => {
  const cases: [string, string][] = [
    ["var f=x=>x+1;", "var f=(function(x){return x+1});"],
    ["var g=(a,b)=>{return a+b};", "var g=(function(a,b){return a+b});"],
    ["var h=async x=>await x;", "var h=(async  function(x){return await x});"],
    ["var k=async(a)=>{await a};", "var k=(async function(a){await a});"],
    // An expression body ends at a `,`, `;`, `:` (not its own ternary's) or a closing bracket.
    ["var m=a?x=>1:y=>2;", "var m=a?(function(x){return 1}):(function(y){return 2});"],
    ["var n=x=>a?b=>1:c;", "var n=(function(x){return a?(function(b){return 1}):c});"],
    ["f(x=>y,z);", "f((function(x){return y}),z);"],
    ["var o={a:x=>1,b:2};", "var o={a:(function(x){return 1}),b:2};"],
    ["var t=`${x=>1}`;", "var t=`${(function(x){return 1})}`;"],
    ["var u=x=>function(){};", "var u=(function(x){return (function(){})});"],
    ["var w=()=>({a:1});", "var w=(function(){return ({a:1})});"],
    ["var r=(a=x=>1)=>a;", "var r=(function(a=(function(x){return 1})){return a});"],
    ["var p=x=>/a,b/.test(x);", "var p=(function(x){return /a,b/.test(x)});"],
    ["var d=({a},...e)=>a+e.length;", "var d=(function({a},...e){return a+e.length});"],
    ["var q=async=>async;", "var q=(function(async){return async});"],
    // One that reads the surrounding `this` is given it; but not in a constructor, where
    // `this` may not exist yet (before `super()`).
    ["var v=x=>this.y;", "var v=(function(x){return this.y}).bind(this);"],
    [
      "class D extends C{constructor(){let f=()=>this.a;super();f()}}",
      "class D extends C{constructor(){let f=()=>this.a;super();f()}}",
    ],
    // Arrows that read the surrounding `arguments`, `super` or `new.target` stay.
    ["class C{f=x=>1;g=()=>super.g}", "class C{f=(function(x){return 1});g=()=>super.g}"],
    ["function a(){return()=>arguments[0]}", "var a=(function a(){return()=>arguments[0]});"],
    ["function b(){return()=>new.target}", "var b=(function b(){return()=>new.target});"],
  ];
  for (const [code, expected] of cases) {
    assert.equal(eagerFunctions(code, { arrows: true }), expected, code);
  }
  assert.equal(eagerFunctions("var f=x=>x+1;"), "var f=x=>x+1;", "arrows only when asked");
});

Deno.test("eagerFunctions with arrows keeps what the code does", async () => {
  const code = `
var log=[];
var add=(a,b=1)=>a+b,twice=f=>x=>f(f(x)),pick=({a},[b],...c)=>[a,b,c.length];
var pair=(x)=>({x}),tern=n=>n>0?m=>m+n:m=>m-n,seq=(a,b)=>(a,b);
var named=x=>x,obj={key:()=>1};
class K{v=2;get=()=>this.v;m(){return[1,2].map(x=>x*this.v)}}
function outer(){return(()=>arguments.length)()}
var asyncArrow=async x=>(await x)+1;
log.push(add(1),twice(add)(0),pick({a:1},[2],3,4),pair(5),tern(2)(1),tern(-2)(1),seq(1,2));
log.push(named.name,obj.key.name,new K().get(),new K().m(),outer(1,2,3),[3,1,2].sort((a,b)=>a-b));
log.push(\`\${(x=>x*2)(21)}\`,[1,2].reduce((s,x)=>s+x,0),/=>/.source);
export const result = asyncArrow(1).then((v)=>[...log,v]);
`;
  assert.deepEqual(await run(eagerFunctions(code, { arrows: true })), await run(code));
  assert.notEqual(eagerFunctions(code, { arrows: true }), eagerFunctions(code));
});

Deno.test("eagerFunctions with methods defines class methods after the class, as function expressions", () => {
  const helper = /^var __iagoClass=\(function\(c,m,g,s\)\{.*?return c\}\);/;
  const eager = (code: string) => {
    const out = eagerFunctions(code, { methods: true });
    assert.match(out, helper, code);
    return out.replace(helper, "");
  };
  assert.equal(
    eager("var A=class{x=1;constructor(a){this.a=a}m(b){return b}get g(){return 1}set g(v){}};"),
    "var A=(__iagoClass(class{x=1;constructor(a){this.a=a}},{m:(function(b){return b})}," +
      "{g:(function(){return 1})},{g:(function(v){})}));",
  );
  assert.equal(
    eager("class B extends A{async*t(){}'u'(){}}"),
    "class B extends A{}__iagoClass(B,{t:(async function*(){}),'u':(function(){})});",
  );
  // What only a class's own members can read: `super`, private names, the name of a class
  // expression; a constructor; a static method. They stay in the class, and all methods of a
  // class with static members, whose initializers run before methods defined after it exist.
  for (
    const same of [
      "var C=class extends A{m(){return super.m()}};",
      "var C=class{#p=1;m(){return this.#p}};",
      "var C=class D{m(){return D}};",
      "var C=class{constructor(){}static s(){return 1}};",
      "var C=class{static i=new C().m();m(){return 1}};",
      "var C=class{static{C.x=1}m(){return 1}};",
    ]
  ) {
    assert.equal(eagerFunctions(same, { methods: true }), same);
  }
  // Object literals' methods become properties; their accessors stay.
  assert.equal(
    eagerFunctions("var o={m(a){return a},async*n(){},get x(){return 1},1(){}};", {
      methods: true,
    }),
    "var o={m:(function(a){return a}),n:(async function*(){}),get x(){return 1},1:(function(){})};",
  );
  // A call at the start of a block is not a method.
  assert.equal(eagerFunctions("if(a){f(b);g(c)}", { methods: true }), "if(a){f(b);g(c)}");
  assert.equal(
    eagerFunctions("var C=class{m(){}};"),
    "var C=class{m(){}};",
    "methods only when asked",
  );
});

Deno.test("eagerFunctions with methods keeps what the code does", async () => {
  const code = `
var log=[];
var A=class{x=1;#p=2;constructor(a){this.a=a}m(b){return this.a+b}get g(){return this.x}set g(v){this.x=v}
  p(){return this.#p}*it(){yield this.a}async as(){return this.a}['c'+1](){return"c"}};
class B extends A{constructor(){super(10)}m(b){return super.m(b)*2}n(){return[1,2].map(x=>x+this.a)}}
var S=class{static s(){return"s"}t(){return S.s()}};
var Named=class Self{k(){return Self.name}j(){return 5}};
var o={v:3,m(){return this.v},get w(){return 4},async f(){return 6}};
var b=new B(),a=new A(1);a.g=7;
log.push(a.m(1),a.g,new S().t(),a.p(),[...a.it()],a.c1(),b.m(1),b.n(),b instanceof A,new Named().k(),new Named().j());
log.push(o.m(),o.w,Object.keys(a),Object.getOwnPropertyNames(A.prototype).sort(),A.prototype.m.name);
var seen=[];for(var key in a)seen.push(key);log.push(seen,Object.getOwnPropertyDescriptor(A.prototype,"g").set!==undefined);
export const result=Promise.all([a.as(),o.f()]).then(v=>[...log,...v]);
`;
  const eager = eagerFunctions(code, { arrows: true, methods: true });
  assert.deepEqual(await run(eager), await run(code));
  assert.match(eager, /__iagoClass\(B,/);
});

Deno.test("eagerFunctions with only marks just the functions ending at those offsets", () => {
  const code = "function a(){return 1}var b=function(){return 2},c=(x)=>x+1;";
  // a ends at 22, b at 48, the arrow c at 59 (where its body does).
  assert.equal(
    eagerFunctions(code, { arrows: true, only: new Set([48, 59]) }),
    "function a(){return 1}var b=(function(){return 2}),c=(function(x){return x+1});",
  );
  assert.equal(
    eagerFunctions(code, { arrows: true, only: new Set([22]) }),
    "var a=(function a(){return 1});var b=function(){return 2},c=(x)=>x+1;",
  );
  assert.equal(eagerFunctions(code, { arrows: true, only: new Set() }), code);
  // A class's methods: only those, the class stays with the others.
  const cls = "var C=class{a(){return 1}b(){return 2}};";
  assert.equal(
    eagerFunctions(cls, { methods: true, only: new Set([cls.indexOf("}b") + 1]) })
      .replace(/^var __iagoClass=.*?return c\}\);/, ""),
    "var C=(__iagoClass(class{b(){return 2}},{a:(function(){return 1})}));",
  );
  assert.equal(eagerFunctions(cls, { methods: true, only: new Set() }), cls);
});

Deno.test("functionsCalled reads the functions of one script that V8's log says ran", () => {
  const log = [
    "script-details,7,ext:core/module.js,0,0,",
    "script-details,52,file:///tmp/x/module.js,0,0,",
    "script-details,53,file:///tmp/x/other/module.js,0,0,",
    "function,full-parse,52,19,580,0.037,32910,f",
    "function,parse-function,52,19,580,0.04,32911,f",
    "function,interpreter,52,19,580,0.01,32912,f",
    "function,first-execution,52,601,783,0,32949,g",
    "function,preparse-resolution,52,800,900,0,32950,",
    "function,parse-function,7,30,40,0.01,32960,other",
    "function,parse-function,53,50,60,0.01,32961,other",
  ].join("\n");
  assert.deepEqual([...functionsCalled(log, "file:///tmp/x/module.js")].sort(), [580, 783]);
});

Deno.test("functionsRun lists the functions a run calls, not those it leaves alone", async () => {
  const code =
    "function called(){return 1}function never(){return 2}export const run=()=>called();";
  const ends = await functionsRun(code, 'import { run } from "./module.js"; run();');
  assert.ok(ends.has(code.indexOf("}") + 1), [...ends].join());
  assert.ok(!ends.has(code.indexOf("}function", 30) + 1), [...ends].join());
  await assert.rejects(() => functionsRun(code, "throw new Error('no');"), /profile run failed/);
  await assert.rejects(() => functionsRun(code, "1;"), /called no function/);
});

Deno.test("eagerFunctions refuses code it cannot read", () => {
  assert.throws(() => eagerFunctions("var a=(function(){};"), /unbalanced/);
  assert.throws(() => eagerFunctions("var s='abc;"), /unterminated string/);
});

Deno.test("the eager translator bundle (arrows and methods too, as released) translates every corpus config as the source does", async () => {
  const cwd = Deno.cwd();
  Deno.chdir(repo);
  let code: string;
  try {
    code = eagerFunctions(await bundleModule("src/butane/mod.ts", false), {
      arrows: true,
      methods: true,
    });
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
