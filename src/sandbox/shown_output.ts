/**
 * What templates and plugins print, as iago shows it: each line after the name of the file it
 * came from, control characters escaped (no line can pass for iago's own or move the cursor),
 * the secret values iago handed the code replaced by `<secret>`, and at most
 * {@link OUTPUT_LIMIT} bytes per template or plugin and {@link RUN_LIMIT} per run.
 */
import { printable } from "../errors.ts";
import { OUTPUT_LIMIT, type OutputMessage } from "./protocol.ts";

/** How much output of all templates and plugins together one run shows. */
export const RUN_LIMIT = 16 * OUTPUT_LIMIT;

/** Receives one line to print; `problem` for `console.warn`/`console.error`. */
export type OutputSink = (line: string, problem: boolean) => void;

/** Secret values shorter than this are left alone: hiding them would garble every line. */
const SHORTEST_HIDDEN = 4;

const encoder = new TextEncoder();

export class ShownOutput {
  readonly #sink: OutputSink;
  readonly #hidden = new Set<string>();
  /** The hidden values and their escaped forms, longest first; rebuilt after `hide`. */
  #patterns?: string[];
  readonly #used = new Map<string, number>();
  #total = 0;
  readonly #silenced = new Set<string>();
  /** The run's limit is reached: nothing more is shown. */
  #full = false;

  constructor(sink: OutputSink) {
    this.#sink = sink;
  }

  /** Values that must not be shown as they are (the secrets given to templates and plugins). */
  hide(values: Iterable<string | undefined>): void {
    for (const v of values) {
      if (v === undefined || v.length < SHORTEST_HIDDEN || this.#hidden.has(v)) continue;
      this.#hidden.add(v);
      this.#patterns = undefined;
    }
  }

  /**
   * Shows `message`, printed by the code of `file` (a template or plugin), each line after
   * `source` (the file, and the machine a plugin was called for: `workloads/redis.ts (web)`).
   */
  show(file: string, source: string, message: OutputMessage): void {
    if (this.#full || this.#silenced.has(file)) return;
    // Secrets go first: a cut must not leave the start of one.
    const lines = this.#withoutSecrets(message.output).split("\n");
    if (lines.at(-1) === "") lines.pop();
    let cut = message.cut ?? false;
    for (const line of lines) {
      // What is counted is what is shown: a loop printing empty lines fills the limit too.
      let shown = `${source}: ${printable(line)}`;
      const bytes = encoder.encode(shown).length + 1;
      const used = this.#used.get(file) ?? 0;
      const room = Math.min(OUTPUT_LIMIT - used, RUN_LIMIT - this.#total);
      if (bytes > room) {
        cut = true;
        shown = cutToBytes(shown, room - 1);
        if (shown.length <= source.length + 2) break;
      }
      this.#used.set(file, used + Math.min(bytes, room));
      this.#total += Math.min(bytes, room);
      this.#sink(shown, message.problem);
      if (cut) break;
    }
    if (!cut) return;
    this.#silenced.add(file);
    this.#full = this.#total >= RUN_LIMIT;
    const limit = this.#full
      ? `${RUN_LIMIT / 1024} KiB of all templates' and plugins' output per run`
      : `${OUTPUT_LIMIT / 1024} KiB of each template's or plugin's output per run`;
    this.#sink(`${source}: ... more output not shown (iago shows ${limit})`, message.problem);
  }

  #withoutSecrets(text: string): string {
    if (this.#hidden.size === 0) return text;
    this.#patterns ??= [...this.#hidden].flatMap((v) => {
      // Formatted objects show strings escaped as JSON does.
      const escaped = JSON.stringify(v).slice(1, -1);
      return escaped === v ? [v] : [v, escaped];
    }).sort((a, b) => b.length - a.length);
    for (const p of this.#patterns) {
      if (text.includes(p)) text = text.replaceAll(p, "<secret>");
    }
    return text;
  }
}

/** The longest start of `text` that is at most `bytes` long in UTF-8. */
function cutToBytes(text: string, bytes: number): string {
  if (bytes <= 0) return "";
  const cut = new TextDecoder().decode(encoder.encode(text).subarray(0, bytes));
  // A character split at the end decodes to U+FFFD: drop it.
  return cut.endsWith("\uFFFD") ? cut.slice(0, -1) : cut;
}
