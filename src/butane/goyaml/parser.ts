/**
 * gopkg.in/yaml.v3's event parser (parserc.go, from libyaml, MIT licence), ported state for
 * state so that its errors ("did not find expected key", ...) carry yaml.v3's marks. Of the
 * comments only what steers the parse is kept: consumed ones stop moving block ends, and the
 * pending head comment decides whether a list entry peeks ahead (which, after a scanner error,
 * scans on and can replace that error with a later one, as yaml.v3 does).
 */
import {
  emptyComment,
  ErrorKind,
  type Mark,
  Scanner,
  Style,
  Tok,
  type Token,
  ZERO,
} from "./scanner.ts";

export const enum Ev {
  NONE,
  STREAM_START,
  STREAM_END,
  DOCUMENT_START,
  DOCUMENT_END,
  ALIAS,
  SCALAR,
  SEQUENCE_START,
  SEQUENCE_END,
  MAPPING_START,
  MAPPING_END,
}

export interface Event {
  typ: Ev;
  start: Mark;
  end: Mark;
  anchor?: number[];
  tag?: number[];
  value?: number[];
  implicit?: boolean;
  style?: Style;
  flow?: boolean;
}

const enum St {
  STREAM_START,
  IMPLICIT_DOCUMENT_START,
  DOCUMENT_START,
  DOCUMENT_CONTENT,
  DOCUMENT_END,
  BLOCK_NODE,
  BLOCK_NODE_OR_INDENTLESS_SEQUENCE,
  FLOW_NODE,
  BLOCK_SEQUENCE_FIRST_ENTRY,
  BLOCK_SEQUENCE_ENTRY,
  INDENTLESS_SEQUENCE_ENTRY,
  BLOCK_MAPPING_FIRST_KEY,
  BLOCK_MAPPING_KEY,
  BLOCK_MAPPING_VALUE,
  FLOW_SEQUENCE_FIRST_ENTRY,
  FLOW_SEQUENCE_ENTRY,
  FLOW_SEQUENCE_ENTRY_MAPPING_KEY,
  FLOW_SEQUENCE_ENTRY_MAPPING_VALUE,
  FLOW_SEQUENCE_ENTRY_MAPPING_END,
  FLOW_MAPPING_FIRST_KEY,
  FLOW_MAPPING_KEY,
  FLOW_MAPPING_VALUE,
  FLOW_MAPPING_EMPTY_VALUE,
  END,
}

interface TagDirective {
  handle: string;
  prefix: number[];
}

// (ASCII: each character is its byte.)
const bytes = (s: string) => Array.from(s, (c) => c.charCodeAt(0));
const DEFAULT_TAG_DIRECTIVES: TagDirective[] = [
  { handle: "!", prefix: bytes("!") },
  { handle: "!!", prefix: bytes("tag:yaml.org,2002:") },
];
const latin1 = (b: number[] | undefined) => (b ? String.fromCharCode(...b) : "");

export class EventParser {
  readonly s: Scanner;
  private state = St.STREAM_START;
  private states: St[] = [];
  private marks: Mark[] = [];
  private tagDirectives: TagDirective[] = [];
  /** parser.head_comment: the head comments not yet given to an event. */
  private headComment: number[] = [];

  constructor(input: Uint8Array) {
    this.s = new Scanner(input);
  }

  private peekToken(): Token | undefined {
    const s = this.s;
    if (s.tokenAvailable || s.fetchMoreTokens()) {
      const token = s.tokens[s.tokensHead];
      this.unfoldComments(token);
      return token;
    }
    return undefined;
  }

  /** yaml_parser_unfold_comments: consumed comments no longer move block ends. */
  private unfoldComments(token: Token): void {
    const s = this.s;
    while (
      s.commentsHead < s.comments.length &&
      token.start.index >= s.comments[s.commentsHead].token.index
    ) {
      const comment = s.comments[s.commentsHead];
      if (comment.head.length > 0) {
        if (token.typ === Tok.BLOCK_END) break;
        if (this.headComment.length > 0) this.headComment.push(0x0a);
        this.headComment.push(...comment.head);
      }
      s.comments[s.commentsHead] = emptyComment();
      s.commentsHead++;
    }
  }

