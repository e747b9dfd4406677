/**
 * gopkg.in/yaml.v3's reader and scanner (readerc.go, scannerc.go; themselves a port of libyaml,
 * MIT licence), ported function for function so that a broken config fails with yaml.v3's
 * words at yaml.v3's line: the UTF-8 checks run on the same 512-byte chunks, simple keys, indents
 * and comments are tracked the same way, because each of them decides which error comes first.
 */

export interface Mark {
  index: number;
  line: number;
  column: number;
}

export const enum Tok {
  NONE,
  STREAM_START,
  STREAM_END,
  VERSION_DIRECTIVE,
  TAG_DIRECTIVE,
  DOCUMENT_START,
  DOCUMENT_END,
  BLOCK_SEQUENCE_START,
  BLOCK_MAPPING_START,
  BLOCK_END,
  FLOW_SEQUENCE_START,
  FLOW_SEQUENCE_END,
  FLOW_MAPPING_START,
  FLOW_MAPPING_END,
  BLOCK_ENTRY,
  FLOW_ENTRY,
  KEY,
  VALUE,
  ALIAS,
  ANCHOR,
  TAG,
  SCALAR,
}

export const enum Style {
  ANY,
  PLAIN,
  SINGLE_QUOTED,
  DOUBLE_QUOTED,
  LITERAL,
  FOLDED,
}

export interface Token {
  typ: Tok;
  start: Mark;
  end: Mark;
  value?: number[];
  suffix?: number[];
  prefix?: number[];
  style?: Style;
  major?: number;
  minor?: number;
}

interface SimpleKey {
  possible: boolean;
  required: boolean;
  tokenNumber: number;
  mark: Mark;
}

export interface Comment {
  scan: Mark;
  token: Mark;
  start: Mark;
  end: Mark;
  head: number[];
  line: number[];
  foot: number[];
}

export const enum ErrorKind {
  NONE,
  READER,
  SCANNER,
  PARSER,
}

const RAW_SIZE = 512;
export const ZERO: Mark = { index: 0, line: 0, column: 0 };
const mark = (m: Mark): Mark => ({ index: m.index, line: m.line, column: m.column });
export const emptyComment = (): Comment => ({
  scan: ZERO,
  token: ZERO,
  start: ZERO,
  end: ZERO,
  head: [],
  line: [],
  foot: [],
});

const C = (s: string) => s.charCodeAt(0);
const SP = 0x20, TAB = 0x09, LF = 0x0a, CR = 0x0d;

/** The scanner's state: yaml_parser_t's reader and scanner fields. */
export class Scanner {
  error = ErrorKind.NONE;
  problem = "";
  problemMark: Mark = ZERO;
  context = "";
  contextMark: Mark = ZERO;

  private inputPos = 0;
  private eof = false;
  buffer = new Uint8Array(RAW_SIZE * 8);
  private bufferLen = 0;
  pos = 0;
  unread = 0;
  private newlines = 0;
  private raw = new Uint8Array(RAW_SIZE);
  private rawLen = 0;
  private rawPos = 0;
  private encoding = 0; // 0 any, 1 utf8, 2 utf16le, 3 utf16be
  private offset = 0;
  m: Mark = { index: 0, line: 0, column: 0 };

  comments: Comment[] = [];
  commentsHead = 0;

  private streamStartProduced = false;
  streamEndProduced = false;
  private flowLevel = 0;
  tokens: Token[] = [];
  tokensHead = 0;
  tokensParsed = 0;
  tokenAvailable = false;
  private indent = 0;
  private indents: number[] = [];
  private simpleKeyAllowed = false;
  private simpleKeys: SimpleKey[] = [];
  private simpleKeysByTok = new Map<number, number>();

  constructor(private readonly input: Uint8Array) {}

  // ---- reader (readerc.go) ----

  private readerError(problem: string): false {
    this.error = ErrorKind.READER;
    this.problem = problem;
    return false;
  }

  private determineEncoding(): boolean {
    while (!this.eof && this.rawLen - this.rawPos < 3) {
      if (!this.updateRawBuffer()) return false;
    }
    const b = this.raw, p = this.rawPos, avail = this.rawLen - p;
    if (avail >= 2 && b[p] === 0xff && b[p + 1] === 0xfe) {
      this.encoding = 2;
      this.rawPos += 2;
      this.offset += 2;
    } else if (avail >= 2 && b[p] === 0xfe && b[p + 1] === 0xff) {
      this.encoding = 3;
      this.rawPos += 2;
      this.offset += 2;
    } else if (avail >= 3 && b[p] === 0xef && b[p + 1] === 0xbb && b[p + 2] === 0xbf) {
      this.encoding = 1;
      this.rawPos += 3;
      this.offset += 3;
    } else {
      this.encoding = 1;
    }
    return true;
  }

  private updateRawBuffer(): boolean {
    if (this.rawPos === 0 && this.rawLen === RAW_SIZE) return true;
    if (this.eof) return true;
    if (this.rawPos > 0 && this.rawPos < this.rawLen) {
      this.raw.copyWithin(0, this.rawPos, this.rawLen);
    }
    this.rawLen -= this.rawPos;
    this.rawPos = 0;
    if (this.inputPos === this.input.length) {
      this.eof = true;
      return true;
    }
    const n = Math.min(RAW_SIZE - this.rawLen, this.input.length - this.inputPos);
    this.raw.set(this.input.subarray(this.inputPos, this.inputPos + n), this.rawLen);
    this.inputPos += n;
    this.rawLen += n;
    return true;
  }

  private ensureBuffer(size: number): void {
    if (size <= this.buffer.length) return;
    const bigger = new Uint8Array(Math.max(size, this.buffer.length * 2));
    bigger.set(this.buffer.subarray(0, this.bufferLen));
    this.buffer = bigger;
  }

