/**
 * The unit-file lexer of go-systemd v22 (`unit.Deserialize`), which Ignition runs on every unit
 * and drop-in. Reproduced with its reader, a 4096-byte `bufio.Reader`, because its "line too
 * long" check looks at what happens to be buffered, and its errors (`EOF`, `unable to find end
 * of section`) are what `ignition-validate` prints after `invalid unit content: `.
 */

/** An option of a unit file; Ignition only looks at which section it is in. */
export interface UnitOption {
  section: string;
}

const LINE_MAX = 2048;
const BUF_SIZE = 4096;

class UnitSyntaxError extends Error {}

// Units are read one at a time and synchronously, so they can share one buffer.
const SHARED_BUF = new Uint8Array(BUF_SIZE);

/** A byte-for-byte model of Go's bufio.Reader over an in-memory string. */
class BufReader {
  buf = SHARED_BUF;
  r = 0;
  w = 0;
  eof = false;
  srcPos = 0;
  lastRuneSize = -1;
  constructor(readonly src: Uint8Array) {}

  buffered() {
    return this.w - this.r;
  }

  fill() {
    if (this.r > 0) {
      this.buf.copyWithin(0, this.r, this.w);
      this.w -= this.r;
      this.r = 0;
    }
    const n = Math.min(BUF_SIZE - this.w, this.src.length - this.srcPos);
    if (n === 0) {
      this.eof = true;
      return;
    }
    this.buf.set(this.src.subarray(this.srcPos, this.srcPos + n), this.w);
    this.srcPos += n;
    this.w += n;
  }

  /** Returns the next rune, or null at end of input (Go's io.EOF). */
  readRune(): number | null {
    if (this.r < this.w && this.buf[this.r] < 0x80) {
      this.lastRuneSize = 1;
      return this.buf[this.r++];
    }
    while (
      this.r + 4 > this.w && !fullRune(this.buf, this.r, this.w) && !this.eof &&
      this.w - this.r < BUF_SIZE
    ) this.fill();
    this.lastRuneSize = -1;
    if (this.r === this.w) {
      this.eof = false;
      return null;
    }
    const [rune, size] = decodeRune(this.buf, this.r, this.w);
    this.r += size;
    this.lastRuneSize = size;
    return rune;
  }

  unreadRune() {
    this.r -= this.lastRuneSize;
    this.lastRuneSize = -1;
  }

  /** Go's ReadBytes: bytes up to and including `delim`; `atEof` when it ran out first. */
  readBytes(delim: number): { bytes: Uint8Array; atEof: boolean } {
    const parts: Uint8Array[] = [];
    for (;;) {
      let s = 0;
      let done = false;
      let atEof = false;
      for (;;) {
        const i = this.buf.subarray(this.r + s, this.w).indexOf(delim);
        if (i >= 0) {
          // A view is enough when nothing was collected: callers use it before the next read.
          const end = this.r + s + i + 1;
          parts.push(parts.length ? this.buf.slice(this.r, end) : this.buf.subarray(this.r, end));
          this.r += s + i + 1;
          done = true;
          break;
        }
        if (this.eof) {
          parts.push(this.buf.slice(this.r, this.w));
          this.r = this.w;
          this.eof = false;
          done = true;
          atEof = true;
          break;
        }
        if (this.buffered() >= BUF_SIZE) {
          parts.push(this.buf.slice(this.r, this.w));
          this.r = this.w;
          break;
        }
        s = this.w - this.r;
        this.fill();
      }
      if (done) return { bytes: concat(parts), atEof };
    }
  }

