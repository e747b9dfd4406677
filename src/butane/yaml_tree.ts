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
  ) {}
}

export class YMap {
  readonly entries = new Map<string, YValue>();
  readonly keyPos = new Map<string, Pos>();
  constructor(readonly pos: Pos) {}
}

export class YSeq {
  readonly items: YValue[] = [];
  constructor(readonly pos: Pos) {}
}

export type YValue = YScalar | YMap | YSeq | null;

/** A fatal YAML problem, with yaml.v3's wording. */
export class YamlSyntaxError extends Error {
  constructor(message: string, readonly pos?: Pos) {
    super(message);
    this.name = "YamlSyntaxError";
  }
}