  /** yaml_parser_update_buffer: at least `length` characters decoded ahead. */
  updateBuffer(length: number): boolean {
    if (this.unread >= length) return true;
    if (this.encoding === 0 && !this.determineEncoding()) return false;
    let len = this.bufferLen;
    if (this.pos > 0 && this.pos < len) {
      this.buffer.copyWithin(0, this.pos, len);
      len -= this.pos;
      this.pos = 0;
    } else if (this.pos === len) {
      len = 0;
      this.pos = 0;
    }
    let first = true;
    while (this.unread < length) {
      if (!first || this.rawPos === this.rawLen) {
        if (!this.updateRawBuffer()) {
          this.bufferLen = len;
          return false;
        }
      }
      first = false;
      this.ensureBuffer(len + (this.rawLen - this.rawPos) * 2 + length + 8);
      const raw = this.raw;
      inner: while (this.rawPos !== this.rawLen) {
        let value = 0;
        let width = 0;
        const rawUnread = this.rawLen - this.rawPos;
        if (this.encoding === 1) {
          let octet = raw[this.rawPos];
          if ((octet & 0x80) === 0) width = 1;
          else if ((octet & 0xe0) === 0xc0) width = 2;
          else if ((octet & 0xf0) === 0xe0) width = 3;
          else if ((octet & 0xf8) === 0xf0) width = 4;
          else {
            this.bufferLen = len;
            return this.readerError("invalid leading UTF-8 octet");
          }
          if (width > rawUnread) {
            if (this.eof) {
              this.bufferLen = len;
              return this.readerError("incomplete UTF-8 octet sequence");
            }
            break inner;
          }
          value = width === 1
            ? octet & 0x7f
            : width === 2
            ? octet & 0x1f
            : width === 3
            ? octet & 0x0f
            : octet & 0x07;
          for (let k = 1; k < width; k++) {
            octet = raw[this.rawPos + k];
            if ((octet & 0xc0) !== 0x80) {
              this.bufferLen = len;
              return this.readerError("invalid trailing UTF-8 octet");
            }
            value = (value << 6) + (octet & 0x3f);
          }
          if (
            !(width === 1 || (width === 2 && value >= 0x80) || (width === 3 && value >= 0x800) ||
              (width === 4 && value >= 0x10000))
          ) {
            this.bufferLen = len;
            return this.readerError("invalid length of a UTF-8 sequence");
          }
          if ((value >= 0xd800 && value <= 0xdfff) || value > 0x10ffff) {
            this.bufferLen = len;
            return this.readerError("invalid Unicode character");
          }
        } else {
          const [low, high] = this.encoding === 2 ? [0, 1] : [1, 0];
          if (rawUnread < 2) {
            if (this.eof) {
              this.bufferLen = len;
              return this.readerError("incomplete UTF-16 character");
            }
            break inner;
          }
          value = raw[this.rawPos + low] + (raw[this.rawPos + high] << 8);
          if ((value & 0xfc00) === 0xdc00) {
            this.bufferLen = len;
            return this.readerError("unexpected low surrogate area");
          }
          if ((value & 0xfc00) === 0xd800) {
            width = 4;
            if (rawUnread < 4) {
              if (this.eof) {
                this.bufferLen = len;
                return this.readerError("incomplete UTF-16 surrogate pair");
              }
              break inner;
            }
            const value2 = raw[this.rawPos + low + 2] + (raw[this.rawPos + high + 2] << 8);
            if ((value2 & 0xfc00) !== 0xdc00) {
              this.bufferLen = len;
              return this.readerError("expected low surrogate area");
            }
            value = 0x10000 + ((value & 0x3ff) << 10) + (value2 & 0x3ff);
          } else width = 2;
        }
        if (
          !(value === 0x09 || value === 0x0a || value === 0x0d ||
            (value >= 0x20 && value <= 0x7e) ||
            value === 0x85 || (value >= 0xa0 && value <= 0xd7ff) ||
            (value >= 0xe000 && value <= 0xfffd) || (value >= 0x10000 && value <= 0x10ffff))
        ) {
          this.bufferLen = len;
          return this.readerError("control characters are not allowed");
        }
        this.rawPos += width;
        this.offset += width;
        const b = this.buffer;
        if (value <= 0x7f) b[len++] = value;
        else if (value <= 0x7ff) {
          b[len++] = 0xc0 + (value >> 6);
          b[len++] = 0x80 + (value & 0x3f);
        } else if (value <= 0xffff) {
          b[len++] = 0xe0 + (value >> 12);
          b[len++] = 0x80 + ((value >> 6) & 0x3f);
          b[len++] = 0x80 + (value & 0x3f);
        } else {
          b[len++] = 0xf0 + (value >> 18);
          b[len++] = 0x80 + ((value >> 12) & 0x3f);
          b[len++] = 0x80 + ((value >> 6) & 0x3f);
          b[len++] = 0x80 + (value & 0x3f);
        }
        this.unread++;
      }
      if (this.eof) {
        this.ensureBuffer(len + 1);
        this.buffer[len++] = 0;
        this.unread++;
        break;
      }
    }
    this.ensureBuffer(len + length + 4);
    while (len < length) this.buffer[len++] = 0;
    // Bytes past the end read as 0 in Go's zeroed buffer; keep a few zeros for lookahead.
    this.buffer.fill(0, len, Math.min(this.buffer.length, len + 4));
    this.bufferLen = len;
    return true;
  }

  private cache(n: number): boolean {
    return this.unread >= n || this.updateBuffer(n);
  }

  // ---- character classes (yamlprivateh.go) ----

  private at(i = 0): number {
    return this.buffer[this.pos + i];
  }
  private isAlpha(i = 0): boolean {
    const b = this.at(i);
    return (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) ||
      b === 0x5f || b === 0x2d;
  }
  private isDigit(i = 0): boolean {
    const b = this.at(i);
    return b >= 0x30 && b <= 0x39;
  }
  private isHex(i = 0): boolean {
    const b = this.at(i);
    return (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66);
  }
  private asHex(i = 0): number {
    const b = this.at(i);
    if (b >= 0x41 && b <= 0x46) return b - 0x41 + 10;
    if (b >= 0x61 && b <= 0x66) return b - 0x61 + 10;
    return b - 0x30;
  }
  private isZ(i = 0): boolean {
    return this.at(i) === 0;
  }
  private isBom(): boolean {
    // Go's is_bom looks at the start of the buffer, not at the position.
    return this.buffer[0] === 0xef && this.buffer[1] === 0xbb && this.buffer[2] === 0xbf;
  }
  private isSpace(i = 0): boolean {
    return this.at(i) === SP;
  }
  private isTab(i = 0): boolean {
    return this.at(i) === TAB;
  }
  private isBlank(i = 0): boolean {
    const b = this.at(i);
    return b === SP || b === TAB;
  }
  private isBreak(i = 0): boolean {
    const b = this.at(i);
    return b === CR || b === LF || (b === 0xc2 && this.at(i + 1) === 0x85) ||
      (b === 0xe2 && this.at(i + 1) === 0x80 &&
        (this.at(i + 2) === 0xa8 || this.at(i + 2) === 0xa9));
  }
  private isCrlf(i = 0): boolean {
    return this.at(i) === CR && this.at(i + 1) === LF;
  }
  private isBreakz(i = 0): boolean {
    return this.isBreak(i) || this.at(i) === 0;
  }
  private isBlankz(i = 0): boolean {
    return this.isBlank(i) || this.isBreakz(i);
  }

  // ---- scanner helpers ----

  private skip(): void {
    if (!this.isBlank()) this.newlines = 0;
    this.m.index++;
    this.m.column++;
    this.unread--;
    this.pos += width(this.at());
  }

  private skipLine(): void {
    if (this.isCrlf()) {
      this.m.index += 2;
      this.m.column = 0;
      this.m.line++;
      this.unread -= 2;
      this.pos += 2;
      this.newlines++;
    } else if (this.isBreak()) {
      this.m.index++;
      this.m.column = 0;
      this.m.line++;
      this.unread--;
      this.pos += width(this.at());
      this.newlines++;
    }
  }

  private read(s: number[]): void {
    if (!this.isBlank()) this.newlines = 0;
    const w = width(this.at());
    if (w === 0) throw new Error("invalid character sequence");
    for (let k = 0; k < w; k++) s.push(this.buffer[this.pos + k]);
    this.pos += w;
    this.m.index++;
    this.m.column++;
    this.unread--;
  }