  private skipToken(): void {
    const s = this.s;
    s.tokenAvailable = false;
    s.tokensParsed++;
    s.streamEndProduced = s.tokens[s.tokensHead].typ === Tok.STREAM_END;
    s.tokensHead++;
  }

  /** yaml_parser_parse: the next event, or undefined on error (see `s.error`). */
  parse(): Event | undefined {
    if (this.s.streamEndProduced || this.s.error !== ErrorKind.NONE || this.state === St.END) {
      return { typ: Ev.NONE, start: ZERO, end: ZERO };
    }
    return this.stateMachine();
  }

  private parserError(problem: string, problemMark: Mark): undefined {
    this.s.error = ErrorKind.PARSER;
    this.s.problem = problem;
    this.s.problemMark = problemMark;
    return undefined;
  }

  private parserErrorContext(
    context: string,
    contextMark: Mark,
    problem: string,
    problemMark: Mark,
  ): undefined {
    this.s.error = ErrorKind.PARSER;
    this.s.context = context;
    this.s.contextMark = contextMark;
    this.s.problem = problem;
    this.s.problemMark = problemMark;
    return undefined;
  }

  private stateMachine(): Event | undefined {
    switch (this.state) {
      case St.STREAM_START:
        return this.parseStreamStart();
      case St.IMPLICIT_DOCUMENT_START:
        return this.parseDocumentStart(true);
      case St.DOCUMENT_START:
        return this.parseDocumentStart(false);
      case St.DOCUMENT_CONTENT:
        return this.parseDocumentContent();
      case St.DOCUMENT_END:
        return this.parseDocumentEnd();
      case St.BLOCK_NODE:
        return this.parseNode(true, false);
      case St.BLOCK_NODE_OR_INDENTLESS_SEQUENCE:
        return this.parseNode(true, true);
      case St.FLOW_NODE:
        return this.parseNode(false, false);
      case St.BLOCK_SEQUENCE_FIRST_ENTRY:
        return this.parseBlockSequenceEntry(true);
      case St.BLOCK_SEQUENCE_ENTRY:
        return this.parseBlockSequenceEntry(false);
      case St.INDENTLESS_SEQUENCE_ENTRY:
        return this.parseIndentlessSequenceEntry();
      case St.BLOCK_MAPPING_FIRST_KEY:
        return this.parseBlockMappingKey(true);
      case St.BLOCK_MAPPING_KEY:
        return this.parseBlockMappingKey(false);
      case St.BLOCK_MAPPING_VALUE:
        return this.parseBlockMappingValue();
      case St.FLOW_SEQUENCE_FIRST_ENTRY:
        return this.parseFlowSequenceEntry(true);
      case St.FLOW_SEQUENCE_ENTRY:
        return this.parseFlowSequenceEntry(false);
      case St.FLOW_SEQUENCE_ENTRY_MAPPING_KEY:
        return this.parseFlowSequenceEntryMappingKey();
      case St.FLOW_SEQUENCE_ENTRY_MAPPING_VALUE:
        return this.parseFlowSequenceEntryMappingValue();
      case St.FLOW_SEQUENCE_ENTRY_MAPPING_END:
        return this.parseFlowSequenceEntryMappingEnd();
      case St.FLOW_MAPPING_FIRST_KEY:
        return this.parseFlowMappingKey(true);
      case St.FLOW_MAPPING_KEY:
        return this.parseFlowMappingKey(false);
      case St.FLOW_MAPPING_VALUE:
        return this.parseFlowMappingValue(false);
      case St.FLOW_MAPPING_EMPTY_VALUE:
        return this.parseFlowMappingValue(true);
      default:
        throw new Error("invalid parser state");
    }
  }

