/**
 * URL checks of Ignition's `validateURL`: Go's `net/url.Parse` (only whether it fails, and the
 * scheme, opaque part and query it finds), S3 `versionId` and ARN rules, and data URLs decoded
 * like github.com/vincent-petithory/dataurl, whose errors Ignition prints unchanged.
 */
import type { Minor } from "./_schema.ts";

interface GoUrl {
  scheme: string;
  opaque: string;
  rawQuery: string;
}

const isHexChar = (c: string) => {
  const x = c.charCodeAt(0);
  return (x >= 0x30 && x <= 0x39) || (x >= 0x41 && x <= 0x46) || (x >= 0x61 && x <= 0x66);
};

/** Go's url.unescape validity for one component; `host` applies the host-name rules. */
function unescapeOk(s: string, host: boolean): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "%") {
      if (i + 2 >= s.length || !isHexChar(s[i + 1]) || !isHexChar(s[i + 2])) return false;
      i += 2;
    } else if (host && c.charCodeAt(0) < 0x80 && !/[A-Za-z0-9\-_.~$&'()*+,;=:\[\]<>"]/.test(c)) {
      return false;
    }
  }
  return true;
}

function validOptionalPort(port: string): boolean {
  return port === "" || /^:\d*$/.test(port);
}

function parseHostOk(host: string): boolean {
  if (host.startsWith("[")) {
    const i = host.lastIndexOf("]");
    if (i < 0) return false;
    if (!validOptionalPort(host.slice(i + 1))) return false;
    const zone = host.slice(0, i).indexOf("%25");
    if (zone >= 0) {
      return unescapeOk(host.slice(0, zone), true) &&
        unescapeOk(host.slice(zone, i), false) && unescapeOk(host.slice(i), true);
    }
  } else {
    const i = host.lastIndexOf(":");
    if (i !== -1 && !validOptionalPort(host.slice(i))) return false;
  }
  return unescapeOk(host, true);
}

function validUserinfo(s: string): boolean {
  return /^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(s);
}

/** Go's `url.Parse`; undefined when Go would return an error. */
export function parseGoUrl(raw: string): GoUrl | undefined {
  const hash = raw.indexOf("#");
  const u = hash >= 0 ? raw.slice(0, hash) : raw;
  const frag = hash >= 0 ? raw.slice(hash + 1) : "";
  // deno-lint-ignore no-control-regex
  if (/[\x00-\x1f\x7f]/.test(u)) return undefined;
  if (frag && !unescapeOk(frag, false)) return undefined;
  if (u === "*") return { scheme: "", opaque: "", rawQuery: "" };

  let scheme = "";
  let rest = u;
  for (let i = 0; i < u.length; i++) {
    const c = u[i];
    if (/[A-Za-z]/.test(c)) continue;
    if (/[0-9+\-.]/.test(c)) {
      if (i === 0) break;
      continue;
    }
    if (c === ":") {
      if (i === 0) return undefined;
      scheme = u.slice(0, i).toLowerCase();
      rest = u.slice(i + 1);
    }
    break;
  }

  let rawQuery = "";
  if (rest.endsWith("?") && rest.split("?").length === 2) {
    rest = rest.slice(0, -1);
  } else {
    const q = rest.indexOf("?");
    if (q >= 0) {
      rawQuery = rest.slice(q + 1);
      rest = rest.slice(0, q);
    }
  }

  if (!rest.startsWith("/")) {
    if (scheme !== "") return { scheme, opaque: rest, rawQuery };
    const segment = rest.split("/")[0];
    if (segment.includes(":")) return undefined;
  }
  if ((scheme !== "" || !rest.startsWith("///")) && rest.startsWith("//")) {
    let authority = rest.slice(2);
    rest = "";
    const slash = authority.indexOf("/");
    if (slash >= 0) {
      rest = authority.slice(slash);
      authority = authority.slice(0, slash);
    }
    const at = authority.lastIndexOf("@");
    if (!parseHostOk(at < 0 ? authority : authority.slice(at + 1))) return undefined;
    if (at >= 0) {
      const userinfo = authority.slice(0, at);
      if (!validUserinfo(userinfo) || !unescapeOk(userinfo, false)) return undefined;
    }
  }
  if (!unescapeOk(rest, false)) return undefined;
  return { scheme, opaque: "", rawQuery };
}

/** Values of `key` in a query string, as Go's `url.ParseQuery` keeps them. */
function queryValues(rawQuery: string, key: string): string[] | undefined {
  let values: string[] | undefined;
  for (const part of rawQuery.split("&")) {
    if (part === "" || part.includes(";")) continue;
    const eq = part.indexOf("=");
    const k = eq >= 0 ? part.slice(0, eq) : part;
    const v = eq >= 0 ? part.slice(eq + 1) : "";
    const dk = queryUnescape(k);
    const dv = queryUnescape(v);
    if (dk === undefined || dv === undefined || dk !== key) continue;
    (values ??= []).push(dv);
  }
  return values;
}