  private readLine(s: number[]): void {
    const b0 = this.at(), b1 = this.at(1), b2 = this.at(2);
    if (b0 === CR && b1 === LF) {
      s.push(LF);
      this.pos += 2;
      this.m.index++;
      this.unread--;
    } else if (b0 === CR || b0 === LF) {
      s.push(LF);
      this.pos += 1;
    } else if (b0 === 0xc2 && b1 === 0x85) {
      s.push(LF);
      this.pos += 2;
    } else if (b0 === 0xe2 && b1 === 0x80 && (b2 === 0xa8 || b2 === 0xa9)) {
      s.push(b0, b1, b2);
      this.pos += 3;
    } else return;
    this.m.index++;
    this.m.column = 0;
    this.m.line++;
    this.unread--;
    this.newlines++;
  }

  private scannerError(context: string, contextMark: Mark, problem: string): false {
    this.error = ErrorKind.SCANNER;
    this.context = context;
    this.contextMark = mark(contextMark);
    this.problem = problem;
    this.problemMark = mark(this.m);
    return false;
  }

  private tagError(directive: boolean, contextMark: Mark, problem: string): false {
    return this.scannerError(
      directive ? "while parsing a %TAG directive" : "while parsing a tag",
      contextMark,
      problem,
    );
  }

  /** Go's capacity of the token queue slice: it decides when consumed tokens are dropped. */
  private tokensCap = 16;

  /**
   * yaml_insert_token, with its queue: consumed tokens are dropped when the slice is full, and
   * the comment rules look at the last two tokens still in it.
   */
  private insertToken(pos: number, token: Token): void {
    if (this.tokensHead > 0 && this.tokens.length === this.tokensCap) {
      this.tokens = this.tokens.slice(this.tokensHead);
      this.tokensHead = 0;
    }
    if (this.tokens.length === this.tokensCap) this.tokensCap *= 2;
    if (pos < 0) {
      this.tokens.push(token);
      return;
    }
    this.tokens.splice(this.tokensHead + pos, 0, token);
  }

  /** yaml_parser_fetch_more_tokens. */
  fetchMoreTokens(): boolean {
    for (;;) {
      if (this.tokensHead < this.tokens.length - 2) {
        const headTokIdx = this.simpleKeysByTok.get(this.tokensParsed);
        if (headTokIdx === undefined) break;
        const r = this.simpleKeyIsValid(this.simpleKeys[headTokIdx]);
        if (!r.ok) return false;
        if (!r.valid) break;
      }
      if (!this.fetchNextToken()) return false;
    }
    this.tokenAvailable = true;
    return true;
  }

  private fetchNextToken(): boolean {
    if (!this.cache(1)) return false;
    if (!this.streamStartProduced) return this.fetchStreamStart();
    const scanMark = mark(this.m);
    if (!this.scanToNextToken()) return false;
    if (!this.unrollIndent(this.m.column, scanMark)) return false;
    if (!this.cache(4)) return false;
    if (this.isZ()) return this.fetchStreamEnd();
    const ch = this.at();
    if (this.m.column === 0 && ch === C("%")) return this.fetchDirective();
    if (
      this.m.column === 0 && ch === C("-") && this.at(1) === C("-") && this.at(2) === C("-") &&
      this.isBlankz(3)
    ) return this.fetchDocumentIndicator(Tok.DOCUMENT_START);
    if (
      this.m.column === 0 && ch === C(".") && this.at(1) === C(".") && this.at(2) === C(".") &&
      this.isBlankz(3)
    ) return this.fetchDocumentIndicator(Tok.DOCUMENT_END);
    let commentMark = mark(this.m);
    if (
      this.tokens.length > 0 &&
      ((this.flowLevel === 0 && ch === C(":")) || (this.flowLevel > 0 && ch === C(",")))
    ) {
      commentMark = this.tokens[this.tokens.length - 1].start;
    }
    const ok = this.fetchToken(ch);
    if (!ok) return false;
    if (this.tokens.length > 0 && this.tokens[this.tokens.length - 1].typ === Tok.BLOCK_ENTRY) {
      return true;
    }
    return this.scanLineComment(commentMark);
  }

  private fetchToken(ch: number): boolean {
    if (ch === C("[")) return this.fetchFlowCollectionStart(Tok.FLOW_SEQUENCE_START);
    if (ch === C("{")) return this.fetchFlowCollectionStart(Tok.FLOW_MAPPING_START);
    if (ch === C("]")) return this.fetchFlowCollectionEnd(Tok.FLOW_SEQUENCE_END);
    if (ch === C("}")) return this.fetchFlowCollectionEnd(Tok.FLOW_MAPPING_END);
    if (ch === C(",")) return this.fetchFlowEntry();
    if (ch === C("-") && this.isBlankz(1)) return this.fetchBlockEntry();
    if (ch === C("?") && (this.flowLevel > 0 || this.isBlankz(1))) return this.fetchKey();
    if (ch === C(":") && (this.flowLevel > 0 || this.isBlankz(1))) return this.fetchValue();
    if (ch === C("*")) return this.fetchAnchor(Tok.ALIAS);
    if (ch === C("&")) return this.fetchAnchor(Tok.ANCHOR);
    if (ch === C("!")) return this.fetchTag();
    if (ch === C("|") && this.flowLevel === 0) return this.fetchBlockScalar(true);
    if (ch === C(">") && this.flowLevel === 0) return this.fetchBlockScalar(false);
    if (ch === C("'")) return this.fetchFlowScalar(true);
    if (ch === C('"')) return this.fetchFlowScalar(false);
    if (
      !(this.isBlankz() || "-?:,[]{}#&*!|>'\"%@`".includes(String.fromCharCode(ch))) ||
      (ch === C("-") && !this.isBlank(1)) ||
      (this.flowLevel === 0 && (ch === C("?") || ch === C(":")) && !this.isBlankz(1))
    ) return this.fetchPlainScalar();
    return this.scannerError(
      "while scanning for the next token",
      this.m,
      "found character that cannot start any token",
    );
  }

  private simpleKeyIsValid(key: SimpleKey): { valid: boolean; ok: boolean } {
    if (!key.possible) return { valid: false, ok: true };
    if (key.mark.line < this.m.line || key.mark.index + 1024 < this.m.index) {
      if (key.required) {
        return {
          valid: false,
          ok: this.scannerError(
            "while scanning a simple key",
            key.mark,
            "could not find expected ':'",
          ),
        };
      }
      key.possible = false;
      return { valid: false, ok: true };
    }
    return { valid: true, ok: true };
  }

  private saveSimpleKey(): boolean {
    const required = this.flowLevel === 0 && this.indent === this.m.column;
    if (this.simpleKeyAllowed) {
      const key: SimpleKey = {
        possible: true,
        required,
        tokenNumber: this.tokensParsed + (this.tokens.length - this.tokensHead),
        mark: mark(this.m),
      };
      if (!this.removeSimpleKey()) return false;
      this.simpleKeys[this.simpleKeys.length - 1] = key;
      this.simpleKeysByTok.set(key.tokenNumber, this.simpleKeys.length - 1);
    }
    return true;
  }