  /** yaml_parser_set_event_comments: the pending comments go to the event just made. */
  private eventComments<T>(ev: T): T {
    this.headComment = [];
    return ev;
  }

  /** yaml_parser_split_stem_comment: peeks (even after an error) when a head comment waits. */
  private splitStemComment(stemLen: number): void {
    if (stemLen === 0) return;
    const token = this.peekToken();
    if (
      !token || (token.typ !== Tok.BLOCK_SEQUENCE_START && token.typ !== Tok.BLOCK_MAPPING_START)
    ) {
      return;
    }
    this.headComment = this.headComment.length === stemLen
      ? []
      : this.headComment.slice(stemLen + 1);
  }

  private popState(): void {
    this.state = this.states.pop()!;
  }

  private parseStreamStart(): Event | undefined {
    const token = this.peekToken();
    if (!token) return undefined;
    if (token.typ !== Tok.STREAM_START) {
      return this.parserError("did not find expected <stream-start>", token.start);
    }
    this.state = St.IMPLICIT_DOCUMENT_START;
    this.skipToken();
    return { typ: Ev.STREAM_START, start: token.start, end: token.end };
  }

  private parseDocumentStart(implicit: boolean): Event | undefined {
    let token = this.peekToken();
    if (!token) return undefined;
    if (!implicit) {
      while (token.typ === Tok.DOCUMENT_END) {
        this.skipToken();
        token = this.peekToken();
        if (!token) return undefined;
      }
    }
    if (
      implicit && token.typ !== Tok.VERSION_DIRECTIVE && token.typ !== Tok.TAG_DIRECTIVE &&
      token.typ !== Tok.DOCUMENT_START && token.typ !== Tok.STREAM_END
    ) {
      if (!this.processDirectives()) return undefined;
      this.states.push(St.DOCUMENT_END);
      this.state = St.BLOCK_NODE;
      const hc = this.headComment;
      for (let i = hc.length - 1; i > 0; i--) {
        if (hc[i] !== 0x0a) continue;
        if (i === hc.length - 1 || hc[i - 1] === 0x0a) {
          this.headComment = hc.slice(i + 1);
          break;
        }
      }
      return { typ: Ev.DOCUMENT_START, start: token.start, end: token.end };
    }
    if (token.typ !== Tok.STREAM_END) {
      const start = token.start;
      if (!this.processDirectives()) return undefined;
      token = this.peekToken();
      if (!token) return undefined;
      if (token.typ !== Tok.DOCUMENT_START) {
        return this.parserError("did not find expected <document start>", token.start);
      }
      this.states.push(St.DOCUMENT_END);
      this.state = St.DOCUMENT_CONTENT;
      const end = token.end;
      this.skipToken();
      return { typ: Ev.DOCUMENT_START, start, end, implicit: false };
    }
    this.state = St.END;
    this.skipToken();
    return { typ: Ev.STREAM_END, start: token.start, end: token.end };
  }

  private parseDocumentContent(): Event | undefined {
    const token = this.peekToken();
    if (!token) return undefined;
    if (
      token.typ === Tok.VERSION_DIRECTIVE || token.typ === Tok.TAG_DIRECTIVE ||
      token.typ === Tok.DOCUMENT_START || token.typ === Tok.DOCUMENT_END ||
      token.typ === Tok.STREAM_END
    ) {
      this.popState();
      return emptyScalar(token.start);
    }
    return this.parseNode(true, false);
  }

  private parseDocumentEnd(): Event | undefined {
    const token = this.peekToken();
    if (!token) return undefined;
    const start = token.start;
    let end = token.start;
    let implicit = true;
    if (token.typ === Tok.DOCUMENT_END) {
      end = token.end;
      this.skipToken();
      implicit = false;
    }
    this.tagDirectives = [];
    this.state = St.DOCUMENT_START;
    return this.eventComments({ typ: Ev.DOCUMENT_END, start, end, implicit });
  }

