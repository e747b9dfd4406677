/**
 * Marks a minified bundle's functions for V8's eager compilation, so that Deno's code cache of
 * the module holds their bytecode.
 *
 * V8 compiles a module's top level when it loads it, and each function in it lazily, at its
 * first call. Deno makes the module's code cache right after that first compile, so the cache
 * holds the top level alone and every run compiles again each function it calls (for
 * `iago butane`, some 300 functions of the translator: most of its start-up above Deno's
 * floor). V8 compiles at once a function expression written in parentheses (its guess that it
 * is about to be called); Deno ignores V8's other compile hints (`//# allFunctionsCalledOnLoad`
 * needs a compile option Deno does not pass). So this puts in parentheses:
 * - every function expression: `x=function(){}` becomes `x=(function(){})`;
 * - the module initializers esbuild writes as methods, `"src/a.ts"(){}`, as properties
 *   `"src/a.ts":(function(){})` (esbuild calls them as plain functions);
 * - every function declaration at the top of the module or of a function body, which becomes
 *   `var f=(function f(){});` at the start of that module or body: a declaration is in scope
 *   before its statement runs, and making a function runs nothing, so moving it to the start
 *   keeps that true. (Declarations in other blocks are block-scoped and stay as they are.)
 * - with `arrows`, every arrow function that does not read the `arguments`, `super` or
 *   `new.target` of the code around it, written as the function expression it then is the same
 *   as: `(a)=>b` becomes `(function(a){return b})`, and one that reads its `this`
 *   `(function(a){return this.b}).bind(this)` (except in a constructor).
 * - with `methods`, the methods of classes and object literals, which V8 compiles at their first
 *   call whatever their parentheses (and a class's field initializer, made at its first `new`,
 *   has its whole body parsed again): an object literal's `m(a){}` becomes `m:(function(a){})`,
 *   a class's methods, getters and setters are taken out of its body and defined after it as a
 *   class defines them, by a helper put at the start of the code: `var C=class{m(a){}}` becomes
 *   `var C=(__iagoClass(class{},{m:(function(a){})}))`. What only a member can do stays a
 *   member: a constructor, a method that reads `super` or a private name, an object literal's
 *   accessor; and a class with static members keeps all its methods (its static initializers
 *   run as it is defined, before methods defined after it exist).
 *
 * The input must be esbuild's minified output: statements end with `;` (never a line break),
 * which is what lets a `}` followed by `function` or `/` be read as the end of a statement.
 */

/** A function found in the code: where its text starts and ends, and how to mark it. */
interface Found {
  start: number;
  end: number;
  kind: "expression" | "declaration" | "initializer" | "arrow" | "method" | "class" | "unmarked";
  /** A declaration: where its `var` goes (just inside the enclosing body, or 0). */
  hoistTo?: number;
  /** An initializer: where the `(` of `"key"(){` is. */
  paren?: number;
  /** A declaration: its name. */
  name?: string;
  /** An arrow function: how it is written (see {@link Arrow}). */
  arrow?: Arrow;
  /** A method: how it is written (see {@link Method}). */
  method?: Method;
  /** A class: its methods that can be moved out of it (see {@link Class}). */
  class?: Class;
}

/**
 * Where an arrow function's parts are: `async (a, b) => body` or `x => { ... }`. `start` (of
 * {@link Found}) is that of `async` or else of the parameters.
 */
interface Arrow {
  isAsync: boolean;
  /** The parameters: the `(` of a list, or the single name. */
  params: number;
  parenthesized: boolean;
  /** The `=>`. */
  token: number;
  /** A `{ ... }` body (else an expression). */
  block: boolean;
  /**
   * It reads the `this` of the code around it, given to the function expression with
   * `.bind(this)` (not in a constructor: there `this` may not exist yet where it is made).
   */
  bound?: boolean;
  inConstructor: boolean;
}

/**
 * A method of a class or an object literal (`static async *key(a){...}`), which V8 compiles at
 * its first call whatever its parentheses: one that reads no `super` (nor, in a class, a private
 * name or the class's own name) is written as a function expression instead ({@link Class}).
 * `start` (of {@link Found}) is that of its first modifier, or of its key.
 */