  private removeSimpleKey(): boolean {
    const i = this.simpleKeys.length - 1;
    const key = this.simpleKeys[i];
    if (key.possible) {
      if (key.required) {
        return this.scannerError(
          "while scanning a simple key",
          key.mark,
          "could not find expected ':'",
        );
      }
      key.possible = false;
      this.simpleKeysByTok.delete(key.tokenNumber);
    }
    return true;
  }

  private increaseFlowLevel(): boolean {
    this.simpleKeys.push({
      possible: false,
      required: false,
      tokenNumber: this.tokensParsed + (this.tokens.length - this.tokensHead),
      mark: mark(this.m),
    });
    this.flowLevel++;
    if (this.flowLevel > 10000) {
      return this.scannerError(
        "while increasing flow level",
        this.simpleKeys[this.simpleKeys.length - 1].mark,
        "exceeded max depth of 10000",
      );
    }
    return true;
  }

  private decreaseFlowLevel(): boolean {
    if (this.flowLevel > 0) {
      this.flowLevel--;
      const last = this.simpleKeys.length - 1;
      this.simpleKeysByTok.delete(this.simpleKeys[last].tokenNumber);
      this.simpleKeys.pop();
    }
    return true;
  }

  private rollIndent(column: number, number: number, typ: Tok, m: Mark): boolean {
    if (this.flowLevel > 0) return true;
    if (this.indent < column) {
      this.indents.push(this.indent);
      this.indent = column;
      if (this.indents.length > 10000) {
        return this.scannerError(
          "while increasing indent level",
          this.simpleKeys[this.simpleKeys.length - 1].mark,
          "exceeded max depth of 10000",
        );
      }
      if (number > -1) number -= this.tokensParsed;
      this.insertToken(number, { typ, start: mark(m), end: mark(m) });
    }
    return true;
  }

  private unrollIndent(column: number, scanMark: Mark): boolean {
    if (this.flowLevel > 0) return true;
    let blockMark = mark(scanMark);
    blockMark.index--;
    while (this.indent > column) {
      let stopIndex = blockMark.index;
      for (let i = this.comments.length - 1; i >= 0; i--) {
        const comment = this.comments[i];
        if (comment.end.index < stopIndex) break;
        if (comment.start.column === this.indent + 1) blockMark = comment.start;
        stopIndex = comment.scan.index;
      }
      this.insertToken(-1, { typ: Tok.BLOCK_END, start: mark(blockMark), end: mark(blockMark) });
      this.indent = this.indents.pop()!;
    }
    return true;
  }

  private fetchStreamStart(): boolean {
    this.indent = -1;
    this.simpleKeys.push({ possible: false, required: false, tokenNumber: 0, mark: ZERO });
    this.simpleKeysByTok = new Map();
    this.simpleKeyAllowed = true;
    this.streamStartProduced = true;
    this.insertToken(-1, { typ: Tok.STREAM_START, start: mark(this.m), end: mark(this.m) });
    return true;
  }

  private fetchStreamEnd(): boolean {
    if (this.m.column !== 0) {
      this.m.column = 0;
      this.m.line++;
    }
    if (!this.unrollIndent(-1, this.m)) return false;
    if (!this.removeSimpleKey()) return false;
    this.simpleKeyAllowed = false;
    this.insertToken(-1, { typ: Tok.STREAM_END, start: mark(this.m), end: mark(this.m) });
    return true;
  }

  private fetchDirective(): boolean {
    if (!this.unrollIndent(-1, this.m)) return false;
    if (!this.removeSimpleKey()) return false;
    this.simpleKeyAllowed = false;
    const token = this.scanDirective();
    if (!token) return false;
    this.insertToken(-1, token);
    return true;
  }

  private fetchDocumentIndicator(typ: Tok): boolean {
    if (!this.unrollIndent(-1, this.m)) return false;
    if (!this.removeSimpleKey()) return false;
    this.simpleKeyAllowed = false;
    const start = mark(this.m);
    this.skip();
    this.skip();
    this.skip();
    this.insertToken(-1, { typ, start, end: mark(this.m) });
    return true;
  }

  private simpleToken(typ: Tok): void {
    const start = mark(this.m);
    this.skip();
    this.insertToken(-1, { typ, start, end: mark(this.m) });
  }

  private fetchFlowCollectionStart(typ: Tok): boolean {
    if (!this.saveSimpleKey()) return false;
    if (!this.increaseFlowLevel()) return false;
    this.simpleKeyAllowed = true;
    this.simpleToken(typ);
    return true;
  }

  private fetchFlowCollectionEnd(typ: Tok): boolean {
    if (!this.removeSimpleKey()) return false;
    if (!this.decreaseFlowLevel()) return false;
    this.simpleKeyAllowed = false;
    this.simpleToken(typ);
    return true;
  }

  private fetchFlowEntry(): boolean {
    if (!this.removeSimpleKey()) return false;
    this.simpleKeyAllowed = true;
    this.simpleToken(Tok.FLOW_ENTRY);
    return true;
  }

  private fetchBlockEntry(): boolean {
    if (this.flowLevel === 0) {
      if (!this.simpleKeyAllowed) {
        return this.scannerError(
          "",
          this.m,
          "block sequence entries are not allowed in this context",
        );
      }
      if (!this.rollIndent(this.m.column, -1, Tok.BLOCK_SEQUENCE_START, this.m)) return false;
    }
    if (!this.removeSimpleKey()) return false;
    this.simpleKeyAllowed = true;
    this.simpleToken(Tok.BLOCK_ENTRY);
    return true;
  }

  private fetchKey(): boolean {
    if (this.flowLevel === 0) {
      if (!this.simpleKeyAllowed) {
        return this.scannerError("", this.m, "mapping keys are not allowed in this context");
      }
      if (!this.rollIndent(this.m.column, -1, Tok.BLOCK_MAPPING_START, this.m)) return false;
    }
    if (!this.removeSimpleKey()) return false;
    this.simpleKeyAllowed = this.flowLevel === 0;
    this.simpleToken(Tok.KEY);
    return true;
  }

  private fetchValue(): boolean {
    const key = this.simpleKeys[this.simpleKeys.length - 1];
    const r = this.simpleKeyIsValid(key);
    if (!r.ok) return false;
    if (r.valid) {
      this.insertToken(key.tokenNumber - this.tokensParsed, {
        typ: Tok.KEY,
        start: mark(key.mark),
        end: mark(key.mark),
      });
      if (!this.rollIndent(key.mark.column, key.tokenNumber, Tok.BLOCK_MAPPING_START, key.mark)) {
        return false;
      }
      key.possible = false;
      this.simpleKeysByTok.delete(key.tokenNumber);
      this.simpleKeyAllowed = false;
    } else {
      if (this.flowLevel === 0) {
        if (!this.simpleKeyAllowed) {
          return this.scannerError("", this.m, "mapping values are not allowed in this context");
        }
        if (!this.rollIndent(this.m.column, -1, Tok.BLOCK_MAPPING_START, this.m)) return false;
      }
      this.simpleKeyAllowed = this.flowLevel === 0;
    }
    this.simpleToken(Tok.VALUE);
    return true;
  }

