/**
 * Where registry credentials come from, in the order users expect: `--token`, `GITHUB_TOKEN`,
 * 1Password (`op read`, when `OP_SERVICE_ACCOUNT_TOKEN` is set), then the auth files that
 * `podman login` and `docker login` write. Token sources apply to the registries iago pushes
 * to (and ghcr.io), so a GitHub token is never offered to another registry, such as the one a
 * base image comes from; auth files are matched by host. Values are never formatted into text:
 * a `Credentials.source` names where they came from.
 */
import { join } from "node:path";
import { IagoError } from "../errors.ts";
import { killProcessTree } from "../process_tree.ts";
import type { CredentialProvider, Credentials } from "./auth.ts";
import { sameRegistry } from "./reference.ts";
import { loginHost, tokenHint } from "./session.ts";

const OP_TIMEOUT_MS = 60_000;

export const DEFAULT_ONEPASSWORD_REFERENCE = "op://github/personal-access-token/credential";

export interface CredentialOptions {
  /** The value of `--token`. */
  token?: string;
  env: Readonly<Record<string, string | undefined>>;
  /** `[container_registry] username`, else `[user] github_username`. */
  username?: string;
  /** `[secrets] onepassword_reference`. */
  onepasswordReference?: string;
  /** How long `op read` may take; default 60 s. */
  onepasswordTimeoutMs?: number;
  /**
   * Registries the token sources (`--token`, `GITHUB_TOKEN`, 1Password) are for: the push
   * target. ghcr.io is always included.
   */
  tokenRegistries?: readonly string[];
}

/** The username for token sources: the configured one, else the GitHub username. */
export function registryUsername(
  defaults: { containerRegistry: { username: string }; user: { githubUsername: string } },
): string | undefined {
  return defaults.containerRegistry.username || defaults.user.githubUsername || undefined;
}

/** The auth files consulted, in order (those that do not exist are skipped). */
export function authFiles(env: Readonly<Record<string, string | undefined>>): string[] {
  const files: string[] = [];
  if (env.REGISTRY_AUTH_FILE) files.push(env.REGISTRY_AUTH_FILE);
  if (env.XDG_RUNTIME_DIR) files.push(join(env.XDG_RUNTIME_DIR, "containers", "auth.json"));
  if (env.HOME) {
    files.push(join(env.HOME, ".config", "containers", "auth.json"));
    files.push(join(env.DOCKER_CONFIG ?? join(env.HOME, ".docker"), "config.json"));
  }
  return files;
}

/**
 * A provider that walks the sources in order for each registry and answers with the first
 * credentials found. 1Password is asked only when a registry wants credentials, once.
 */
export function resolveCredentials(options: CredentialOptions): CredentialProvider {
  const env = options.env;
  const username = options.username || "iago";
  const tokenHosts = [...(options.tokenRegistries ?? []), "ghcr.io"];
  let onepassword: Promise<string> | undefined;
  const tokenRegistry = (registry: string) => tokenHosts.some((h) => sameRegistry(h, registry));
  return {
    hint(registry: string): string {
      if (tokenRegistry(registry)) return tokenHint(registry);
      // A base image's registry: only an auth file can hold its credentials.
      const host = loginHost(registry);
      const pushTo = options.tokenRegistries?.length
        ? `the push registry, ${options.tokenRegistries.join(", ")}`
        : "ghcr.io";
      return `log in to it with "podman login ${host}" (or docker login), which iago reads from the auth file; --token and GITHUB_TOKEN are sent only to ${pushTo}`;
    },
    async get(registry: string): Promise<Credentials | undefined> {
      if (tokenRegistry(registry)) {
        if (options.token) return { username, password: options.token, source: "--token" };
        if (env.GITHUB_TOKEN) {
          return { username, password: env.GITHUB_TOKEN, source: "GITHUB_TOKEN" };
        }
        if (env.OP_SERVICE_ACCOUNT_TOKEN) {
          const reference = options.onepasswordReference || DEFAULT_ONEPASSWORD_REFERENCE;
          onepassword ??= readOnePassword(reference, env, options.onepasswordTimeoutMs);
          return { username, password: await onepassword, source: `1Password (${reference})` };
        }
      }
      for (const file of authFiles(env)) {
        const found = await fromAuthFile(file, registry, env.HOME);
        if (found) return found;
      }
      return undefined;
    },
  };
}

