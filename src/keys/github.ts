/**
 * The public SSH keys of a GitHub user, from `GITHUB/USER.keys` (GITHUB is `https://github.com`
 * or `$IAGO_GITHUB_URL`), cached in `.iago/keys/USER.keys` so a failed lookup (offline, GitHub
 * down) still generates the same machine, with a warning.
 */
import { join } from "node:path";
import { readTextIfExists, writeFileAtomic } from "../fsutil.ts";

export const DEFAULT_GITHUB_URL = "https://github.com";

export interface GithubKeysOptions {
  /** `https://github.com` unless given (tests use a server on 127.0.0.1). */
  baseUrl?: string;
  /** `.iago/keys`. */
  cacheDir: string;
  /** Read the cache but never write it (a dry run). */
  readOnlyCache?: boolean;
  /** Per request; default 10 s. */
  timeoutMs?: number;
  /** Retries after a connection error, 429 or 5xx; default 2. */
  retries?: number;
}

export interface GithubKeys {
  keys: string[];
  /** Where the keys came from. */
  from: "github" | "cache" | "none";
  /** Why the lookup failed, when it did (the keys then come from the cache, if any). */
  warning?: string;
  /** The failure alone, as in `warning` (`URL: no such user (404)`). */
  failure?: string;
}

const KEY_LINE =
  /^(ssh-(rsa|ed25519|dss)|ecdsa-sha2-nistp(256|384|521)|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com) [A-Za-z0-9+/=]+( .*)?$/;

/**
 * The keys of GitHub user `username`. Never throws for network or HTTP failures: those give the
 * cached keys (or none) and a `warning` that names the URL but no credentials.
 */
export async function githubKeys(
  username: string,
  options: GithubKeysOptions,
): Promise<GithubKeys> {
  const base = (options.baseUrl || DEFAULT_GITHUB_URL).replace(/\/+$/, "");
  const url = `${base}/${encodeURIComponent(username)}.keys`;
  const cacheFile = join(options.cacheDir, `${username}.keys`);
  let failure: string;
  try {
    const text = await fetchText(url, options.timeoutMs ?? 10_000, options.retries ?? 2);
    const keys = parseKeys(text);
    // GitHub answers a user without keys with an empty body. Anything else without a key line
    // is not GitHub (a captive portal, a proxy's login page): keep the cache, as when offline.
    if (keys.length === 0 && text.trim() !== "") {
      throw new Error(
        `${redact(url)} answered without an SSH key line, as a login page or proxy does`,
      );
    }
    const cached = await readTextIfExists(cacheFile);
    const body = keys.join("\n") + (keys.length ? "\n" : "");
    if (cached !== body && !options.readOnlyCache) {
      await Deno.mkdir(options.cacheDir, { recursive: true, mode: 0o700 });
      await writeFileAtomic(cacheFile, body, { mode: 0o600 });
    }
    return { keys, from: "github" };
  } catch (err) {
    failure = err instanceof Error ? err.message : String(err);
  }
  const cached = await readTextIfExists(cacheFile);
  if (cached !== undefined) {
    return {
      keys: parseKeys(cached),
      from: "cache",
      failure,
      warning:
        `Cannot fetch the SSH keys of GitHub user "${username}" (${failure}); using the cached keys`,
    };
  }
  return {
    keys: [],
    from: "none",
    failure,
    warning:
      `Cannot fetch the SSH keys of GitHub user "${username}" (${failure}) and none are cached`,
  };
}

/** The SSH public key lines of an `authorized_keys`-style text; other lines are dropped. */
export function parseKeys(text: string): string[] {
  const keys: string[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (KEY_LINE.test(line) && !keys.includes(line)) keys.push(line);
  }
  return keys;
}

async function fetchText(url: string, timeoutMs: number, retries: number): Promise<string> {
  const shown = redact(url);
  for (let attempt = 0;; attempt++) {
    let res: Response;
    try {
      res = await fetch(url, {
        signal: AbortSignal.timeout(timeoutMs),
        headers: { accept: "text/plain" },
      });
    } catch (err) {
      const timedOut = err instanceof DOMException && err.name === "TimeoutError";
      if (attempt < retries && !timedOut) {
        await backoff(attempt);
        continue;
      }
      throw new Error(timedOut ? `${shown} timed out` : `${shown}: cannot connect`);
    }
    if (res.ok) return await res.text();
    await res.body?.cancel();
    if ((res.status === 429 || res.status >= 500) && attempt < retries) {
      await backoff(attempt);
      continue;
    }
    throw new Error(
      res.status === 404 ? `${shown}: no such user (404)` : `${shown}: HTTP ${res.status}`,
    );
  }
}

function backoff(attempt: number): Promise<void> {
  return new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
}

/** The URL without user info or query (which could hold a token). */
function redact(url: string): string {
  try {
    const u = new URL(url);
    u.username = "";
    u.password = "";
    u.search = "";
    return u.toString();
  } catch {
    return "the keys URL";
  }
}