  private fetchAnchor(typ: Tok): boolean {
    if (!this.saveSimpleKey()) return false;
    this.simpleKeyAllowed = false;
    const token = this.scanAnchor(typ);
    if (!token) return false;
    this.insertToken(-1, token);
    return true;
  }

  private fetchTag(): boolean {
    if (!this.saveSimpleKey()) return false;
    this.simpleKeyAllowed = false;
    const token = this.scanTag();
    if (!token) return false;
    this.insertToken(-1, token);
    return true;
  }

  private fetchBlockScalar(literal: boolean): boolean {
    if (!this.removeSimpleKey()) return false;
    this.simpleKeyAllowed = true;
    const token = this.scanBlockScalar(literal);
    if (!token) return false;
    this.insertToken(-1, token);
    return true;
  }

  private fetchFlowScalar(single: boolean): boolean {
    if (!this.saveSimpleKey()) return false;
    this.simpleKeyAllowed = false;
    const token = this.scanFlowScalar(single);
    if (!token) return false;
    this.insertToken(-1, token);
    return true;
  }

  private fetchPlainScalar(): boolean {
    if (!this.saveSimpleKey()) return false;
    this.simpleKeyAllowed = false;
    const token = this.scanPlainScalar();
    if (!token) return false;
    this.insertToken(-1, token);
    return true;
  }

  private scanToNextToken(): boolean {
    const scanMark = mark(this.m);
    for (;;) {
      if (!this.cache(1)) return false;
      if (this.m.column === 0 && this.isBom()) this.skip();
      if (!this.cache(1)) return false;
      while (
        this.at() === SP || ((this.flowLevel > 0 || !this.simpleKeyAllowed) && this.at() === TAB)
      ) {
        this.skip();
        if (!this.cache(1)) return false;
      }
      if (this.comments.length > 0 && this.tokens.length > 1) {
        const a = this.tokens[this.tokens.length - 2];
        const b = this.tokens[this.tokens.length - 1];
        const comment = this.comments[this.comments.length - 1];
        if (
          a.typ === Tok.BLOCK_SEQUENCE_START && b.typ === Tok.BLOCK_ENTRY &&
          comment.line.length > 0 &&
          !this.isBreak()
        ) {
          comment.head = comment.line;
          comment.line = [];
          if (comment.start.line === this.m.line - 1) comment.token = mark(this.m);
        }
      }
      if (this.at() === C("#")) {
        if (!this.scanComments(scanMark)) return false;
      }
      if (this.isBreak()) {
        if (!this.cache(2)) return false;
        this.skipLine();
        if (this.flowLevel === 0) this.simpleKeyAllowed = true;
      } else break;
    }
    return true;
  }

  private scanDirective(): Token | undefined {
    const start = mark(this.m);
    this.skip();
    const name = this.scanDirectiveName(start);
    if (!name) return undefined;
    let token: Token;
    if (name === "YAML") {
      const v = this.scanVersionDirectiveValue(start);
      if (!v) return undefined;
      token = { typ: Tok.VERSION_DIRECTIVE, start, end: mark(this.m), major: v[0], minor: v[1] };
    } else if (name === "TAG") {
      const v = this.scanTagDirectiveValue(start);
      if (!v) return undefined;
      token = { typ: Tok.TAG_DIRECTIVE, start, end: mark(this.m), value: v[0], prefix: v[1] };
    } else {
      this.scannerError("while scanning a directive", start, "found unknown directive name");
      return undefined;
    }
    if (!this.cache(1)) return undefined;
    while (this.isBlank()) {
      this.skip();
      if (!this.cache(1)) return undefined;
    }
    if (this.at() === C("#")) {
      while (!this.isBreakz()) {
        this.skip();
        if (!this.cache(1)) return undefined;
      }
    }
    if (!this.isBreakz()) {
      this.scannerError(
        "while scanning a directive",
        start,
        "did not find expected comment or line break",
      );
      return undefined;
    }
    if (this.isBreak()) {
      if (!this.cache(2)) return undefined;
      this.skipLine();
    }
    return token;
  }

  private scanDirectiveName(start: Mark): string | undefined {
    if (!this.cache(1)) return undefined;
    const s: number[] = [];
    while (this.isAlpha()) {
      this.read(s);
      if (!this.cache(1)) return undefined;
    }
    if (s.length === 0) {
      this.scannerError(
        "while scanning a directive",
        start,
        "could not find expected directive name",
      );
      return undefined;
    }
    if (!this.isBlankz()) {
      this.scannerError(
        "while scanning a directive",
        start,
        "found unexpected non-alphabetical character",
      );
      return undefined;
    }
    return String.fromCharCode(...s);
  }

  private scanVersionDirectiveValue(start: Mark): [number, number] | undefined {
    if (!this.cache(1)) return undefined;
    while (this.isBlank()) {
      this.skip();
      if (!this.cache(1)) return undefined;
    }
    const major = this.scanVersionDirectiveNumber(start);
    if (major === undefined) return undefined;
    if (this.at() !== C(".")) {
      this.scannerError(
        "while scanning a %YAML directive",
        start,
        "did not find expected digit or '.' character",
      );
      return undefined;
    }
    this.skip();
    const minor = this.scanVersionDirectiveNumber(start);
    if (minor === undefined) return undefined;
    return [major, minor];
  }

  private scanVersionDirectiveNumber(start: Mark): number | undefined {
    if (!this.cache(1)) return undefined;
    let value = 0, length = 0;
    while (this.isDigit()) {
      length++;
      if (length > 2) {
        this.scannerError(
          "while scanning a %YAML directive",
          start,
          "found extremely long version number",
        );
        return undefined;
      }
      value = value * 10 + (this.at() - 0x30);
      this.skip();
      if (!this.cache(1)) return undefined;
    }
    if (length === 0) {
      this.scannerError(
        "while scanning a %YAML directive",
        start,
        "did not find expected version number",
      );
      return undefined;
    }
    return value;
  }

  private scanTagDirectiveValue(start: Mark): [number[], number[]] | undefined {
    if (!this.cache(1)) return undefined;
    while (this.isBlank()) {
      this.skip();
      if (!this.cache(1)) return undefined;
    }
    const handle = this.scanTagHandle(true, start);
    if (!handle) return undefined;
    if (!this.cache(1)) return undefined;
    if (!this.isBlank()) {
      this.scannerError(
        "while scanning a %TAG directive",
        start,
        "did not find expected whitespace",
      );
      return undefined;
    }
    while (this.isBlank()) {
      this.skip();
      if (!this.cache(1)) return undefined;
    }
    const prefix = this.scanTagUri(true, [], start);
    if (!prefix) return undefined;
    if (!this.cache(1)) return undefined;
    if (!this.isBlankz()) {
      this.scannerError(
        "while scanning a %TAG directive",
        start,
        "did not find expected whitespace or line break",
      );
      return undefined;
    }
    return [handle, prefix];
  }