  private parseNode(block: boolean, indentlessSequence: boolean): Event | undefined {
    let token = this.peekToken();
    if (!token) return undefined;
    if (token.typ === Tok.ALIAS) {
      this.popState();
      const ev: Event = { typ: Ev.ALIAS, start: token.start, end: token.end, anchor: token.value };
      this.eventComments(ev);
      this.skipToken();
      return ev;
    }
    let start = token.start;
    let end = token.start;
    let tagToken = false;
    let tagHandle: number[] = [];
    let tagSuffix: number[] | undefined;
    let anchor: number[] | undefined;
    let tagMark = start;
    if (token.typ === Tok.ANCHOR) {
      anchor = token.value;
      start = token.start;
      end = token.end;
      this.skipToken();
      token = this.peekToken();
      if (!token) return undefined;
      if (token.typ === Tok.TAG) {
        tagToken = true;
        tagHandle = token.value ?? [];
        tagSuffix = token.suffix;
        tagMark = token.start;
        end = token.end;
        this.skipToken();
        token = this.peekToken();
        if (!token) return undefined;
      }
    } else if (token.typ === Tok.TAG) {
      tagToken = true;
      tagHandle = token.value ?? [];
      tagSuffix = token.suffix;
      start = token.start;
      tagMark = token.start;
      end = token.end;
      this.skipToken();
      token = this.peekToken();
      if (!token) return undefined;
      if (token.typ === Tok.ANCHOR) {
        anchor = token.value;
        end = token.end;
        this.skipToken();
        token = this.peekToken();
        if (!token) return undefined;
      }
    }
    let tag: number[] = [];
    if (tagToken) {
      if (tagHandle.length === 0) tag = tagSuffix ?? [];
      else {
        const handle = latin1(tagHandle);
        const d = this.tagDirectives.find((t) => t.handle === handle);
        if (d) tag = [...d.prefix, ...(tagSuffix ?? [])];
        if (tag.length === 0) {
          return this.parserErrorContext(
            "while parsing a node",
            start,
            "found undefined tag handle",
            tagMark,
          );
        }
      }
    }
    const implicit = tag.length === 0;
    if (indentlessSequence && token.typ === Tok.BLOCK_ENTRY) {
      end = token.end;
      this.state = St.INDENTLESS_SEQUENCE_ENTRY;
      return { typ: Ev.SEQUENCE_START, start, end, anchor, tag, implicit };
    }
    if (token.typ === Tok.SCALAR) {
      end = token.end;
      const plainImplicit = (tag.length === 0 && token.style === Style.PLAIN) ||
        (tag.length === 1 && tag[0] === 0x21);
      this.popState();
      const ev: Event = {
        typ: Ev.SCALAR,
        start,
        end,
        anchor,
        tag,
        value: token.value,
        implicit: plainImplicit,
        style: token.style,
      };
      this.eventComments(ev);
      this.skipToken();
      return ev;
    }
    if (token.typ === Tok.FLOW_SEQUENCE_START) {
      this.state = St.FLOW_SEQUENCE_FIRST_ENTRY;
      return this.eventComments({
        typ: Ev.SEQUENCE_START,
        start,
        end: token.end,
        anchor,
        tag,
        implicit,
        flow: true,
      });
    }
    if (token.typ === Tok.FLOW_MAPPING_START) {
      this.state = St.FLOW_MAPPING_FIRST_KEY;
      return this.eventComments({
        typ: Ev.MAPPING_START,
        start,
        end: token.end,
        anchor,
        tag,
        implicit,
        flow: true,
      });
    }
    if (block && token.typ === Tok.BLOCK_SEQUENCE_START) {
      this.state = St.BLOCK_SEQUENCE_FIRST_ENTRY;
      return { typ: Ev.SEQUENCE_START, start, end: token.end, anchor, tag, implicit };
    }
    if (block && token.typ === Tok.BLOCK_MAPPING_START) {
      this.state = St.BLOCK_MAPPING_FIRST_KEY;
      return { typ: Ev.MAPPING_START, start, end: token.end, anchor, tag, implicit };
    }
    if ((anchor && anchor.length > 0) || tag.length > 0) {
      this.popState();
      return {
        typ: Ev.SCALAR,
        start,
        end,
        anchor,
        tag,
        value: [],
        implicit,
        style: Style.PLAIN,
      };
    }
    return this.parserErrorContext(
      block ? "while parsing a block node" : "while parsing a flow node",
      start,
      "did not find expected node content",
      token.start,
    );
  }

