/**
 * Registry authentication: parsing `WWW-Authenticate` challenges (Basic and Bearer, several
 * scopes in one header, `insufficient_scope`) and the credential vocabulary the client and the
 * credential chain share. Secrets stay in memory: nothing here formats a credential into text.
 */

/** A username and a password or token for one registry, and where they came from. */
export interface Credentials {
  username: string;
  password: string;
  /**
   * Where they came from, for messages; never the secret: `--token`, `GITHUB_TOKEN`,
   * `1Password (op://...)`, `/home/me/.docker/config.json`.
   */
  source: string;
}

/** Finds credentials for a registry; the client asks only when the registry wants them. */
export interface CredentialProvider {
  /** Credentials for `registry` (its API host), or undefined when there are none. */
  get(registry: string): Promise<Credentials | undefined>;
  /** How to give credentials for `registry` when it asks and `get` found none. */
  hint?(registry: string): string;
}

/** A provider that always answers with the same credentials. */
export function staticCredentials(credentials: Credentials): CredentialProvider {
  return { get: () => Promise.resolve(credentials) };
}

export interface Challenge {
  scheme: "basic" | "bearer";
  realm?: string;
  service?: string;
  /** Scopes the registry asked for, split on spaces. */
  scopes: string[];
  /** `insufficient_scope`, `invalid_token`, ... */
  error?: string;
}

/**
 * Parses a `WWW-Authenticate` header. Returns undefined for schemes the client cannot answer.
 * Parameters may be quoted (with `\"` escapes) or bare tokens.
 */
export function parseChallenge(header: string | null): Challenge | undefined {
  if (!header) return undefined;
  const m = /^\s*([A-Za-z]+)\s*(.*)$/s.exec(header);
  if (!m) return undefined;
  const scheme = m[1].toLowerCase();
  if (scheme !== "basic" && scheme !== "bearer") return undefined;
  const params: Record<string, string> = {};
  const re = /([A-Za-z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*,?\s*/g;
  for (const p of m[2].matchAll(re)) {
    params[p[1].toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, "$1") : p[3];
  }
  return {
    scheme,
    realm: params.realm,
    service: params.service,
    scopes: params.scope ? params.scope.split(" ").filter(Boolean) : [],
    error: params.error,
  };
}

/** `repository:NAME:ACTIONS` */
export function repositoryScope(repo: string, actions: "pull" | "push,pull" | "delete"): string {
  return `repository:${repo}:${actions}`;
}

/**
 * Merges scopes: the same resource named twice gets the union of its actions, so a token
 * asked for `repository:a:pull` and `repository:a:push` covers `repository:a:pull,push`.
 */
export function mergeScopes(scopes: Iterable<string>): string[] {
  const byResource = new Map<string, Set<string>>();
  for (const s of scopes) {
    const i = s.lastIndexOf(":");
    if (i <= 0) {
      byResource.set(s, byResource.get(s) ?? new Set());
      continue;
    }
    const resource = s.slice(0, i);
    const actions = byResource.get(resource) ?? new Set<string>();
    for (const a of s.slice(i + 1).split(",")) if (a) actions.add(a);
    byResource.set(resource, actions);
  }
  return [...byResource].map(([r, a]) => a.size ? `${r}:${[...a].sort().join(",")}` : r).sort();
}

/** The `Authorization` value for Basic credentials. */
export function basicAuthorization(c: Credentials): string {
  const bytes = new TextEncoder().encode(`${c.username}:${c.password}`);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return `Basic ${btoa(bin)}`;
}