function queryUnescape(s: string): string | undefined {
  if (!unescapeOk(s, false)) return undefined;
  try {
    return decodeURIComponent(s.replaceAll("+", " "));
  } catch {
    return s;
  }
}

function versionIdError(rawQuery: string): string | undefined {
  const v = queryValues(rawQuery, "versionId");
  if (v !== undefined && (v.length === 0 || v[0] === "")) return "invalid S3 object VersionId";
  return undefined;
}

function arnError(u: GoUrl): string | undefined {
  const full = `${u.scheme}:${u.opaque}`;
  if (!full.startsWith("arn:") || full.split(":").length - 1 < 5) return "invalid S3 ARN format";
  const sections = full.split(":");
  const service = sections[2];
  const resource = sections.slice(5).join(":");
  if (service !== "s3") return "invalid S3 ARN format";
  const urlSplit = full.split("/");
  if (resource.startsWith("accesspoint/")) {
    if (urlSplit.length < 4) return "invalid S3 ARN format";
  } else if (urlSplit.length < 2) {
    return "invalid S3 ARN format";
  }
  return versionIdError(u.rawQuery);
}

/** Ignition's `validateURL` for spec 3.`minor`; returns the error message or undefined. */
export function validateUrl(s: string, minor: Minor): string | undefined {
  const u = parseGoUrl(s);
  if (!u) return "unable to parse url";
  switch (u.scheme) {
    case "http":
    case "https":
    case "tftp":
      return undefined;
    case "gs":
      return minor >= 2 ? undefined : "invalid url scheme";
    case "s3":
      return versionIdError(u.rawQuery);
    case "arn":
      return minor >= 4 ? arnError(u) : "invalid url scheme";
    case "data":
      return decodeDataUrl(s, false).error;
    default:
      return "invalid url scheme";
  }
}

/**
 * Lookup tables for the ASCII classes of the dataurl lexer; anything else is outside all. Each
 * is written from its characters, not by testing all 128: every translation loads them.
 */
/** The printable ASCII characters, "!" to "~", less those of `except`. */
function printableExcept(except: string): Uint8Array {
  const t = new Uint8Array(128).fill(1, 0x21, 0x7f);
  for (let i = 0; i < except.length; i++) t[except.charCodeAt(i)] = 0;
  return t;
}
const TOKEN = printableExcept('()<>@,;:\\"/[]?=');
const URL_CHAR = printableExcept(' <>#"{}|\\^[]`');
const BASE64_CHAR = new Uint8Array(128);
{
  const base64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=";
  for (let i = 0; i < base64.length; i++) BASE64_CHAR[base64.charCodeAt(i)] = 1;
}
const inTable = (t: Uint8Array, c: string) => {
  const x = c.charCodeAt(0);
  return x < 128 && t[x] === 1;
};
const isToken = (c: string) => inTable(TOKEN, c);

/**
 * Decodes a `data:` URL like the dataurl package (RFC 2397).
 * @returns the bytes, or `error` with that package's message.
 */
