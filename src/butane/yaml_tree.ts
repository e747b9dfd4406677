/** The YAML tree both readers produce: untyped scalars, mappings and sequences with positions. */

/** A 1-based position in the YAML text. */
export interface Pos {
  line: number;
  col: number;
}

export class YScalar {
  constructor(
    readonly text: string,
    /** Written without quotes (plain), so YAML typing rules apply. */
    readonly plain: boolean,
    readonly pos: Pos,
    readonly tag?: string,
    /** A `!!binary` value's bytes (`text` is then what Go makes of them as a string). */
    readonly bytes?: Uint8Array,
    /** A `!!binary` value as written (base64), which yaml.v3's type errors show. */
    readonly written?: string,
  ) {}
}

export class YMap {
  readonly entries = new Map<string, YValue>();
  readonly keyPos = new Map<string, Pos>();
  /**
   * Keys whose value was written as null or as an alias, where: butane's context tree has a
   * leaf there, and warns when a struct is expected (merged keys are not in it at all).
   */
  readonly leafPos = new Map<string, Pos>();
  /** Keys written as a plain null (`~`, `null`, nothing): yaml.v3 puts none in a Go map. */
  readonly nullKeys = new Set<string>();
  /** The `<<` entry is a merge key (plain), whose entries are merged in, not a key of its own. */
  mergeKey = false;
  // The next four are set only for the mappings that have them (most have none), so the fast
  // reader's mappings stay small.
  /** Keys that came from a `<<` merge: decoded, but not in butane's context tree. */
  merged?: Set<string>;
  /**
   * yaml.v3's type errors for this mapping, met whenever it is decoded: its repeated keys
   * (`line 5: mapping key "a" already defined at line 4`), which stop the decode of it.
   */
  duplicates?: { message: string; pos: Pos }[];
  /**
   * Entries whose key is a mapping or a sequence, by their made-up entry key: decoding one into
   * a struct's field name is a type error (`line 4: cannot unmarshal !!seq into string`).
   */
  collectionKeys?: Map<string, { tag: "!!map" | "!!seq"; line: number }>;
  /** A `<<` whose value is not a mapping or a list of them: fatal once the mapping is decoded. */
  badMerge = false;
  /** An explicit tag (`!x {a: 1}`), which yaml.v3's type errors name instead of `!!map`. */
  tag?: string;
  constructor(readonly pos: Pos) {}
}

export class YSeq {
  readonly items: YValue[] = [];
  /** Items written as null or as an alias, where (see `YMap.leafPos`). */
  readonly leafPos = new Map<number, Pos>();
  /** An explicit tag, as `YMap.tag`. */
  tag?: string;
  constructor(readonly pos: Pos) {}
}

export type YValue = YScalar | YMap | YSeq | null;

/** A fatal YAML problem, with yaml.v3's wording. */
export class YamlSyntaxError extends Error {
  constructor(
    message: string,
    readonly pos?: Pos,
    /** A duplicate key below the top-level mapping (butane's first read does not see it). */
    readonly nestedDuplicate = false,
  ) {
    super(message);
    this.name = "YamlSyntaxError";
  }
}

/**
 * Bytes as text the way Go's encoding/json writes a string: valid UTF-8 as is, each byte of
 * an invalid sequence as U+FFFD (WHATWG's TextDecoder would merge some of them).
 */
export function goText(bytes: Uint8Array): string {
  let out = "";
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    if (b < 0x80) {
      out += String.fromCharCode(b);
      i++;
      continue;
    }
    const [n, min] = b >= 0xf0 && b <= 0xf4
      ? [4, 0x10000]
      : b >= 0xe0
      ? [3, 0x800]
      : b >= 0xc2
      ? [2, 0x80]
      : [0, 0];
    let cp = n === 4 ? b & 0x07 : n === 3 ? b & 0x0f : b & 0x1f;
    let ok = n > 0 && b < 0xf5 && i + n <= bytes.length;
    for (let k = 1; ok && k < n; k++) {
      const c = bytes[i + k];
      if ((c & 0xc0) !== 0x80) ok = false;
      else cp = (cp << 6) | (c & 0x3f);
    }
    if (ok && (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))) ok = false;
    if (ok) {
      out += String.fromCodePoint(cp);
      i += n;
    } else {
      out += "\ufffd";
      i++;
    }
  }
  return out;
}
