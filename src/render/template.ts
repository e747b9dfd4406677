/**
 * Renders a machine's `butane.yaml.tmpl` with eta. `<%= %>` goes through {@link yamlQuote}, so
 * values cannot break the YAML; `<%~ %>` writes raw text; a `<% %>` tag alone on its line leaves
 * no blank line behind. Every failure names the template file and the line.
 */
import { Eta, EtaParseError } from "eta";
import { IagoError } from "../errors.ts";
import type { RenderedLines } from "../sandbox/protocol.ts";
import { deniedAction, SANDBOX_RULE } from "../sandbox/denied.ts";
import { strictContext } from "./strict.ts";
import { yamlQuote } from "./yaml_quote.ts";
import { mappedTemplate, type RenderedTemplate } from "./rendered.ts";

export type { RenderedTemplate } from "./rendered.ts";

type AstObject = string | { t: string; val: string; lineNo?: number };

class TemplateRuntimeError extends Error {
  constructor(readonly original: unknown, readonly lineNo: number) {
    super(original instanceof Error ? original.message : String(original));
  }
}

const eta = new Eta({
  autoEscape: true,
  escapeFunction: yamlQuote,
  autoTrim: false,
  debug: true,
  cache: false,
  useWith: false,
  varName: "it",
  plugins: [{ processAST: trimBlockLines }],
});
// Keep the line of a runtime error instead of eta's pretty text.
eta.RuntimeErr = (err: Error, _str: string, lineNo: number): never => {
  throw new TemplateRuntimeError(err, lineNo);
};

type Compiled = ReturnType<typeof eta.compile>;
const compiled = new Map<string, Compiled>();
const CACHE_LIMIT = 64;

/**
 * Renders `text` with `it` = `context`. `file` names the template in errors (workspace-relative).
 * Throws an `IagoError` at `file:line` for syntax and runtime errors.
 */
export function renderTemplate(text: string, context: object, file: string): string {
  return renderTemplateMapped(text, context, file).text;
}

/** {@link renderTemplate}, keeping where each rendered line came from in the template. */
export function renderTemplateMapped(
  text: string,
  context: object,
  file: string,
): RenderedTemplate {
  return mappedTemplate(renderTemplateLines(text, context, file));
}

/**
 * {@link renderTemplateMapped} as plain data (what the sandbox worker sends back): the text,
 * and the template line of each rendered line.
 */
export function renderTemplateLines(text: string, context: object, file: string): RenderedLines {
  const fn = compile(text, file);
  let rendered: string;
  try {
    rendered = fn.call(eta, strictContext(context), {});
  } catch (err) {
    if (err instanceof TemplateRuntimeError) {
      const action = deniedAction(err.original);
      throw new IagoError(
        `Cannot render the template: ${action ? `it tried to ${action}` : firstLine(err.message)}`,
        {
          at: { file, line: err.lineNo },
          hint: action ? `${SANDBOX_RULE}; a template gets all it needs in it` : HINT,
          cause: err.original,
        },
      );
    }
    throw err;
  }
  return unmark(rendered);
}

/**
 * The objects rendering shares between templates (the eta instance its compiled templates get
 * as `this`), for the sandbox to freeze before any template runs.
 */
export function templateEngine(): object {
  return eta;
}

/**
 * Compiles `text` without rendering it: an `IagoError` at `file:line` (and column, for a tag
 * left open) when it does not compile, else undefined.
 */
export function checkTemplate(text: string, file: string): IagoError | undefined {
  try {
    compile(text, file);
    return undefined;
  } catch (err) {
    if (err instanceof IagoError) return err;
    throw err;
  }
}

const HINT =
  'the variables are listed in README "Template variables"; <%= x %> writes x YAML-quoted, <%~ x %> raw';

function compile(text: string, file: string): Compiled {
  const hit = compiled.get(text);
  if (hit) return hit;
  let fn: Compiled;
  try {
    fn = eta.compile(text);
  } catch (err) {
    throw compileError(err, text, file);
  }
  if (compiled.size >= CACHE_LIMIT) compiled.delete(compiled.keys().next().value!);
  compiled.set(text, fn);
  return fn;
}

function compileError(err: unknown, text: string, file: string): IagoError {
  const message = err instanceof Error ? err.message : String(err);
  const parse = /^(.*?) at line (\d+) col (\d+)/.exec(message);
  if (err instanceof EtaParseError && parse) {
    return new IagoError(`Cannot parse the template: ${parse[1]}`, {
      at: { file, line: Number(parse[2]), col: Number(parse[3]) },
      hint: "every <% opens a tag that %> must close on the same or a later line",
      cause: err,
    });
  }
  // A JavaScript syntax error inside a tag: find the first tag that makes the code invalid.
  const js = /\n\n(.*)\n====/.exec(message)?.[1] ?? firstLine(message);
  const line = findSyntaxErrorLine(text);
  return new IagoError(`Cannot compile the template: ${js}`, {
    at: line === undefined ? { file } : { file, line },
    hint: "the code inside <% %>, <%= %> and <%~ %> tags must be JavaScript",
    cause: err,
  });
}

