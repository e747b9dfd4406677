/**
 * One registry's authentication state: the challenge it last sent, the credentials found for
 * it (asked for once, only when it wants them) and the current Bearer token with its scopes.
 * Messages name where credentials came from, never their value.
 */
import {
  basicAuthorization,
  type Challenge,
  type CredentialProvider,
  type Credentials,
  mergeScopes,
} from "./auth.ts";
import { RegistryError } from "./errors.ts";
import { responseError, send } from "./http.ts";
import { DOCKER_HUB_REGISTRY } from "./reference.ts";

export interface SessionHttp {
  insecure: boolean;
  timeoutMs: number;
  debug?: (line: string) => void;
  signal?: AbortSignal;
}

/** Authorization for the requests of one `RegistryClient`. */
export class AuthSession {
  readonly registry: string;
  readonly #base: string;
  readonly #provider?: CredentialProvider;
  readonly #http: SessionHttp;
  #challenge?: Challenge;
  #credentials?: Promise<Credentials | undefined>;
  #token?: { value: string; scopes: string[] };

  constructor(
    registry: string,
    base: string,
    provider: CredentialProvider | undefined,
    http: SessionHttp,
  ) {
    this.registry = registry;
    this.#base = base;
    this.#provider = provider;
    this.#http = http;
  }

  /**
   * Takes a challenge in; returns whether a retry with new authorization can help. Basic:
   * only when credentials exist and were not sent yet. Bearer: always, with a fresh token
   * (the old one may have expired or lacked a scope); the caller limits the rounds.
   */
  async learn(challenge: Challenge, hadAuth: boolean): Promise<boolean> {
    this.#challenge = challenge;
    if (challenge.scheme === "basic") {
      return !hadAuth && (await this.credentials()) !== undefined;
    }
    this.#token = undefined;
    return true;
  }

  /**
   * The `Authorization` value for a request needing `scopes`: none before any challenge, Basic
   * credentials, or a Bearer token covering the scopes (fetched when the current one does not).
   */
  async authorization(scopes: string[], what: string): Promise<string | undefined> {
    const challenge = this.#challenge;
    if (!challenge) return undefined;
    if (challenge.scheme === "basic") {
      const creds = await this.credentials();
      return creds ? basicAuthorization(creds) : undefined;
    }
    const wanted = mergeScopes([...scopes, ...(this.#token?.scopes ?? [])]);
    const token = this.#token;
    if (token && wanted.every((s) => token.scopes.includes(s))) return `Bearer ${token.value}`;
    const value = await this.#fetchToken(challenge, wanted, what);
    this.#token = { value, scopes: wanted };
    return `Bearer ${value}`;
  }

  async #fetchToken(challenge: Challenge, scopes: string[], what: string): Promise<string> {
    if (!challenge.realm) {
      throw new RegistryError(`Cannot ${what}: the registry's Bearer challenge names no realm`, {
        status: 401,
        url: this.#base,
      });
    }
    const url = new URL(challenge.realm);
    if (challenge.service) url.searchParams.set("service", challenge.service);
    for (const s of mergeScopes([...scopes, ...challenge.scopes])) {
      url.searchParams.append("scope", s);
    }
    const creds = await this.credentials();
    if (creds && !this.#http.insecure && url.protocol !== "https:") {
      // Never hand credentials meant for a TLS registry to a plain-HTTP token service.
      throw new RegistryError(`Cannot ${what}: the registry's token service is not HTTPS`, {
        status: 401,
        url: url.toString(),
        hint:
          `${this.registry} sent realm ${url.origin}; iago sends credentials to it only over TLS`,
      });
    }
    const res = await send(
      {
        method: "GET",
        url: url.toString(),
        authorization: creds ? basicAuthorization(creds) : undefined,
      },
      this.#http,
    );
    if (res.status !== 200) {
      if (res.status === 401 || res.status === 403) {
        throw await this.authError(what, res, url.toString());
      }
      throw await responseError(`Cannot ${what}: the token service failed`, res, url.toString());
    }
    const json = await res.json().catch(() => undefined);
    const token = json?.token ?? json?.access_token;
    if (typeof token !== "string" || token === "") {
      throw new RegistryError(`Cannot ${what}: the token service answered without a token`, {
        status: res.status,
        url: url.toString(),
      });
    }
    return token;
  }

  /** The registry's credentials, asked of the provider once. */
  credentials(): Promise<Credentials | undefined> {
    this.#credentials ??= this.#provider?.get(this.registry) ??
      Promise.resolve(undefined);
    return this.#credentials;
  }

  /** The error for a 401/403 that new authorization cannot fix: no credentials, or refused. */
  async authError(what: string, res: Response, url: string): Promise<RegistryError> {
    const creds = await this.credentials();
    const host = this.registry;
    if (!creds) {
      const err = await responseError(
        `Cannot ${what}: ${host} asks for credentials and none were found`,
        res,
        url,
        this.#provider?.hint?.(host) ?? tokenHint(host),
      );
      return err;
    }
    const err = await responseError(
      `Cannot ${what}: ${host} refused the credentials from ${creds.source}`,
      res,
      url,
    );
    return new RegistryError(err.message, {
      status: err.status,
      url,
      code: err.code,
      detail: err.detail,
      retryable: false,
      hint: authHint(host, creds.source, err.detail),
    });
  }
}

function authHint(host: string, source: string, detail?: string): string {
  if (host === "ghcr.io" || /write:packages|read:packages/.test(detail ?? "")) {
    return `check that the token from ${source} is valid and has the write:packages scope (read:packages to pull)`;
  }
  return `check the username and token from ${source} for ${host}`;
}

/** The ways to give credentials to a registry the token sources are for. */
export function tokenHint(host: string): string {
  return `give a token with --token, set GITHUB_TOKEN, set OP_SERVICE_ACCOUNT_TOKEN (1Password), or log in with "podman login ${
    loginHost(host)
  }" (auth file)`;
}

export function loginHost(registry: string): string {
  return registry === DOCKER_HUB_REGISTRY ? "docker.io" : registry;
}