  private scanAnchor(typ: Tok): Token | undefined {
    const s: number[] = [];
    const start = mark(this.m);
    this.skip();
    if (!this.cache(1)) return undefined;
    while (this.isAlpha()) {
      this.read(s);
      if (!this.cache(1)) return undefined;
    }
    const end = mark(this.m);
    if (
      s.length === 0 || !(this.isBlankz() || "?:,]}%@`".includes(String.fromCharCode(this.at())))
    ) {
      this.scannerError(
        typ === Tok.ANCHOR ? "while scanning an anchor" : "while scanning an alias",
        start,
        "did not find expected alphabetic or numeric character",
      );
      return undefined;
    }
    return { typ, start, end, value: s };
  }

  private scanTag(): Token | undefined {
    let handle: number[];
    let suffix: number[];
    const start = mark(this.m);
    if (!this.cache(2)) return undefined;
    if (this.at(1) === C("<")) {
      handle = [];
      this.skip();
      this.skip();
      const uri = this.scanTagUri(false, [], start);
      if (!uri) return undefined;
      suffix = uri;
      if (this.at() !== C(">")) {
        this.scannerError("while scanning a tag", start, "did not find the expected '>'");
        return undefined;
      }
      this.skip();
    } else {
      const h = this.scanTagHandle(false, start);
      if (!h) return undefined;
      handle = h;
      if (handle[0] === C("!") && handle.length > 1 && handle[handle.length - 1] === C("!")) {
        const uri = this.scanTagUri(false, [], start);
        if (!uri) return undefined;
        suffix = uri;
      } else {
        const uri = this.scanTagUri(false, handle, start);
        if (!uri) return undefined;
        suffix = uri;
        handle = [C("!")];
        if (suffix.length === 0) [handle, suffix] = [suffix, handle];
      }
    }
    if (!this.cache(1)) return undefined;
    if (!this.isBlankz()) {
      this.scannerError(
        "while scanning a tag",
        start,
        "did not find expected whitespace or line break",
      );
      return undefined;
    }
    return { typ: Tok.TAG, start, end: mark(this.m), value: handle, suffix };
  }

  private scanTagHandle(directive: boolean, start: Mark): number[] | undefined {
    if (!this.cache(1)) return undefined;
    if (this.at() !== C("!")) {
      this.tagError(directive, start, "did not find expected '!'");
      return undefined;
    }
    const s: number[] = [];
    this.read(s);
    if (!this.cache(1)) return undefined;
    while (this.isAlpha()) {
      this.read(s);
      if (!this.cache(1)) return undefined;
    }
    if (this.at() === C("!")) this.read(s);
    else if (directive && !(s.length === 1 && s[0] === C("!"))) {
      this.tagError(directive, start, "did not find expected '!'");
      return undefined;
    }
    return s;
  }

  private scanTagUri(directive: boolean, head: number[], start: Mark): number[] | undefined {
    const s: number[] = head.length > 1 ? head.slice(1) : [];
    let hasTag = head.length > 0;
    if (!this.cache(1)) return undefined;
    while (this.isAlpha() || ";/?:@&=+$,.!~*'()[]%".includes(String.fromCharCode(this.at()))) {
      if (this.at() === C("%")) {
        if (!this.scanUriEscapes(directive, start, s)) return undefined;
      } else this.read(s);
      if (!this.cache(1)) return undefined;
      hasTag = true;
    }
    if (!hasTag) {
      this.tagError(directive, start, "did not find expected tag URI");
      return undefined;
    }
    return s;
  }

  private scanUriEscapes(directive: boolean, start: Mark, s: number[]): boolean {
    let w = 1024;
    while (w > 0) {
      if (!this.cache(3)) return false;
      if (!(this.at() === C("%") && this.isHex(1) && this.isHex(2))) {
        return this.tagError(directive, start, "did not find URI escaped octet");
      }
      const octet = (this.asHex(1) << 4) + this.asHex(2);
      if (w === 1024) {
        w = width(octet);
        if (w === 0) {
          return this.tagError(directive, start, "found an incorrect leading UTF-8 octet");
        }
      } else if ((octet & 0xc0) !== 0x80) {
        return this.tagError(directive, start, "found an incorrect trailing UTF-8 octet");
      }
      s.push(octet);
      this.skip();
      this.skip();
      this.skip();
      w--;
    }
    return true;
  }

  private scanBlockScalar(literal: boolean): Token | undefined {
    const start = mark(this.m);
    this.skip();
    if (!this.cache(1)) return undefined;
    let chomping = 0, increment = 0;
    if (this.at() === C("+") || this.at() === C("-")) {
      chomping = this.at() === C("+") ? 1 : -1;
      this.skip();
      if (!this.cache(1)) return undefined;
      if (this.isDigit()) {
        if (this.at() === C("0")) {
          this.scannerError(
            "while scanning a block scalar",
            start,
            "found an indentation indicator equal to 0",
          );
          return undefined;
        }
        increment = this.at() - 0x30;
        this.skip();
      }
    } else if (this.isDigit()) {
      if (this.at() === C("0")) {
        this.scannerError(
          "while scanning a block scalar",
          start,
          "found an indentation indicator equal to 0",
        );
        return undefined;
      }
      increment = this.at() - 0x30;
      this.skip();
      if (!this.cache(1)) return undefined;
      if (this.at() === C("+") || this.at() === C("-")) {
        chomping = this.at() === C("+") ? 1 : -1;
        this.skip();
      }
    }
    if (!this.cache(1)) return undefined;
    while (this.isBlank()) {
      this.skip();
      if (!this.cache(1)) return undefined;
    }
    if (this.at() === C("#")) {
      if (!this.scanLineComment(start)) return undefined;
      while (!this.isBreakz()) {
        this.skip();
        if (!this.cache(1)) return undefined;
      }
    }
    if (!this.isBreakz()) {
      this.scannerError(
        "while scanning a block scalar",
        start,
        "did not find expected comment or line break",
      );
      return undefined;
    }
    if (this.isBreak()) {
      if (!this.cache(2)) return undefined;
      this.skipLine();
    }
    const end = { v: mark(this.m) };
    const indent = { v: 0 };
    if (increment > 0) indent.v = this.indent >= 0 ? this.indent + increment : increment;
    const s: number[] = [];
    let leadingBreak: number[] = [];
    let trailingBreaks: number[] = [];
    if (!this.scanBlockScalarBreaks(indent, trailingBreaks, start, end)) return undefined;
    if (!this.cache(1)) return undefined;
    let leadingBlank = false, trailingBlank = false;
    while (this.m.column === indent.v && !this.isZ()) {
      trailingBlank = this.isBlank();
      if (
        !literal && !leadingBlank && !trailingBlank && leadingBreak.length > 0 &&
        leadingBreak[0] === LF
      ) {
        if (trailingBreaks.length === 0) s.push(SP);
      } else s.push(...leadingBreak);
      leadingBreak = [];
      s.push(...trailingBreaks);
      trailingBreaks = [];
      leadingBlank = this.isBlank();
      while (!this.isBreakz()) {
        this.read(s);
        if (!this.cache(1)) return undefined;
      }
      if (!this.cache(2)) return undefined;
      this.readLine(leadingBreak);
      if (!this.scanBlockScalarBreaks(indent, trailingBreaks, start, end)) return undefined;
    }
    if (chomping !== -1) s.push(...leadingBreak);
    if (chomping === 1) s.push(...trailingBreaks);
    return {
      typ: Tok.SCALAR,
      start,
      end: end.v,
      value: s,
      style: literal ? Style.LITERAL : Style.FOLDED,
    };
  }