interface Method {
  /** Its key as written (a name, string or number), and its parameters' `(`. */
  key: string;
  paren: number;
  form: "method" | "get" | "set";
  isStatic: boolean;
  isAsync: boolean;
  isGenerator: boolean;
  /** The class it belongs to; none in an object literal. */
  owner?: Found;
  /** Whether it can be written as a function expression (see above). */
  movable: boolean;
}

/**
 * A class (`start` at `class`, `end` after its body): its marked methods are taken out of its
 * body and defined on its prototype with the attributes a class gives them, by
 * `__iagoClass(C, methods, getters, setters)` (see {@link CLASS_HELPER}).
 */
interface Class {
  /** A class declaration's name: the methods are defined by a statement after it. */
  declared?: string;
  methods: Found[];
}

/** A bracket open at the current position. */
interface Frame {
  char: "{" | "(" | "[" | "${";
  /** `(`: after `if`/`while`/`for`/`with`/`switch`/`catch` (a block, or a regex, may follow). */
  condition?: boolean;
  /** `(`: where it is, and the token before it and where that starts (an arrow's `async`). */
  at?: number;
  before?: string;
  beforeAt?: number;
  /** `{`: the body of this function. */
  fn?: Found;
  /** `{`: a function body of any kind, where declarations hoist to (just after the brace). */
  body?: boolean;
  bodyStart?: number;
  /** `{`: the body of this class. */
  class?: Found;
  /** `{`: the body of a class's constructor. */
  isConstructor?: boolean;
  /** `(`: the parameters of this method, if a `{` follows. */
  method?: Found;
}