  private parseBlockSequenceEntry(first: boolean): Event | undefined {
    if (first) {
      const token = this.peekToken();
      if (!token) return undefined;
      this.marks.push(token.start);
      this.skipToken();
    }
    let token = this.peekToken();
    if (!token) return undefined;
    if (token.typ === Tok.BLOCK_ENTRY) {
      const m = token.end;
      const priorHeadLen = this.headComment.length;
      this.skipToken();
      this.splitStemComment(priorHeadLen);
      token = this.peekToken();
      if (!token) return undefined;
      if (token.typ !== Tok.BLOCK_ENTRY && token.typ !== Tok.BLOCK_END) {
        this.states.push(St.BLOCK_SEQUENCE_ENTRY);
        return this.parseNode(true, false);
      }
      this.state = St.BLOCK_SEQUENCE_ENTRY;
      return emptyScalar(m);
    }
    if (token.typ === Tok.BLOCK_END) {
      this.popState();
      this.marks.pop();
      this.skipToken();
      return { typ: Ev.SEQUENCE_END, start: token.start, end: token.end };
    }
    const contextMark = this.marks.pop()!;
    return this.parserErrorContext(
      "while parsing a block collection",
      contextMark,
      "did not find expected '-' indicator",
      token.start,
    );
  }

  private parseIndentlessSequenceEntry(): Event | undefined {
    let token = this.peekToken();
    if (!token) return undefined;
    if (token.typ === Tok.BLOCK_ENTRY) {
      const m = token.end;
      const priorHeadLen = this.headComment.length;
      this.skipToken();
      this.splitStemComment(priorHeadLen);
      token = this.peekToken();
      if (!token) return undefined;
      if (
        token.typ !== Tok.BLOCK_ENTRY && token.typ !== Tok.KEY && token.typ !== Tok.VALUE &&
        token.typ !== Tok.BLOCK_END
      ) {
        this.states.push(St.INDENTLESS_SEQUENCE_ENTRY);
        return this.parseNode(true, false);
      }
      this.state = St.INDENTLESS_SEQUENCE_ENTRY;
      return emptyScalar(m);
    }
    this.popState();
    return { typ: Ev.SEQUENCE_END, start: token.start, end: token.start };
  }

  private parseBlockMappingKey(first: boolean): Event | undefined {
    if (first) {
      const token = this.peekToken();
      if (!token) return undefined;
      this.marks.push(token.start);
      this.skipToken();
    }
    let token = this.peekToken();
    if (!token) return undefined;
    if (token.typ === Tok.KEY) {
      const m = token.end;
      this.skipToken();
      token = this.peekToken();
      if (!token) return undefined;
      if (token.typ !== Tok.KEY && token.typ !== Tok.VALUE && token.typ !== Tok.BLOCK_END) {
        this.states.push(St.BLOCK_MAPPING_VALUE);
        return this.parseNode(true, true);
      }
      this.state = St.BLOCK_MAPPING_VALUE;
      return emptyScalar(m);
    }
    if (token.typ === Tok.BLOCK_END) {
      this.popState();
      this.marks.pop();
      const ev = this.eventComments({ typ: Ev.MAPPING_END, start: token.start, end: token.end });
      this.skipToken();
      return ev;
    }
    const contextMark = this.marks.pop()!;
    return this.parserErrorContext(
      "while parsing a block mapping",
      contextMark,
      "did not find expected key",
      token.start,
    );
  }