  private scanBlockScalarBreaks(
    indent: { v: number },
    breaks: number[],
    start: Mark,
    end: { v: Mark },
  ): boolean {
    end.v = mark(this.m);
    let maxIndent = 0;
    for (;;) {
      if (!this.cache(1)) return false;
      while ((indent.v === 0 || this.m.column < indent.v) && this.isSpace()) {
        this.skip();
        if (!this.cache(1)) return false;
      }
      if (this.m.column > maxIndent) maxIndent = this.m.column;
      if ((indent.v === 0 || this.m.column < indent.v) && this.isTab()) {
        return this.scannerError(
          "while scanning a block scalar",
          start,
          "found a tab character where an indentation space is expected",
        );
      }
      if (!this.isBreak()) break;
      if (!this.cache(2)) return false;
      this.readLine(breaks);
      end.v = mark(this.m);
    }
    if (indent.v === 0) {
      indent.v = maxIndent;
      if (indent.v < this.indent + 1) indent.v = this.indent + 1;
      if (indent.v < 1) indent.v = 1;
    }
    return true;
  }

  private scanFlowScalar(single: boolean): Token | undefined {
    const start = mark(this.m);
    this.skip();
    const s: number[] = [];
    let leadingBreak: number[] = [];
    let trailingBreaks: number[] = [];
    let whitespaces: number[] = [];
    for (;;) {
      if (!this.cache(4)) return undefined;
      if (
        this.m.column === 0 &&
        ((this.at() === C("-") && this.at(1) === C("-") && this.at(2) === C("-")) ||
          (this.at() === C(".") && this.at(1) === C(".") && this.at(2) === C("."))) &&
        this.isBlankz(3)
      ) {
        this.scannerError(
          "while scanning a quoted scalar",
          start,
          "found unexpected document indicator",
        );
        return undefined;
      }
      if (this.isZ()) {
        this.scannerError(
          "while scanning a quoted scalar",
          start,
          "found unexpected end of stream",
        );
        return undefined;
      }
      let leadingBlanks = false;
      while (!this.isBlankz()) {
        const ch = this.at();
        if (single && ch === C("'") && this.at(1) === C("'")) {
          s.push(C("'"));
          this.skip();
          this.skip();
        } else if (single && ch === C("'")) break;
        else if (!single && ch === C('"')) break;
        else if (!single && ch === C("\\") && this.isBreak(1)) {
          if (!this.cache(3)) return undefined;
          this.skip();
          this.skipLine();
          leadingBlanks = true;
          break;
        } else if (!single && ch === C("\\")) {
          let codeLength = 0;
          const esc = ESCAPES[String.fromCharCode(this.at(1))];
          if (esc !== undefined) s.push(...esc);
          else if (this.at(1) === C("x")) codeLength = 2;
          else if (this.at(1) === C("u")) codeLength = 4;
          else if (this.at(1) === C("U")) codeLength = 8;
          else {
            this.scannerError(
              "while parsing a quoted scalar",
              start,
              "found unknown escape character",
            );
            return undefined;
          }
          this.skip();
          this.skip();
          if (codeLength > 0) {
            let value = 0;
            if (!this.cache(codeLength)) return undefined;
            for (let k = 0; k < codeLength; k++) {
              if (!this.isHex(k)) {
                this.scannerError(
                  "while parsing a quoted scalar",
                  start,
                  "did not find expected hexdecimal number",
                );
                return undefined;
              }
              value = value * 16 + this.asHex(k);
            }
            if ((value >= 0xd800 && value <= 0xdfff) || value > 0x10ffff) {
              this.scannerError(
                "while parsing a quoted scalar",
                start,
                "found invalid Unicode character escape code",
              );
              return undefined;
            }
            pushUtf8(s, value);
            for (let k = 0; k < codeLength; k++) this.skip();
          }
        } else this.read(s);
        if (!this.cache(2)) return undefined;
      }
      if (!this.cache(1)) return undefined;
      if (single ? this.at() === C("'") : this.at() === C('"')) break;
      while (this.isBlank() || this.isBreak()) {
        if (this.isBlank()) {
          if (!leadingBlanks) this.read(whitespaces);
          else this.skip();
        } else {
          if (!this.cache(2)) return undefined;
          if (!leadingBlanks) {
            whitespaces = [];
            this.readLine(leadingBreak);
            leadingBlanks = true;
          } else this.readLine(trailingBreaks);
        }
        if (!this.cache(1)) return undefined;
      }
      if (leadingBlanks) {
        if (leadingBreak.length > 0 && leadingBreak[0] === LF) {
          if (trailingBreaks.length === 0) s.push(SP);
          else s.push(...trailingBreaks);
        } else {
          s.push(...leadingBreak, ...trailingBreaks);
        }
        trailingBreaks = [];
        leadingBreak = [];
      } else {
        s.push(...whitespaces);
        whitespaces = [];
      }
    }
    this.skip();
    return {
      typ: Tok.SCALAR,
      start,
      end: mark(this.m),
      value: s,
      style: single ? Style.SINGLE_QUOTED : Style.DOUBLE_QUOTED,
    };
  }