/** The line of the first tag whose code cannot be JavaScript, given the tags before it. */
function findSyntaxErrorLine(text: string): number | undefined {
  let ast: AstObject[];
  try {
    ast = eta.parse(text) as AstObject[];
  } catch {
    return undefined;
  }
  let code = "";
  for (const node of ast) {
    if (typeof node === "string") continue;
    if (node.t === "e") code += node.val + "\n";
    else code += `(${node.val});\n`;
    // An unclosed block is fine until the tag that closes it; anything else is the culprit.
    if (!couldBeJs(code)) return node.lineNo;
  }
  return undefined;
}

/** True when `code`, with at most a few blocks still open, is valid JavaScript. */
function couldBeJs(code: string): boolean {
  for (let open = 0; open <= 8; open++) {
    try {
      new Function("it", code + "\n}".repeat(open));
      return true;
    } catch {
      // try closing one more block
    }
  }
  return false;
}

/**
 * Drops the indentation before and the line break after a `<% %>` tag alone on its line, and
 * puts a marker of its template line before every piece of template text, so lines of the
 * rendered YAML can be traced back to the template ({@link renderTemplateMapped}).
 */
function trimBlockLines(ast: AstObject[]): AstObject[] {
  // eta hands over text already escaped for a JS string literal; work on the plain text.
  const out = ast.map((n) => typeof n === "string" ? unescapeJs(n) : n);
  // The template line each piece of text starts on: text counts its own line breaks, a tag
  // knows its line (eta's debug mode) and ends where its code's line breaks take it.
  const startLine: number[] = [];
  let line = 1;
  for (const node of out) {
    if (typeof node === "string") {
      startLine.push(line);
      line += newlines(node);
    } else {
      startLine.push(node.lineNo ?? line);
      line = (node.lineNo ?? line) + newlines(node.val);
    }
  }
  for (let i = 0; i < out.length; i++) {
    const node = out[i];
    if (typeof node === "string" || node.t !== "e") continue;
    const before = i === 0 ? "" : out[i - 1];
    const after = i === out.length - 1 ? "" : out[i + 1];
    if (typeof before !== "string" || typeof after !== "string") continue;
    const lead = /(^|\n)[ \t]*$/.exec(before);
    const trail = /^[ \t]*(\n|$)/.exec(after);
    if (!lead || !trail) continue;
    if (i > 0) out[i - 1] = before.slice(0, lead.index + lead[1].length);
    if (i < out.length - 1) {
      out[i + 1] = after.slice(trail[0].length);
      startLine[i + 1] += newlines(trail[0]);
    }
  }
  const marked: AstObject[] = [];
  out.forEach((n, i) => {
    if (typeof n !== "string") return void marked.push(n);
    if (n === "") return;
    marked.push({ t: "r", val: `"${MARK}${startLine[i]}${MARK_END}"`, lineNo: startLine[i] });
    marked.push(escapeJs(n));
  });
  return marked;
}

const MARK = "\\u0001";
const MARK_END = "\\u0002";
// Control characters on purpose: template text does not hold them, and <%= %> escapes them.
// deno-lint-ignore no-control-regex
const MARKER = /\u0001(\d+)\u0002/g;

function newlines(s: string): number {
  let n = 0;
  for (let i = s.indexOf("\n"); i !== -1; i = s.indexOf("\n", i + 1)) n++;
  return n;
}

/**
 * Takes the line markers out of rendered text. Returns the text and, for each line of it, the
 * template line it came from (text lines count on from the last marker; a multi-line raw value
 * is attributed to the lines after its tag, an approximation).
 */
function unmark(rendered: string): RenderedLines {
  const lines: number[] = [0];
  let text = "";
  let source = 1;
  let last = 0;
  let lineStart = true;
  const emit = (chunk: string) => {
    for (const ch of chunk.split("\n").entries()) {
      const [k, part] = ch;
      if (k > 0) {
        text += "\n";
        source++;
        lineStart = true;
      }
      if (lineStart) {
        lines.push(source);
        lineStart = false;
      }
      text += part;
    }
  };
  for (const m of rendered.matchAll(MARKER)) {
    emit(rendered.slice(last, m.index));
    source = Number(m[1]);
    // A marker at the start of an output line says where that line comes from.
    if (text === "" || text.endsWith("\n")) lines[lines.length - 1] = source;
    last = m.index + m[0].length;
  }
  emit(rendered.slice(last));
  return { text, lines };
}

function unescapeJs(s: string): string {
  return s.replace(/\\(.)/g, (_m, c: string) => c === "n" ? "\n" : c);
}

function escapeJs(s: string): string {
  return s.replace(/\\|'/g, "\\$&").replace(/\n/g, "\\n");
}

function firstLine(s: string): string {
  return s.split("\n")[0];
}