  private parseBlockMappingValue(): Event | undefined {
    let token = this.peekToken();
    if (!token) return undefined;
    if (token.typ === Tok.VALUE) {
      const m = token.end;
      this.skipToken();
      token = this.peekToken();
      if (!token) return undefined;
      if (token.typ !== Tok.KEY && token.typ !== Tok.VALUE && token.typ !== Tok.BLOCK_END) {
        this.states.push(St.BLOCK_MAPPING_KEY);
        return this.parseNode(true, true);
      }
      this.state = St.BLOCK_MAPPING_KEY;
      return emptyScalar(m);
    }
    this.state = St.BLOCK_MAPPING_KEY;
    return emptyScalar(token.start);
  }

  private parseFlowSequenceEntry(first: boolean): Event | undefined {
    if (first) {
      const token = this.peekToken();
      if (!token) return undefined;
      this.marks.push(token.start);
      this.skipToken();
    }
    let token = this.peekToken();
    if (!token) return undefined;
    if (token.typ !== Tok.FLOW_SEQUENCE_END) {
      if (!first) {
        if (token.typ === Tok.FLOW_ENTRY) {
          this.skipToken();
          token = this.peekToken();
          if (!token) return undefined;
        } else {
          const contextMark = this.marks.pop()!;
          return this.parserErrorContext(
            "while parsing a flow sequence",
            contextMark,
            "did not find expected ',' or ']'",
            token.start,
          );
        }
      }
      if (token.typ === Tok.KEY) {
        this.state = St.FLOW_SEQUENCE_ENTRY_MAPPING_KEY;
        const ev: Event = {
          typ: Ev.MAPPING_START,
          start: token.start,
          end: token.end,
          implicit: true,
          flow: true,
        };
        this.skipToken();
        return ev;
      } else if (token.typ !== Tok.FLOW_SEQUENCE_END) {
        this.states.push(St.FLOW_SEQUENCE_ENTRY);
        return this.parseNode(false, false);
      }
    }
    this.popState();
    this.marks.pop();
    const ev = this.eventComments({ typ: Ev.SEQUENCE_END, start: token.start, end: token.end });
    this.skipToken();
    return ev;
  }

  private parseFlowSequenceEntryMappingKey(): Event | undefined {
    const token = this.peekToken();
    if (!token) return undefined;
    if (
      token.typ !== Tok.VALUE && token.typ !== Tok.FLOW_ENTRY && token.typ !== Tok.FLOW_SEQUENCE_END
    ) {
      this.states.push(St.FLOW_SEQUENCE_ENTRY_MAPPING_VALUE);
      return this.parseNode(false, false);
    }
    const m = token.end;
    this.skipToken();
    this.state = St.FLOW_SEQUENCE_ENTRY_MAPPING_VALUE;
    return emptyScalar(m);
  }

  private parseFlowSequenceEntryMappingValue(): Event | undefined {
    const token = this.peekToken();
    if (!token) return undefined;
    if (token.typ === Tok.VALUE) {
      this.skipToken();
      const next = this.peekToken();
      if (!next) return undefined;
      if (next.typ !== Tok.FLOW_ENTRY && next.typ !== Tok.FLOW_SEQUENCE_END) {
        this.states.push(St.FLOW_SEQUENCE_ENTRY_MAPPING_END);
        return this.parseNode(false, false);
      }
    }
    // Go keeps the outer `token` (the VALUE token) for the empty scalar's mark.
    this.state = St.FLOW_SEQUENCE_ENTRY_MAPPING_END;
    return emptyScalar(token.start);
  }

  private parseFlowSequenceEntryMappingEnd(): Event | undefined {
    const token = this.peekToken();
    if (!token) return undefined;
    this.state = St.FLOW_SEQUENCE_ENTRY;
    return { typ: Ev.MAPPING_END, start: token.start, end: token.start };
  }

