/**
 * Whether a machine's stored secrets are the ones its Ignition file installs: a stored password
 * that matches no hash in the file, or a stored secret the file does not carry, means the
 * machine runs with a value kept nowhere (what an interrupted rotation used to leave).
 */
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { readTextIfExists } from "../fsutil.ts";
import { decodeDataUrl } from "../ignition/_url.ts";
import { sha512Crypt } from "./crypt.ts";
import { PENDING_FILE, readStoredSecret } from "./store.ts";

/** Which stored secrets a machine's Ignition file uses. */
export interface SecretUse {
  /** Accounts whose password is generated (`accounts/USERNAME`). */
  accounts: string[];
  /** Generated secrets and the path of the file each becomes on the machine. */
  files: { name: string; path: string }[];
}

interface IgnitionConfig {
  passwd?: { users?: { name?: string; passwordHash?: string }[] };
  storage?: { files?: { path?: string; contents?: { source?: string; compression?: string } }[] };
}

/**
 * The mismatches between the secrets stored in `dir` and the Ignition file `ignitionFile`,
 * as sentences naming the files (never a value). None when the file does not exist yet.
 */
export async function auditSecrets(
  dir: string,
  ignitionFile: string,
  use: SecretUse,
): Promise<string[]> {
  const problems: string[] = [];
  if (await readTextIfExists(join(dir, PENDING_FILE)) !== undefined) {
    problems.push(`an interrupted ignite left new secrets pending in ${join(dir, PENDING_FILE)}`);
  }
  const text = await readTextIfExists(ignitionFile);
  if (text === undefined) return problems;
  let config: IgnitionConfig;
  try {
    config = JSON.parse(text);
  } catch {
    return [...problems, "the Ignition file is not JSON"];
  }
  for (const username of use.accounts) {
    const hash = config.passwd?.users?.find((u) => u.name === username)?.passwordHash;
    // Only a $6$ hash can be checked here, and only one the file has (a template may set its own).
    if (!hash?.startsWith("$6$")) continue;
    const file = join(dir, "accounts", username);
    const password = await readStoredSecret(dir, join("accounts", username));
    if (password === undefined) {
      problems.push(`it holds a password hash of "${username}", but ${file} does not exist`);
    } else if (sha512Crypt(password, hash.slice(3)) !== hash) {
      problems.push(`the stored password of "${username}" (${file}) matches no hash in it`);
    }
  }
  for (const { name, path } of use.files) {
    const carried = fileContents(config, path);
    if (carried === undefined) continue;
    const stored = await readStoredSecret(dir, name);
    if (stored !== carried) {
      problems.push(
        stored === undefined
          ? `it installs ${path}, but ${join(dir, name)} does not exist`
          : `the stored secret ${join(dir, name)} is not the ${path} it installs`,
      );
    }
  }
  return problems;
}

/** The contents of the file at `path` of an Ignition config, when it has inline data. */
function fileContents(config: IgnitionConfig, path: string): string | undefined {
  const contents = config.storage?.files?.find((f) => f.path === path)?.contents;
  if (!contents?.source?.startsWith("data:")) return undefined;
  const { data } = decodeDataUrl(contents.source);
  if (data === undefined) return undefined;
  return new TextDecoder().decode(contents.compression === "gzip" ? gunzipSync(data) : data);
}