const IDENT = /[\p{ID_Continue}$#\u200c\u200d\\]/u;
const DECLARATION =
  /^(?:async\s*)?function\s*\*?\s*([\p{ID_Start}$_][\p{ID_Continue}$\u200c\u200d]*)/u;
const BEFORE_EXPRESSION = new Set([
  "return",
  "typeof",
  "instanceof",
  "in",
  "of",
  "new",
  "delete",
  "void",
  "throw",
  "case",
  "do",
  "else",
  "yield",
  "await",
]);
const BEFORE_BLOCK = new Set(["if", "while", "for", "with", "switch", "catch"]);
const METHOD_MODIFIERS = new Set(["static", "async", "get", "set", "*"]);
/** `class`, a name (unless it is `extends`), and `{` or `extends`. */
const CLASS_HEADING =
  /^class(?![\p{ID_Continue}$])\s*(?:(?!extends(?![\p{ID_Continue}$]))([\p{ID_Start}$_][\p{ID_Continue}$]*))?\s*(?:\{|extends(?![\p{ID_Continue}$]))/u;
const PUNCTUATORS = [
  "...",
  "===",
  "!==",
  "**=",
  "<<=",
  ">>=",
  "&&=",
  "||=",
  "??=",
  ">>>",
  "=>",
  "++",
  "--",
  "?.",
  "&&",
  "||",
  "??",
  "==",
  "!=",
  "<=",
  ">=",
  "+=",
  "-=",
  "*=",
  "/=",
  "%=",
  "&=",
  "|=",
  "^=",
  "**",
  "<<",
  ">>",
];

/**
 * The functions of `code` (every function expression and declaration and esbuild initializer;
 * with `arrows`, the arrow functions that may be written as function expressions).
 */
export function findFunctions(
  code: string,
  options: { arrows?: boolean; methods?: boolean } = {},
): Found[] {
  const found: Found[] = [];
  const stack: Frame[] = [];
  // Functions whose `function` keyword (or initializer key) was read, body not yet open.
  const pending: { found: Found; depth: number }[] = [];
  // The last significant token: punctuators and words as written; "str", "num", "regex", "tpl".
  let prev = "";
  let prevPrev = "";
  // Where the last two tokens start.
  let prevAt = 0;
  let prevPrevAt = 0;
  // The last `(...)` closed: where it opened and what came before it, and where it closed.
  let closedParen: { frame: Frame; end: number } | undefined;
  // Arrow functions whose expression body is being read, innermost last: the bracket depth of
  // the body and the `?` of its ternaries not yet matched by a `:`.
  const arrowBodies: { found: Found; depth: number; questions: number }[] = [];
  // An arrow whose `{` body comes next.
  let blockArrow: Found | undefined;
  let closedCondition = false;
  // Inside `case ...:` up to its colon (at this depth, with this many `?` of ternaries open).
  let caseLabel: { depth: number; questions: number } | undefined;
  // Classes whose `class` was read, body not yet open.
  const pendingClasses: { found: Found; depth: number }[] = [];
  // The last few tokens, as `prev`, and where they start (a method's key and modifiers).
  const recent: { token: string; at: number }[] = [];
  let i = 0;
  const n = code.length;
  const push = (token: string, at = i - token.length) => {
    prevPrev = prev;
    prevPrevAt = prevAt;
    prev = token;
    prevAt = at;
    recent.push({ token, at });
    if (recent.length > 8) recent.shift();
  };
  // Ends the expression bodies of arrows at this depth that the token at `at` closes.
  const endArrowBodies = (at: number, token: string): void => {
    for (let top = arrowBodies.at(-1); top?.depth === stack.length; top = arrowBodies.at(-1)) {
      if (token === ":" && top.questions > 0) {
        top.questions--;
        return;
      }
      arrowBodies.pop();
      top.found.end = at;
      if (arrowWritableAsFunction(code, top.found)) found.push(top.found);
    }
  };
  // An arrow's `=>` at `at`: its parameters are the token before it (a name, or a list).
  const arrowAt = (at: number): void => {
    let params: number;
    let before: string | undefined;
    let beforeAt = 0;
    if (prev === ")" && closedParen?.end === prevAt + 1) {
      params = closedParen.frame.at!;
      before = closedParen.frame.before;
      beforeAt = closedParen.frame.beforeAt!;
    } else if (/^[\p{ID_Start}$_]/u.test(prev)) {
      params = prevAt;
      before = prevPrev;
      beforeAt = prevPrevAt;
    } else {
      throw new Error(`eagerFunctions: cannot read the arrow function at ${at}`);
    }
    const isAsync = before === "async" && params !== beforeAt;
    let next = at + 2;
    while (/\s/.test(code[next] ?? "")) next++;
    // The function whose `this` the arrow's is: the innermost body that is not an arrow's.
    const around = stack.findLast((f) =>
      f.class !== undefined || (f.body && f.fn?.kind !== "arrow")
    );
    const found: Found = {
      start: isAsync ? beforeAt : params,
      end: -1,
      kind: "arrow",
      arrow: {
        isAsync,
        params,
        parenthesized: prev === ")",
        token: at,
        block: code[next] === "{",
        inConstructor: around?.isConstructor === true,
      },
    };
    if (found.arrow!.block) blockArrow = found;
    else arrowBodies.push({ found, depth: stack.length, questions: 0 });
  };
  const atStatementStart = (before: string) =>
    before === "" || before === ";" || before === "{" || before === "}" || before === "case:";

  // The method whose parameters' `(` is at `at`, if one is: directly in a class body, its key
  // and modifiers after the end of the member before; in an object literal, after its `{` or
  // `,` (esbuild's initializers aside: `"src/a.ts"(){`, found at their key).
  const methodAt = (at: number): Found | undefined => {
    const top = stack.at(-1);
    const owner = top?.class;
    if (top?.char !== "{" || (owner === undefined && top.body)) return undefined;
    if (pending.at(-1)?.found.paren === at) return undefined;
    const key = recent.at(-1);
    if (
      key === undefined ||
      !/^(?:str|num|[\p{ID_Start}$_\\][\p{ID_Continue}$\u200c\u200d\\]*)$/u.test(key.token)
    ) {
      return undefined;
    }
    const modifiers: string[] = [];
    let first = recent.length - 1;
    while (first > 0 && METHOD_MODIFIERS.has(recent[first - 1].token)) {
      modifiers.unshift(recent[--first].token);
    }
    const before = recent[first - 1]?.token ?? "";
    const boundary = owner
      ? before === "{" || before === "}" || before === ";"
      : before === "{" || before === ",";
    if (!boundary || (first === 0 && recent.length === 8)) return undefined;
    if (
      !owner &&
      (modifiers.includes("static") || BEFORE_BLOCK.has(key.token) || key.token === "function")
    ) {
      return undefined;
    }
    const form = modifiers.includes("get") ? "get" : modifiers.includes("set") ? "set" : "method";
    return {
      start: recent[first].at,
      end: -1,
      // (Without `methods`, found still: a constructor's arrows keep their `this`.)
      kind: options.methods ? "method" : "unmarked",
      method: {
        key: key.token === "str" || key.token === "num" ? code.slice(key.at, at) : key.token,
        paren: at,
        form,
        isStatic: modifiers.includes("static"),
        isAsync: modifiers.includes("async"),
        isGenerator: modifiers.includes("*"),
        owner,
        movable: false,
      },
    };
  };

  const template = (): void => {
    // From just after "`", or after the "}" that ends a "${...}".
    while (i < n) {
      const c = code[i];
      if (c === "\\") i += 2;
      else if (c === "`") {
        i++;
        push("tpl");
        return;
      } else if (c === "$" && code[i + 1] === "{") {
        i += 2;
        stack.push({ char: "${" });
        push("${");
        return;
      } else i++;
    }
    throw new Error("eagerFunctions: unterminated template literal");
  };

  while (i < n) {
    const c = code[i];
    if (c === " " || c === "\n" || c === "\t" || c === "\r") {
      i++;
    } else if (c === "/" && code[i + 1] === "*") {
      const end = code.indexOf("*/", i + 2);
      if (end < 0) throw new Error("eagerFunctions: unterminated comment");
      i = end + 2;
    } else if (c === "/" && code[i + 1] === "/") {
      const end = code.indexOf("\n", i);
      i = end < 0 ? n : end + 1;
    } else if (c === '"' || c === "'") {
      const start = i++;
      while (i < n && code[i] !== c) i += code[i] === "\\" ? 2 : 1;
      if (i++ >= n) throw new Error("eagerFunctions: unterminated string");
      // esbuild's module initializers: `{"src/a.ts"(){` or `,"src/a.ts"(){`.
      const key = code.slice(start + 1, i - 1);
      if (
        (prev === "{" || prev === ",") && code.startsWith("(){", i) && /\.[mc]?[jt]s$/.test(key)
      ) {
        pending.push({
          found: { start, end: -1, kind: "initializer", paren: i },
          depth: stack.length,
        });
      }
      push("str", start);
    } else if (c === "`") {
      i++;
      template();
    } else if (c === "/" && isRegexStart(prev, closedCondition)) {
      i++;
      let inClass = false;
      while (i < n && (inClass || code[i] !== "/")) {
        if (code[i] === "\n") throw new Error(`eagerFunctions: unterminated regex at ${i}`);
        if (code[i] === "[") inClass = true;
        else if (code[i] === "]") inClass = false;
        i += code[i] === "\\" ? 2 : 1;
      }
      i++;
      while (i < n && IDENT.test(code[i])) i++;
      push("regex");
    } else if (c >= "0" && c <= "9" || (c === "." && /[0-9]/.test(code[i + 1] ?? ""))) {
      const start = i++;
      while (i < n && /[\w.]/.test(code[i])) {
        const hex = code[start] === "0" && /[xX]/.test(code[start + 1]);
        if (/[eE]/.test(code[i]) && /[+-]/.test(code[i + 1] ?? "") && !hex) i++;
        i++;
      }
      push("num", start);
    } else if (IDENT.test(c)) {
      const start = i;
      while (i < n && IDENT.test(code[i])) i++;
      const word = code.slice(start, i);
      if (word === "function" && prev !== "." && prev !== "?.") {
        const isAsync = prev === "async";
        const before = isAsync ? prevPrev : prev;
        const fnStart = isAsync ? code.lastIndexOf("async", start) : start;
        const depth = stack.length;
        if (atStatementStart(before)) {
          const top = stack[stack.length - 1];
          const inBody = depth === 0 || top.body === true;
          const name = code.slice(fnStart, fnStart + 200).match(DECLARATION)?.[1];
          pending.push({
            found: inBody && name !== undefined && before !== "case:"
              ? { start: fnStart, end: -1, kind: "declaration", hoistTo: top?.bodyStart ?? 0, name }
              : { start: fnStart, end: -1, kind: "unmarked" },
            depth,
          });
        } else {
          pending.push({ found: { start: fnStart, end: -1, kind: "expression" }, depth });
        }
      }
      if ((word === "case" || word === "default") && prev !== "." && prev !== "?.") {
        caseLabel = { depth: stack.length, questions: 0 };
      }
      const heading = word === "class" && prev !== "." && prev !== "?." &&
        code.slice(start, start + 300).match(CLASS_HEADING);
      if (heading) {
        const declared = (atStatementStart(prev) || prev === "export") && heading[1] !== undefined;
        pendingClasses.push({
          found: {
            start,
            end: -1,
            kind: "class",
            name: heading[1],
            class: { declared: declared ? heading[1] : undefined, methods: [] },
          },
          depth: stack.length,
        });
      }
      push(word);
    } else if (c === "{") {
      const last = pending[pending.length - 1];
      const cls = pendingClasses.at(-1);
      if (
        cls?.depth === stack.length &&
        !(last?.depth === stack.length && last.found.start > cls.found.start)
      ) {
        // A class's body: its members follow, no statements.
        pendingClasses.pop();
        stack.push({ char: "{", class: cls.found });
        i++;
        push("{");
        continue;
      }
      let fn: Found | undefined;
      if (last && prev === ")" && last.depth === stack.length) {
        fn = last.found;
        pending.pop();
      }
      if (prev === "=>" && blockArrow !== undefined) {
        fn = blockArrow;
        blockArrow = undefined;
      }
      const body = fn !== undefined || prev === "=>" || (prev === ")" && !closedCondition);
      const isConstructor = closedParen?.end === prevAt + 1 &&
        closedParen.frame.method?.method?.key === "constructor";
      stack.push({ char: "{", fn, body, bodyStart: i + 1, isConstructor });
      i++;
      push("{");
    } else if (c === "(" || c === "[") {
      stack.push({
        char: c,
        condition: c === "(" && BEFORE_BLOCK.has(prev),
        at: i,
        before: prev,
        beforeAt: prevAt,
        method: c === "(" ? methodAt(i) : undefined,
      });
      i++;
      push(c);
    } else if (c === "}" || c === ")" || c === "]") {
      endArrowBodies(i, c);
      const frame = stack.pop();
      const open = c === "}" ? "{" : c === ")" ? "(" : "[";
      if (frame?.char === "${" && c === "}") {
        i++;
        template();
        continue;
      }
      if (frame?.char !== open) throw new Error(`eagerFunctions: unbalanced "${c}" at ${i}`);
      i++;
      if (frame.fn) {
        frame.fn.end = i;
        const marked = frame.fn.kind === "arrow"
          ? arrowWritableAsFunction(code, frame.fn)
          : frame.fn.kind === "method"
          ? methodMovable(code, frame.fn)
          : frame.fn.kind !== "unmarked";
        if (marked) found.push(frame.fn);
      }
      if (frame.class) {
        frame.class.end = i;
        found.push(frame.class);
      }
      // A method's parameters, if its body follows (else a call: `{f(a);...}`).
      if (frame.method && /^\s*\{/.test(code.slice(i, i + 20))) {
        pending.push({ found: frame.method, depth: stack.length });
      }
      if (c === ")") closedParen = { frame, end: i };
      closedCondition = frame.condition === true;
      if (caseLabel && caseLabel.depth > stack.length) caseLabel = undefined;
      push(c);
    } else {
      const token = PUNCTUATORS.find((p) => code.startsWith(p, i)) ?? c;
      const at = i;
      i += token.length;
      if (token === "=>" && options.arrows) arrowAt(at);
      const body = arrowBodies.at(-1);
      if (body?.depth === stack.length) {
        if (token === "?") body.questions++;
        else if (token === ":" || token === "," || token === ";") endArrowBodies(at, token);
      }
      if (caseLabel?.depth === stack.length) {
        if (token === "?") caseLabel.questions++;
        else if (token === ":" && caseLabel.questions > 0) caseLabel.questions--;
        else if (token === ":") {
          caseLabel = undefined;
          push("case:");
          continue;
        }
      }
      push(token);
    }
  }
  endArrowBodies(n, "");
  if (stack.length > 0 || pending.length > 0 || blockArrow !== undefined) {
    throw new Error("eagerFunctions: unbalanced brackets at the end of the code");
  }
  return found.sort((a, b) => a.start - b.start);
}

/**
 * Whether the arrow function `f` does what it does as a function expression: not if it reads
 * the `this`, `arguments`, `super` or `new.target` of the code around it, which a function has
 * its own of (any such word in its text counts, even in a string), or `yield`.
 */
function arrowWritableAsFunction(code: string, f: Found): boolean {
  const text = code.slice(f.start, f.end);
  if (wordIn(text, "arguments|super|target|yield")) return false;
  if (!wordIn(text, "this")) return true;
  f.arrow!.bound = !f.arrow!.inConstructor;
  return f.arrow!.bound;
}

/** Whether one of the `|`-separated `words` is in `text` as a word (in a string too). */
function wordIn(text: string, words: string): boolean {
  return new RegExp(`(?<![\\p{ID_Continue}$#])(?:${words})(?![\\p{ID_Continue}$])`, "u").test(text);
}

/**
 * Whether the method `f` does what it does as a function expression defined on its class (or
 * as its object's property): not a constructor, a static method, an accessor of an object
 * literal, nor one with the key `__proto__` (which an object literal would take for its
 * prototype), and it reads no `super` or private name (`#x`), which only a class's own
 * members can, nor the name of the class expression it is in, which only they see.
 */
function methodMovable(code: string, f: Found): boolean {
  const m = f.method!;
  const text = code.slice(m.paren, f.end);
  const owner = m.owner;
  m.movable = !/^["']?(?:constructor|__proto__)["']?$/.test(m.key) &&
    !m.isStatic && !(m.form !== "method" && owner === undefined) &&
    !wordIn(text, "super") && !/#[\p{ID_Start}$_\\]/u.test(text) &&
    !(owner?.name !== undefined && owner.class!.declared === undefined &&
      wordIn(text, owner.name.replaceAll("$", "\\$")));
  if (owner) owner.class!.methods.push(f);
  return m.movable;
}

/** Whether a `/` after the token `prev` starts a regular expression (else it divides). */
function isRegexStart(prev: string, afterCondition: boolean): boolean {
  if (prev === "" || prev === "}" || prev === "case:" || BEFORE_EXPRESSION.has(prev)) return true;
  if (prev === ")") return afterCondition;
  if (prev === "]" || prev === "str" || prev === "num" || prev === "tpl" || prev === "regex") {
    return false;
  }
  if (prev === "++" || prev === "--") return false;
  return !/^[\p{ID_Continue}$#]/u.test(prev);
}

/**
 * `code` (esbuild's minified output) with its functions marked for eager compilation; with
 * `arrows`, its arrow functions that can be (see {@link arrowWritableAsFunction}) are written as
 * function expressions in parentheses too: `(a)=>b` becomes `(function(a){return b})`. With
 * `only`, just the functions that end at one of those offsets of `code` (the ones a run was
 * seen to call: scripts/eager_profile.ts); the others stay as written, compiled at first call.
 */
export function eagerFunctions(
  code: string,
  options: { arrows?: boolean; methods?: boolean; only?: ReadonlySet<number> } = {},
): string {
  const only = options.only;
  const found = findFunctions(code, options)
    .filter((f) => f.kind === "class" || only === undefined || only.has(f.end));
  const marked = new Set(found);
  // The methods taken out of each class, written after its body (see writeClassEnd).
  const classEnds = new Map<number, Found>();
  const opens = new Map<number, string>();
  // What ends at each position, innermost first.
  const closes = new Map<number, string>();
  const cuts = new Map<number, number>();
  const hoisted = new Map<number, Found[]>();
  const open = (at: number, text: string) => opens.set(at, (opens.get(at) ?? "") + text);
  const close = (at: number, text: string) => closes.set(at, text + (closes.get(at) ?? ""));
  for (const f of found) {
    if (f.kind === "expression" && code[f.start - 1] === "(" && code[f.end] === ")") {
      // In parentheses already: `(function(){})()`.
    } else if (f.kind === "expression") {
      open(f.start, "(");
      close(f.end, ")");
    } else if (f.kind === "initializer") {
      open(f.paren!, ":(function");
      close(f.end, ")");
    } else if (f.kind === "declaration") {
      cuts.set(f.start, f.end);
      hoisted.set(f.hoistTo!, [...hoisted.get(f.hoistTo!) ?? [], f]);
    } else if (f.kind === "arrow") {
      // `async (a) => b` is `(async function(a){return b})`, `x => {...}` `(function(x){...})`.
      const a = f.arrow!;
      open(f.start, "(");
      open(a.params, (a.isAsync ? " " : "") + "function" + (a.parenthesized ? "" : "("));
      open(a.token, (a.parenthesized ? "" : ")") + (a.block ? "" : "{return "));
      cuts.set(a.token, a.token + 2);
      close(f.end, (a.block ? "" : "}") + ")" + (a.bound ? ".bind(this)" : ""));
    } else if (f.kind === "method" && f.method!.owner === undefined) {
      // In an object literal: `async key(a){}` is `key:(async function(a){})`.
      cuts.set(f.start, f.method!.paren);
      open(f.start, `${f.method!.key}:(${functionKeyword(f.method!)}`);
      close(f.end, ")");
    } else if (f.kind === "class") {
      const moved = f.class!.methods.filter((m) => m.method!.movable && marked.has(m));
      if (moved.length === 0 || wordIn(code.slice(f.start, f.end), "static")) continue;
      for (const m of moved) cuts.set(m.start, m.end);
      f.class!.methods = moved;
      classEnds.set(f.end, f);
      if (f.class!.declared === undefined) open(f.start, `(${CLASS_HELPER_NAME}(`);
    }
  }
  // The end of class `f`: its methods taken out, as `__iagoClass`'s arguments.
  const writeClassEnd = (f: Found): string => {
    const groups = (["method", "get", "set"] as const).map((form) =>
      f.class!.methods.filter((m) => m.method!.form === form).map((m) =>
        `${m.method!.key}:(${functionKeyword(m.method!)}${write(m.method!.paren, m.end)})`
      )
    );
    while (groups.at(-1)!.length === 0) groups.pop();
    const args = groups.map((g) => g.length === 0 ? "0" : `{${g.join(",")}}`).join(",");
    const declared = f.class!.declared;
    return declared === undefined ? `,${args}))` : `${CLASS_HELPER_NAME}(${declared},${args});`;
  };
  const edits = [
    ...new Set([
      ...opens.keys(),
      ...closes.keys(),
      ...cuts.keys(),
      ...hoisted.keys(),
      ...classEnds.keys(),
    ]),
  ].sort((a, b) => a - b);
  // The text from `from` to `to` with its edits; a declaration's own text is written where it
  // is hoisted to, `self` being the one written (not cut out of itself).
  const write = (from: number, to: number, self?: Found): string => {
    let out = "";
    let i = from;
    let e = lowerBound(edits, from);
    while (i < to) {
      if (i === edits[e]) {
        const ended = classEnds.get(i);
        if (ended) out += writeClassEnd(ended);
        out += closes.get(i) ?? "";
        // (At its own start, a declaration first in its body: the outer text wrote these.)
        if (!(self && i === self.start)) {
          for (const d of hoisted.get(i) ?? []) {
            out += `var ${d.name}=(${write(d.start, d.end, d)});`;
          }
        }
        out += opens.get(i) ?? "";
        e++;
        const cut = cuts.get(i);
        if (cut !== undefined && !(self && i === self.start)) {
          i = cut;
          e = lowerBound(edits, i);
          continue;
        }
      }
      const next = Math.min(to, edits[e] ?? to);
      out += code.slice(i, next);
      i = next;
    }
    if (to === code.length) {
      const ended = classEnds.get(to);
      if (ended) out += writeClassEnd(ended);
      out += closes.get(to) ?? "";
    }
    return out;
  };
  if (classEnds.size === 0) return write(0, code.length);
  if (code.includes(CLASS_HELPER_NAME)) {
    throw new Error(`eagerFunctions: the code has a ${CLASS_HELPER_NAME} of its own`);
  }
  return CLASS_HELPER + write(0, code.length);
}

/** `function` as a method's modifiers make it: `async function*` for `async *m(){}`. */
function functionKeyword(m: Method): string {
  return (m.isAsync ? "async " : "") + "function" + (m.isGenerator ? "*" : "");
}

const CLASS_HELPER_NAME = "__iagoClass";

/**
 * Defines the methods taken out of class `c` as a class defines them: methods `m`, getters
 * `g` and setters `s` on its prototype; not enumerable.
 */
const CLASS_HELPER = `var ${CLASS_HELPER_NAME}=(function(c,m,g,s){var p=c.prototype,n;` +
  "for(n in m)Object.defineProperty(p,n,{value:m[n],writable:!0,configurable:!0});" +
  "for(n in g)Object.defineProperty(p,n,{get:g[n],configurable:!0});" +
  "for(n in s)Object.defineProperty(p,n,{set:s[n],configurable:!0});" +
  "return c});";

/** The index of the first of the sorted `xs` that is at least `x`. */
function lowerBound(xs: number[], x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