  private parseFlowMappingKey(first: boolean): Event | undefined {
    if (first) {
      const token = this.peekToken();
      if (!token) return undefined;
      this.marks.push(token.start);
      this.skipToken();
    }
    let token = this.peekToken();
    if (!token) return undefined;
    if (token.typ !== Tok.FLOW_MAPPING_END) {
      if (!first) {
        if (token.typ === Tok.FLOW_ENTRY) {
          this.skipToken();
          token = this.peekToken();
          if (!token) return undefined;
        } else {
          const contextMark = this.marks.pop()!;
          return this.parserErrorContext(
            "while parsing a flow mapping",
            contextMark,
            "did not find expected ',' or '}'",
            token.start,
          );
        }
      }
      if (token.typ === Tok.KEY) {
        this.skipToken();
        token = this.peekToken();
        if (!token) return undefined;
        if (
          token.typ !== Tok.VALUE && token.typ !== Tok.FLOW_ENTRY &&
          token.typ !== Tok.FLOW_MAPPING_END
        ) {
          this.states.push(St.FLOW_MAPPING_VALUE);
          return this.parseNode(false, false);
        }
        this.state = St.FLOW_MAPPING_VALUE;
        return emptyScalar(token.start);
      } else if (token.typ !== Tok.FLOW_MAPPING_END) {
        this.states.push(St.FLOW_MAPPING_EMPTY_VALUE);
        return this.parseNode(false, false);
      }
    }
    this.popState();
    this.marks.pop();
    const ev = this.eventComments({ typ: Ev.MAPPING_END, start: token.start, end: token.end });
    this.skipToken();
    return ev;
  }

  private parseFlowMappingValue(empty: boolean): Event | undefined {
    let token = this.peekToken();
    if (!token) return undefined;
    if (empty) {
      this.state = St.FLOW_MAPPING_KEY;
      return emptyScalar(token.start);
    }
    if (token.typ === Tok.VALUE) {
      this.skipToken();
      token = this.peekToken();
      if (!token) return undefined;
      if (token.typ !== Tok.FLOW_ENTRY && token.typ !== Tok.FLOW_MAPPING_END) {
        this.states.push(St.FLOW_MAPPING_KEY);
        return this.parseNode(false, false);
      }
    }
    this.state = St.FLOW_MAPPING_KEY;
    return emptyScalar(token.start);
  }

  private processDirectives(): boolean {
    let token = this.peekToken();
    if (!token) return false;
    let versionSeen = false;
    while (token.typ === Tok.VERSION_DIRECTIVE || token.typ === Tok.TAG_DIRECTIVE) {
      if (token.typ === Tok.VERSION_DIRECTIVE) {
        if (versionSeen) {
          this.parserError("found duplicate %YAML directive", token.start);
          return false;
        }
        if (token.major !== 1 || token.minor !== 1) {
          this.parserError("found incompatible YAML document", token.start);
          return false;
        }
        versionSeen = true;
      } else {
        const value = { handle: latin1(token.value), prefix: token.prefix ?? [] };
        if (!this.appendTagDirective(value, false, token.start)) return false;
      }
      this.skipToken();
      token = this.peekToken();
      if (!token) return false;
    }
    for (const d of DEFAULT_TAG_DIRECTIVES) {
      if (!this.appendTagDirective(d, true, token.start)) return false;
    }
    return true;
  }

  private appendTagDirective(value: TagDirective, allowDuplicates: boolean, m: Mark): boolean {
    if (this.tagDirectives.some((t) => t.handle === value.handle)) {
      if (allowDuplicates) return true;
      this.parserError("found duplicate %TAG directive", m);
      return false;
    }
    this.tagDirectives.push({ handle: value.handle, prefix: [...value.prefix] });
    return true;
  }
}

function emptyScalar(m: Mark): Event {
  return { typ: Ev.SCALAR, start: m, end: m, value: [], implicit: true, style: Style.PLAIN };
}
