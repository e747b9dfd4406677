/**
 * The Containerfile word lexer: quotes, the escape character and variable substitution
 * (`$VAR`, `${VAR}`, `${VAR:-x}`, `${VAR-x}`, `${VAR:+x}`, `${VAR+x}`, `${VAR:?msg}`,
 * `${VAR?msg}`), as BuildKit applies them to ADD, COPY, ENV, EXPOSE, FROM, LABEL, STOPSIGNAL,
 * USER, VOLUME and WORKDIR.
 */

/** Looks a variable up; undefined when it is not set. */
export type Lookup = (name: string) => string | undefined;

/** A substitution the lexer cannot perform; the caller adds the line. */
export class WordError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WordError";
  }
}

/** Expands and unquotes one word (whitespace kept as is). */
export function processWord(text: string, lookup: Lookup, escape = "\\"): string {
  return new Lexer(text, lookup, escape).run(false).join("");
}

/** Expands and unquotes `text`, split into words at unquoted whitespace. */
export function processWords(text: string, lookup: Lookup, escape = "\\"): string[] {
  return new Lexer(text, lookup, escape).run(true);
}

const NAME_CHAR = /[A-Za-z0-9_]/;

class Lexer {
  #pos = 0;
  constructor(
    private readonly text: string,
    private readonly lookup: Lookup,
    private readonly escape: string,
  ) {}

  run(split: boolean): string[] {
    const words: string[] = [];
    let word = "";
    let inWord = false;
    const t = this.text;
    while (this.#pos < t.length) {
      const c = t[this.#pos];
      if (split && /\s/.test(c)) {
        if (inWord) words.push(word);
        word = "";
        inWord = false;
        this.#pos++;
        continue;
      }
      inWord = true;
      if (c === this.escape) {
        this.#pos++;
        if (this.#pos < t.length) word += t[this.#pos++];
        else word += c;
      } else if (c === "'") {
        const end = t.indexOf("'", this.#pos + 1);
        if (end === -1) throw new WordError("Unmatched single quote");
        word += t.slice(this.#pos + 1, end);
        this.#pos = end + 1;
      } else if (c === '"') {
        this.#pos++;
        word += this.#doubleQuoted();
      } else if (c === "$") {
        word += this.#variable();
      } else {
        word += c;
        this.#pos++;
      }
    }
    if (inWord) words.push(word);
    return words;
  }

  #doubleQuoted(): string {
    const t = this.text;
    let out = "";
    while (this.#pos < t.length) {
      const c = t[this.#pos];
      if (c === '"') {
        this.#pos++;
        return out;
      }
      if (c === this.escape && this.#pos + 1 < t.length) {
        const next = t[this.#pos + 1];
        if (next === '"' || next === "$" || next === this.escape) {
          out += next;
          this.#pos += 2;
          continue;
        }
        out += c;
        this.#pos++;
      } else if (c === "$") {
        out += this.#variable();
      } else {
        out += c;
        this.#pos++;
      }
    }
    throw new WordError("Unmatched double quote");
  }

  #variable(): string {
    const t = this.text;
    this.#pos++; // $
    if (t[this.#pos] === "{") {
      this.#pos++;
      let name = "";
      while (this.#pos < t.length && NAME_CHAR.test(t[this.#pos])) name += t[this.#pos++];
      if (name === "") {
        throw new WordError(`Bad substitution "\${${t.slice(this.#pos, this.#pos + 10)}"`);
      }
      if (t[this.#pos] === "}") {
        this.#pos++;
        return this.lookup(name) ?? "";
      }
      if (this.#pos >= t.length) throw new WordError(`Missing "}" in "\${${name}"`);
      let op = t[this.#pos];
      if (op === ":") op += t[this.#pos + 1] ?? "";
      if (![":-", ":+", ":?", "-", "+", "?"].includes(op)) {
        throw new WordError(
          `Unsupported substitution "\${${name}${
            t.slice(this.#pos, this.#pos + 3)
          }..." (supported: :- :+ :? - + ?)`,
        );
      }
      this.#pos += op.length;
      const start = this.#pos;
      let depth = 1;
      while (this.#pos < t.length) {
        const c = t[this.#pos];
        if (c === this.escape) this.#pos++;
        else if (c === "{") depth++;
        else if (c === "}" && --depth === 0) break;
        this.#pos++;
      }
      if (this.#pos >= t.length) throw new WordError(`Missing "}" in "\${${name}${op}"`);
      const inner = t.slice(start, this.#pos);
      this.#pos++;
      const value = this.lookup(name);
      const word = () => new Lexer(inner, this.lookup, this.escape).run(false).join("");
      switch (op) {
        case ":-":
          return value ? value : word();
        case "-":
          return value !== undefined ? value : word();
        case ":+":
          return value ? word() : "";
        case "+":
          return value !== undefined ? word() : "";
        default: {
          const set = op === "?" ? value !== undefined : !!value;
          if (!set) throw new WordError(`${name}: ${word() || "is not set"}`);
          return value ?? "";
        }
      }
    }
    let name = "";
    while (this.#pos < t.length && NAME_CHAR.test(t[this.#pos])) name += t[this.#pos++];
    if (name === "") return "$";
    return this.lookup(name) ?? "";
  }
}