export function decodeDataUrl(
  s: string,
  wantData = true,
): { data?: Uint8Array; error?: string } {
  if (!s.startsWith("data:")) return { error: "missing data prefix" };
  // Code units stand in for Go's runes: any non-ASCII one fails the same checks a rune does.
  let pos = 5;
  let start = 5;
  const next = () => (pos < s.length ? s[pos++] : undefined);
  let base64 = false;
  let paramAttr = "";

  const afterSubtypeOrParam = (): string | undefined => {
    const r = next();
    if (r === ";") return params();
    if (r === ",") return undefined;
    if (r === undefined) return "missing comma before data";
    return "expected semicolon or comma";
  };

  const params = (): string | undefined => {
    // after ';'
    start = pos;
    const r = next();
    if (r === undefined || r === "=" || r === ",") return "unterminated parameter sequence";
    if (!isToken(r)) return "invalid character for parameter attribute";
    for (;;) {
      const c = next();
      if (c === "=") {
        paramAttr = s.slice(start, pos - 1);
        break;
      }
      if (c === ",") {
        const v = s.slice(start, pos - 1);
        if (v !== "base64") return `expected base64, got ${v}`;
        base64 = true;
        return undefined;
      }
      if (c === undefined) return "unterminated parameter sequence";
      if (!isToken(c)) return "invalid character for parameter attribute";
    }
    void paramAttr;
    const v = next();
    if (v === '"') {
      for (;;) {
        const c = next();
        if (c === undefined) return "unclosed quoted string";
        if (c === "\\") {
          const e = next();
          if (e === undefined) return "unexpected eof";
          if (e.charCodeAt(0) > 0x7f) return "invalid escaped character";
          continue;
        }
        if (c === '"') break;
        if (c.charCodeAt(0) > 0x7f) return "invalid character for parameter value";
      }
      return afterSubtypeOrParam();
    }
    if (v === undefined) return "missing comma before data";
    if (!isToken(v)) return "invalid character for parameter value";
    const valStart = pos - 1;
    for (;;) {
      const c = next();
      if (c === ";" || c === ",") {
        pos--;
        const raw = s.slice(valStart, pos);
        const bad = rfc2396Unescape(raw).error;
        if (bad) return bad;
        return afterSubtypeOrParam();
      }
      if (c === undefined) return "missing comma before data";
      if (!isToken(c)) return "invalid character for parameter value";
    }
  };

  const mediaType = (): string | undefined => {
    const r = next();
    if (r === ";") return params();
    if (r === ",") return undefined;
    if (r === undefined) return "missing comma before data";
    let xToken = false;
    if (r === "x" || r === "X") {
      if (next() === "-") xToken = true;
    } else if (!isToken(r)) {
      return "invalid character after data prefix";
    }
    for (;;) {
      const c = next();
      if (c === "/") {
        const type = s.slice(start, pos - 1);
        if (
          !xToken &&
          !/^(text|image|audio|video|application|message|multipart)/.test(type)
        ) return "invalid media type";
        break;
      }
      if (c === undefined) return "missing media type slash";
      if (!isToken(c)) return "invalid character for media type";
    }
    for (;;) {
      const c = next();
      if (c === ";" || c === ",") {
        pos--;
        return afterSubtypeOrParam();
      }
      if (c === undefined) return "incomplete media type";
      if (!isToken(c)) return "invalid character for media subtype";
    }
  };

  const headerError = mediaType();
  if (headerError) return { error: headerError };
  const text = s.slice(pos);
  const allowed = base64 ? BASE64_CHAR : URL_CHAR;
  for (let i = 0; i < text.length; i++) {
    const x = text.charCodeAt(i);
    if (x >= 128 || allowed[x] !== 1) return { error: "invalid data character" };
  }
  if (base64) return goBase64Decode(text, wantData);
  return rfc2396Unescape(text, wantData);
}

function rfc2396Unescape(s: string, wantData = true): { data?: Uint8Array; error?: string } {
  const out = new Uint8Array(wantData ? s.length : 0);
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    if (code > 0x7f) return { error: "rfc2396: non-ASCII char detected" };
    if (code !== 0x25) {
      if (wantData) out[n++] = code;
      continue;
    }
    for (let k = 1; k <= 2; k++) {
      if (i + k >= s.length) return { error: "rfc2396: unexpected end of unescape sequence" };
      if (!isHexChar(s[i + k])) return { error: "rfc2396: invalid char 0x25 in unescape sequence" };
    }
    if (wantData) out[n++] = parseInt(s.slice(i + 1, i + 3), 16);
    i += 2;
  }
  return { data: out.subarray(0, n) };
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** Go's `base64.StdEncoding.DecodeString`, with its error offsets. */
function goBase64Decode(src: string, wantData: boolean): { data?: Uint8Array; error?: string } {
  const out = new Uint8Array(wantData ? Math.ceil(src.length / 4) * 3 : 0);
  let n = 0;
  const done = () => ({ data: out.subarray(0, n) });
  const corrupt = (at: number) => ({ error: `illegal base64 data at input byte ${at}` });
  let si = 0;
  const dbuf = new Int32Array(4);
  while (si < src.length) {
    dbuf.fill(0);
    let dlen = 4;
    let j = 0;
    for (; j < 4; j++) {
      if (si === src.length) {
        if (j === 0) return done();
        return corrupt(si - j);
      }
      const ch = src[si++];
      if (ch === "\n" || ch === "\r") {
        j--;
        continue;
      }
      const v = B64.indexOf(ch);
      if (v >= 0) {
        dbuf[j] = v;
        continue;
      }
      if (ch !== "=") return corrupt(si - 1);
      if (j === 0 || j === 1) return corrupt(si - 1);
      if (j === 2) {
        while (si < src.length && (src[si] === "\n" || src[si] === "\r")) si++;
        if (si === src.length) return corrupt(src.length);
        if (src[si] !== "=") return corrupt(si - 1);
        si++;
      }
      while (si < src.length && (src[si] === "\n" || src[si] === "\r")) si++;
      if (si < src.length) return corrupt(si);
      dlen = j;
      break;
    }
    const val = (dbuf[0] << 18) | (dbuf[1] << 12) | (dbuf[2] << 6) | dbuf[3];
    if (wantData) { for (let k = 0; k < dlen - 1; k++) out[n++] = (val >> (16 - 8 * k)) & 0xff; }
    if (dlen < 4) break;
  }
  return done();
}
