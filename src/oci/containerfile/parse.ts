/**
 * The Containerfile parser: parser directives (`escape`, `syntax`), comments, line
 * continuations, heredocs (`<<EOF`, `<<-EOF`, quoted delimiters), flags, JSON and shell forms,
 * and stages (`FROM ... AS name`). It only reads the text; variables are substituted by the
 * builder, which knows the ARG and ENV values at each step. Every error names the line.
 */
import { didYouMean, IagoError } from "../../errors.ts";

/** A heredoc body attached to an instruction. */
export interface Heredoc {
  name: string;
  content: string;
  /** False when the delimiter was quoted (`<<"EOF"`): no variable substitution. */
  expand: boolean;
}

export interface Flag {
  name: string;
  /** Undefined for a bare `--flag`. */
  value?: string;
}

export interface Instruction {
  /** Upper case: `COPY`. */
  keyword: string;
  /** Line of the keyword (1-based). */
  line: number;
  flags: Flag[];
  /** The JSON form's strings, when the arguments are a JSON array of strings. */
  json?: string[];
  /** The arguments after the flags, continuations joined (shell form). */
  text: string;
  heredocs: Heredoc[];
  /** For ONBUILD: the instruction it holds. */
  trigger?: Instruction;
}

export interface Stage {
  index: number;
  /** Lower-cased `AS` name. */
  name?: string;
  from: Instruction;
  /** The base as written (variables not yet substituted). */
  base: string;
  instructions: Instruction[];
}

export interface Containerfile {
  /** The path used in messages (`containers/web/Containerfile`). */
  file: string;
  escape: string;
  syntax?: string;
  /** ARG instructions before the first FROM. */
  metaArgs: Instruction[];
  stages: Stage[];
}

export const INSTRUCTIONS = [
  "ADD",
  "ARG",
  "CMD",
  "COPY",
  "ENTRYPOINT",
  "ENV",
  "EXPOSE",
  "FROM",
  "HEALTHCHECK",
  "LABEL",
  "MAINTAINER",
  "ONBUILD",
  "RUN",
  "SHELL",
  "STOPSIGNAL",
  "USER",
  "VOLUME",
  "WORKDIR",
];

const FLAGS: Record<string, string[]> = {
  FROM: ["platform"],
  COPY: ["from", "chmod", "chown", "link"],
  ADD: ["chmod", "chown", "link", "checksum"],
  RUN: ["mount", "network", "security"],
  HEALTHCHECK: ["interval", "timeout", "start-period", "start-interval", "retries"],
};

