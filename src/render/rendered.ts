/**
 * A rendered template as iago holds it: what the sandbox worker sends back (the text, and the
 * template line of each rendered line) with a lookup. A module of its own so that iago's side
 * of the sandbox does not load the template engine, which only the worker runs.
 */
import type { RenderedLines } from "../sandbox/protocol.ts";

/** The rendered text, and the template line that each of its lines (1-based) comes from. */
export interface RenderedTemplate {
  text: string;
  /** The template line of rendered line `line`; `line` itself past the end. */
  sourceLine(line: number): number;
}

/** A {@link RenderedTemplate} from the lines the renderer sent. */
export function mappedTemplate({ text, lines }: RenderedLines): RenderedTemplate {
  return { text, sourceLine: (line) => lines[line] ?? line };
}