  private scanPlainScalar(): Token | undefined {
    const s: number[] = [];
    let leadingBreak: number[] = [];
    let trailingBreaks: number[] = [];
    let whitespaces: number[] = [];
    let leadingBlanks = false;
    const indent = this.indent + 1;
    const start = mark(this.m);
    let end = mark(this.m);
    for (;;) {
      if (!this.cache(4)) return undefined;
      if (
        this.m.column === 0 &&
        ((this.at() === C("-") && this.at(1) === C("-") && this.at(2) === C("-")) ||
          (this.at() === C(".") && this.at(1) === C(".") && this.at(2) === C("."))) &&
        this.isBlankz(3)
      ) break;
      if (this.at() === C("#")) break;
      while (!this.isBlankz()) {
        const ch = this.at();
        if (
          (ch === C(":") && this.isBlankz(1)) ||
          (this.flowLevel > 0 &&
            (ch === C(",") || ch === C("?") || ch === C("[") || ch === C("]") || ch === C("{") ||
              ch === C("}")))
        ) break;
        if (leadingBlanks || whitespaces.length > 0) {
          if (leadingBlanks) {
            if (leadingBreak[0] === LF) {
              if (trailingBreaks.length === 0) s.push(SP);
              else s.push(...trailingBreaks);
            } else s.push(...leadingBreak, ...trailingBreaks);
            trailingBreaks = [];
            leadingBreak = [];
            leadingBlanks = false;
          } else {
            s.push(...whitespaces);
            whitespaces = [];
          }
        }
        this.read(s);
        end = mark(this.m);
        if (!this.cache(2)) return undefined;
      }
      if (!(this.isBlank() || this.isBreak())) break;
      if (!this.cache(1)) return undefined;
      while (this.isBlank() || this.isBreak()) {
        if (this.isBlank()) {
          if (leadingBlanks && this.m.column < indent && this.isTab()) {
            this.scannerError(
              "while scanning a plain scalar",
              start,
              "found a tab character that violates indentation",
            );
            return undefined;
          }
          if (!leadingBlanks) this.read(whitespaces);
          else this.skip();
        } else {
          if (!this.cache(2)) return undefined;
          if (!leadingBlanks) {
            whitespaces = [];
            this.readLine(leadingBreak);
            leadingBlanks = true;
          } else this.readLine(trailingBreaks);
        }
        if (!this.cache(1)) return undefined;
      }
      if (this.flowLevel === 0 && this.m.column < indent) break;
    }
    if (leadingBlanks) this.simpleKeyAllowed = true;
    return { typ: Tok.SCALAR, start, end, value: s, style: Style.PLAIN };
  }

  private scanLineComment(tokenMark: Mark): boolean {
    if (this.newlines > 0) return true;
    let start = ZERO;
    const text: number[] = [];
    for (let peek = 0; peek < 512; peek++) {
      if (this.unread < peek + 1 && !this.updateBuffer(peek + 1)) break;
      if (this.isBlank(peek)) continue;
      if (this.at(peek) === C("#")) {
        const seen = this.m.index + peek;
        for (;;) {
          if (!this.cache(1)) return false;
          if (this.isBreakz()) {
            if (this.m.index >= seen) break;
            if (!this.cache(2)) return false;
            this.skipLine();
          } else if (this.m.index >= seen) {
            if (text.length === 0) start = mark(this.m);
            this.read(text);
          } else this.skip();
        }
      }
      break;
    }
    if (text.length > 0) {
      this.comments.push({ ...emptyComment(), token: mark(tokenMark), start, line: text });
    }
    return true;
  }

  private scanComments(scanMarkIn: Mark): boolean {
    let scanMark = mark(scanMarkIn);
    let token = this.tokens[this.tokens.length - 1];
    if (token.typ === Tok.FLOW_ENTRY && this.tokens.length > 1) {
      token = this.tokens[this.tokens.length - 2];
    }
    let tokenMark = token.start;
    let start = ZERO;
    let nextIndent = Math.max(this.indent, 0);
    let recentEmpty = false;
    let firstEmpty = this.newlines <= 1;
    let line = this.m.line;
    let column = this.m.column;
    let text: number[] = [];
    let footLine = -1;
    if (scanMark.line > 0) {
      footLine = this.m.line - this.newlines + 1;
      if (this.newlines === 0 && this.m.column > 1) footLine++;
    }
    let peek = 0;
    for (; peek < 512; peek++) {
      if (this.unread < peek + 1 && !this.updateBuffer(peek + 1)) break;
      column++;
      if (this.isBlank(peek)) continue;
      const c = this.at(peek);
      const closeFlow = this.flowLevel > 0 && (c === C("]") || c === C("}"));
      if (closeFlow || this.isBreakz(peek)) {
        if (closeFlow || !recentEmpty) {
          if (
            closeFlow ||
            (firstEmpty &&
              ((start.line === footLine && token.typ !== Tok.VALUE) ||
                start.column - 1 < nextIndent))
          ) {
            if (text.length > 0) {
              if (start.column - 1 < nextIndent) tokenMark = start;
              const endMark = { index: this.m.index + peek, line, column };
              this.comments.push({
                ...emptyComment(),
                scan: scanMark,
                token: tokenMark,
                start,
                end: endMark,
                foot: text,
              });
              scanMark = mark(endMark);
              tokenMark = scanMark;
              text = [];
            }
          } else if (text.length > 0 && this.at(peek) !== 0) text.push(LF);
        }
        if (!this.isBreak(peek)) break;
        firstEmpty = false;
        recentEmpty = true;
        column = 0;
        line++;
        continue;
      }
      if (text.length > 0 && (closeFlow || (column - 1 < nextIndent && column !== start.column))) {
        const endMark = { index: this.m.index + peek, line, column };
        this.comments.push({
          ...emptyComment(),
          scan: scanMark,
          token: tokenMark,
          start,
          end: endMark,
          foot: text,
        });
        scanMark = mark(endMark);
        tokenMark = scanMark;
        text = [];
      }
      if (this.at(peek) !== C("#")) break;
      if (text.length === 0) start = { index: this.m.index + peek, line, column };
      else text.push(LF);
      recentEmpty = false;
      const seen = this.m.index + peek;
      for (;;) {
        if (!this.cache(1)) return false;
        if (this.isBreakz()) {
          if (this.m.index >= seen) break;
          if (!this.cache(2)) return false;
          this.skipLine();
        } else if (this.m.index >= seen) this.read(text);
        else this.skip();
      }
      peek = 0;
      column = 0;
      line = this.m.line;
      nextIndent = Math.max(this.indent, 0);
    }
    if (text.length > 0) {
      this.comments.push({
        ...emptyComment(),
        scan: scanMark,
        token: start,
        start,
        end: { index: this.m.index + peek - 1, line, column },
        head: text,
      });
    }
    return true;
  }
}

const ESCAPES: Record<string, number[]> = {
  "0": [0],
  a: [7],
  b: [8],
  t: [9],
  "\t": [9],
  n: [10],
  v: [11],
  f: [12],
  r: [13],
  e: [0x1b],
  " ": [0x20],
  '"': [0x22],
  "'": [0x27],
  "\\": [0x5c],
  N: [0xc2, 0x85],
  _: [0xc2, 0xa0],
  L: [0xe2, 0x80, 0xa8],
  P: [0xe2, 0x80, 0xa9],
};

function pushUtf8(s: number[], value: number): void {
  if (value <= 0x7f) s.push(value);
  else if (value <= 0x7ff) s.push(0xc0 + (value >> 6), 0x80 + (value & 0x3f));
  else if (value <= 0xffff) {
    s.push(0xe0 + (value >> 12), 0x80 + ((value >> 6) & 0x3f), 0x80 + (value & 0x3f));
  } else {
    s.push(
      0xf0 + (value >> 18),
      0x80 + ((value >> 12) & 0x3f),
      0x80 + ((value >> 6) & 0x3f),
      0x80 + (value & 0x3f),
    );
  }
}

export function width(b: number): number {
  if ((b & 0x80) === 0) return 1;
  if ((b & 0xe0) === 0xc0) return 2;
  if ((b & 0xf0) === 0xe0) return 3;
  if ((b & 0xf8) === 0xf0) return 4;
  return 0;
}