const HEREDOC_KEYWORDS = new Set(["RUN", "COPY", "ADD"]);
const JSON_KEYWORDS = new Set(["CMD", "ENTRYPOINT", "RUN", "SHELL", "COPY", "ADD", "VOLUME"]);
const HEREDOC = /<<(-?)\s*(["']?)([A-Za-z_][A-Za-z0-9_]*)\2/g;
const STAGE_NAME = /^[a-z][a-z0-9._-]*$/;

/** Parses Containerfile text; throws an `IagoError` citing `file:line` on the first problem. */
export function parseContainerfile(source: string, file = "Containerfile"): Containerfile {
  const lines = source.replace(/\r\n?/g, "\n").split("\n");
  const fail = (line: number, message: string, hint?: string): never => {
    throw new IagoError(message, { at: { file, line }, hint });
  };

  let escape = "\\";
  let syntax: string | undefined;
  let i = 0;
  const seen = new Set<string>();
  for (; i < lines.length; i++) {
    const m = /^\s*#\s*([A-Za-z]+)\s*=\s*(.*?)\s*$/.exec(lines[i]);
    if (!m) break;
    const key = m[1].toLowerCase();
    if (key !== "escape" && key !== "syntax" && key !== "check") break;
    if (seen.has(key)) fail(i + 1, `Parser directive "${key}" is given twice`);
    seen.add(key);
    if (key === "escape") {
      if (m[2] !== "\\" && m[2] !== "`") {
        fail(i + 1, `Invalid escape directive "${m[2]}"`, "the escape character is \\ or `");
      }
      escape = m[2];
    } else if (key === "syntax") syntax = m[2];
  }

  const instructions: Instruction[] = [];
  while (i < lines.length) {
    const start = i;
    const first = lines[i];
    if (/^\s*(#|$)/.test(first)) {
      i++;
      continue;
    }
    let text = "";
    let line = first;
    for (;;) {
      const trimmed = line.replace(/\s+$/, "");
      if (trimmed.endsWith(escape)) {
        text += trimmed.slice(0, -1);
        i++;
        while (i < lines.length && /^\s*(#|$)/.test(lines[i])) i++;
        if (i >= lines.length) break;
        line = lines[i];
        continue;
      }
      text += line;
      i++;
      break;
    }
    const m = /^\s*(\S+)\s*([\s\S]*)$/.exec(text)!;
    const keyword = m[1].toUpperCase();
    if (!INSTRUCTIONS.includes(keyword)) {
      const near = didYouMean(keyword, INSTRUCTIONS);
      fail(
        start + 1,
        `Unknown instruction "${m[1]}"`,
        near ? `did you mean ${near}?` : `instructions are ${INSTRUCTIONS.join(", ")}`,
      );
    }
    const instruction = parseInstruction(keyword, m[2].trim(), start + 1, fail);
    if (HEREDOC_KEYWORDS.has(keyword) && !instruction.json) {
      for (const h of instruction.text.matchAll(HEREDOC)) {
        const strip = h[1] === "-";
        const body: string[] = [];
        let closed = false;
        while (i < lines.length) {
          const raw = lines[i++];
          const l = strip ? raw.replace(/^\t+/, "") : raw;
          if (l === h[3]) {
            closed = true;
            break;
          }
          body.push(l);
        }
        if (!closed) {
          fail(
            start + 1,
            `Heredoc <<${h[3]} is not closed`,
            `end it with a line holding only ${h[3]}`,
          );
        }
        instruction.heredocs.push({
          name: h[3],
          content: body.length ? body.join("\n") + "\n" : "",
          expand: h[2] === "",
        });
      }
    }
    instructions.push(instruction);
  }

  const result: Containerfile = { file, escape, syntax, metaArgs: [], stages: [] };
  const names = new Map<string, number>();
  for (const ins of instructions) {
    if (ins.keyword === "FROM") {
      const words = ins.text.split(/\s+/).filter(Boolean);
      let name: string | undefined;
      if (words.length === 3 && words[1].toLowerCase() === "as") {
        name = words[2].toLowerCase();
        if (!STAGE_NAME.test(name)) {
          fail(
            ins.line,
            `Invalid stage name "${words[2]}"`,
            "start with a letter; use letters, digits, . _ -",
          );
        }
        if (names.has(name)) {
          fail(ins.line, `Stage name "${name}" is already used on line ${names.get(name)}`);
        }
        names.set(name, ins.line);
      } else if (words.length !== 1) {
        fail(ins.line, `FROM takes an image and an optional "AS name", got "${ins.text}"`);
      }
      result.stages.push({
        index: result.stages.length,
        name,
        from: ins,
        base: words[0],
        instructions: [],
      });
    } else if (result.stages.length === 0) {
      if (ins.keyword !== "ARG") {
        fail(ins.line, `${ins.keyword} before the first FROM`, "only ARG may come before FROM");
      }
      result.metaArgs.push(ins);
    } else {
      result.stages.at(-1)!.instructions.push(ins);
    }
  }
  if (result.stages.length === 0) {
    fail(1, "No FROM instruction", "start with FROM IMAGE (or FROM scratch)");
  }
  return result;
}

type Fail = (line: number, message: string, hint?: string) => never;

function parseInstruction(keyword: string, rest: string, line: number, fail: Fail): Instruction {
  const flags: Flag[] = [];
  const allowed = FLAGS[keyword] ?? [];
  for (;;) {
    const f = /^--([A-Za-z][A-Za-z0-9-]*)(?:=(\S*))?(?:\s+|$)/.exec(rest);
    if (!f || rest.startsWith("--=")) break;
    if (!allowed.includes(f[1])) {
      const near = didYouMean(f[1], allowed);
      fail(
        line,
        `Unknown flag --${f[1]} for ${keyword}`,
        near
          ? `did you mean --${near}?`
          : allowed.length
          ? `${keyword} takes ${allowed.map((a) => `--${a}`).join(", ")}`
          : `${keyword} takes no flags`,
      );
    }
    flags.push({ name: f[1], value: f[2] });
    rest = rest.slice(f[0].length);
  }
  const instruction: Instruction = { keyword, line, flags, text: rest, heredocs: [] };
  if (JSON_KEYWORDS.has(keyword) && rest.startsWith("[")) {
    try {
      const parsed = JSON.parse(rest);
      if (Array.isArray(parsed) && parsed.every((s) => typeof s === "string")) {
        instruction.json = parsed;
      }
    } catch {
      // Not JSON: Docker treats it as the shell form, and so do we.
    }
  }
  if (keyword === "SHELL" && !instruction.json) {
    fail(line, "SHELL needs the JSON form", 'write SHELL ["/bin/bash", "-c"]');
  }
  if (keyword === "ONBUILD") {
    const m = /^(\S+)\s*([\s\S]*)$/.exec(rest);
    if (!m) fail(line, "ONBUILD needs an instruction", "write ONBUILD COPY . /app");
    const inner = m![1].toUpperCase();
    if (!INSTRUCTIONS.includes(inner)) fail(line, `Unknown instruction "${m![1]}" in ONBUILD`);
    if (["ONBUILD", "FROM", "MAINTAINER"].includes(inner)) {
      fail(line, `ONBUILD cannot hold ${inner}`);
    }
    instruction.trigger = parseInstruction(inner, m![2].trim(), line, fail);
  }
  const needsArgs = !["HEALTHCHECK"].includes(keyword);
  if (needsArgs && rest === "" && !instruction.json) fail(line, `${keyword} needs arguments`);
  return instruction;
}