  peek(n: number): Uint8Array {
    return this.buf.subarray(this.r, this.r + n);
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

function runeLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 1;
}

function fullRune(b: Uint8Array, r: number, w: number): boolean {
  if (r >= w) return false;
  const need = runeLength(b[r]);
  if (w - r >= need) return true;
  for (let i = r + 1; i < w; i++) if ((b[i] & 0xc0) !== 0x80) return true;
  return false;
}

function decodeRune(b: Uint8Array, r: number, w: number): [number, number] {
  const lead = b[r];
  const need = runeLength(lead);
  if (need === 1) return [lead < 0x80 ? lead : 0xfffd, 1];
  if (w - r < need) return [0xfffd, 1];
  let cp = lead & (0xff >> (need + 1));
  for (let i = 1; i < need; i++) {
    const c = b[r + i];
    if ((c & 0xc0) !== 0x80) return [0xfffd, 1];
    cp = (cp << 6) | (c & 0x3f);
  }
  const min = need === 2 ? 0x80 : need === 3 ? 0x800 : 0x10000;
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return [0xfffd, 1];
  return [cp, need];
}

/** Go's unicode.IsSpace. */
function isSpaceRune(r: number): boolean {
  if (r <= 0xff) {
    return r === 0x09 || r === 0x0a || r === 0x0b || r === 0x0c || r === 0x0d || r === 0x20 ||
      r === 0x85 || r === 0xa0;
  }
  return r === 0x1680 || (r >= 0x2000 && r <= 0x200a) || r === 0x2028 || r === 0x2029 ||
    r === 0x202f || r === 0x205f || r === 0x3000;
}

const isComment = (r: number) => r === 0x23 || r === 0x3b;
const decoder = new TextDecoder();
const encoder = new TextEncoder();

function trimSpaceBytes(b: Uint8Array): Uint8Array {
  let s = 0;
  let e = b.length;
  const sp = (c: number) => c === 0x20 || (c >= 0x09 && c <= 0x0d);
  while (s < e && sp(b[s])) s++;
  while (e > s && sp(b[e - 1])) e--;
  return b.subarray(s, e);
}

/** Go's %q of a byte string. */
function goQuote(b: Uint8Array): string {
  let out = '"';
  let i = 0;
  while (i < b.length) {
    const [r, size] = decodeRune(b, i, b.length);
    if (r === 0xfffd && size === 1 && b[i] !== 0xef) {
      out += `\\x${b[i].toString(16).padStart(2, "0")}`;
    } else if (r === 0x22) out += '\\"';
    else if (r === 0x5c) out += "\\\\";
    else if (r === 0x0a) out += "\\n";
    else if (r === 0x0d) out += "\\r";
    else if (r === 0x09) out += "\\t";
    else if (r === 0x07) out += "\\a";
    else if (r === 0x08) out += "\\b";
    else if (r === 0x0c) out += "\\f";
    else if (r === 0x0b) out += "\\v";
    else if (r < 0x20 || r === 0x7f) out += `\\x${r.toString(16).padStart(2, "0")}`;
    else if ((r >= 0x80 && r <= 0xa0) || r === 0xad) {
      out += `\\u${r.toString(16).padStart(4, "0")}`;
    } else out += String.fromCodePoint(r);
    i += size;
  }
  return out + '"';
}

type Step = (() => Step) | null;

/**
 * Parses unit-file text like go-systemd's `unit.Deserialize`.
 * @returns the options, or `error` with go-systemd's message.
 */
export function deserializeUnit(text: string): { options: UnitOption[]; error?: string } {
  const buf = new BufReader(encoder.encode(text));
  const options: UnitOption[] = [];

  const toEOL = (): { line: Uint8Array; atEof: boolean } => {
    const { bytes, atEof } = buf.readBytes(0x0a);
    let end = bytes.length;
    if (end > 0 && bytes[end - 1] === 0x0d) end--;
    if (end > 0 && bytes[end - 1] === 0x0a) end--;
    return { line: bytes.subarray(0, end), atEof };
  };

  const ignoreLine = (next: Step): Step => () => {
    for (;;) {
      let { line } = toEOL();
      if (line.length > 0 && line[line.length - 1] === 0x20) line = line.subarray(0, -1);
      if (!(line.length > 0 && line[line.length - 1] === 0x5c)) break;
    }
    return next;
  };

  const nextSection: Step = () => {
    const r = buf.readRune();
    if (r === null) return null;
    if (r === 0x5b) return sectionName;
    if (isComment(r)) return ignoreLine(nextSection);
    return nextSection;
  };

  const sectionName: Step = () => {
    const { bytes, atEof } = buf.readBytes(0x5d);
    if (atEof) throw new UnitSyntaxError("unable to find end of section");
    const section = decoder.decode(bytes.subarray(0, bytes.length - 1));
    return () => {
      const garbage = trimSpaceBytes(toEOL().line);
      if (garbage.length > 0) {
        throw new UnitSyntaxError(`found garbage after section name : ${goQuote(garbage)}`);
      }
      return nextSectionOrOption(section);
    };
  };

  const steps = new Map<string, Step>();
  const nextSectionOrOption = (section: string): Step => {
    let step = steps.get(section);
    if (!step) {
      step = sectionOrOption(section);
      steps.set(section, step);
    }
    return step;
  };

  const sectionOrOption = (section: string): Step => () => {
    const r = buf.readRune();
    if (r === null) return null;
    if (isSpaceRune(r)) return nextSectionOrOption(section);
    if (r === 0x5b) return sectionName;
    if (isComment(r)) return ignoreLine(nextSectionOrOption(section));
    buf.unreadRune();
    return optionName(section);
  };

  const optionName = (section: string): Step => () => {
    for (;;) {
      const r = buf.readRune();
      if (r === null) throw new UnitSyntaxError("EOF");
      if (r === 0x0a || r === 0x0d) {
        throw new UnitSyntaxError("unexpected newline encountered while parsing option name");
      }
      if (r === 0x3d) break;
    }
    return optionValue(section);
  };

  // Names and values are not kept: validation only needs the sections options are in.
  const optionValue = (section: string): Step => () => {
    const { line } = toEOL();
    if (trimSpaceBytes(line).length !== 0 && line[line.length - 1] === 0x5c) {
      return optionValue(section);
    }
    options.push({ section });
    return nextSectionOrOption(section);
  };

  let next: Step = nextSection;
  try {
    while (next) {
      if (buf.buffered() >= LINE_MAX) {
        const line = buf.peek(LINE_MAX);
        if (!line.includes(0x0a) && !line.includes(0x0d)) {
          return { options, error: `line too long (max ${LINE_MAX} bytes)` };
        }
      }
      next = next();
    }
  } catch (e) {
    if (e instanceof UnitSyntaxError) return { options, error: e.message };
    throw e;
  }
  return { options };
}