/**
 * Runs `op read REFERENCE`; the service account token reaches `op` through the environment.
 * After `timeoutMs`, `op` and everything it started are killed (a wrapper's child holding the
 * output open would otherwise keep the run waiting).
 */
async function readOnePassword(
  reference: string,
  env: Readonly<Record<string, string | undefined>>,
  timeoutMs = OP_TIMEOUT_MS,
): Promise<string> {
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command("op", {
      args: ["read", "--no-newline", reference],
      env: Object.fromEntries(
        Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined),
      ),
      clearEnv: true,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new IagoError(
        "Cannot read the registry token from 1Password: the 1Password CLI `op` is not installed",
        {
          hint:
            "install op (https://developer.1password.com/docs/cli), or unset OP_SERVICE_ACCOUNT_TOKEN and use --token or GITHUB_TOKEN",
        },
      );
    }
    throw err;
  }
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killProcessTree(child.pid);
  }, timeoutMs);
  const out = await child.output().finally(() => clearTimeout(timer));
  if (timedOut) {
    throw new IagoError(
      `Cannot read the registry token from 1Password (${reference}): op did not answer within ${
        timeoutMs / 1000
      } s`,
      { hint: "check the network and OP_SERVICE_ACCOUNT_TOKEN, or use --token or GITHUB_TOKEN" },
    );
  }
  const value = new TextDecoder().decode(out.stdout).replace(/\r?\n$/, "");
  if (!out.success || value === "") {
    // op's own message says why (no such item, bad token); it never holds the secret.
    const said = new TextDecoder().decode(out.stderr).trim().split("\n")[0]?.slice(0, 200);
    throw new IagoError(
      `Cannot read the registry token from 1Password (${reference}): op exited with ${out.code}${
        said ? `: ${said}` : ""
      }`,
      {
        hint:
          "check OP_SERVICE_ACCOUNT_TOKEN and the reference ([secrets] onepassword_reference in config/defaults.toml)",
      },
    );
  }
  return value;
}

/** The credentials an auth file holds for `registry`, matched by host. */
async function fromAuthFile(
  file: string,
  registry: string,
  home: string | undefined,
): Promise<Credentials | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound || err instanceof Deno.errors.NotADirectory) {
      return undefined;
    }
    throw err;
  }
  const shown = home && file.startsWith(home + "/") ? `~${file.slice(home.length)}` : file;
  let auths: Record<string, { auth?: unknown; username?: unknown; password?: unknown }>;
  try {
    auths = JSON.parse(text)?.auths ?? {};
  } catch {
    throw new IagoError(`Cannot read registry credentials from ${shown}: not valid JSON`, {
      hint: `fix or remove the file, or log in again with "podman login ${registry}"`,
    });
  }
  const entries = Object.entries(auths).filter(([key]) => sameRegistry(authKeyHost(key), registry))
    .sort(([a], [b]) => a.length - b.length);
  for (const [, entry] of entries) {
    if (typeof entry?.auth === "string" && entry.auth) {
      let decoded: string;
      try {
        decoded = new TextDecoder().decode(
          Uint8Array.from(atob(entry.auth), (c) => c.charCodeAt(0)),
        );
      } catch {
        decoded = "";
      }
      const i = decoded.indexOf(":");
      if (i > 0) {
        return { username: decoded.slice(0, i), password: decoded.slice(i + 1), source: shown };
      }
    }
    if (typeof entry?.username === "string" && typeof entry?.password === "string") {
      return { username: entry.username, password: entry.password, source: shown };
    }
  }
  return undefined;
}

/** `https://index.docker.io/v1/` → `index.docker.io`; `ghcr.io/me` → `ghcr.io`. */
function authKeyHost(key: string): string {
  return key.replace(/^[a-z]+:\/\//, "").split("/")[0];
}
