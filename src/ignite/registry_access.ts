/**
 * What a machine needs from the workspace, besides its own files, to pull and trust its images:
 * the password of `[container_registry] pull_username` and the public key of `[signing]`. Both
 * are read once per run and handed to the `default` workload through the template context.
 */
import type { Defaults } from "../config/mod.ts";
import { IagoError } from "../errors.ts";
import { readTextIfExists } from "../fsutil.ts";
import { PULL_PASSWORD_FILE, type Workspace } from "../workspace.ts";

export interface RegistryAccess {
  /** The pull password or token, `""` when machines pull anonymously. */
  pullPassword: string;
  /** The PEM text of the signing public key, `""` when signatures are not required. */
  signingPublicKey: string;
}

/**
 * Reads the pull password (when `pull_username` is set) and the public key (when `[signing]
 * required`). Throws an `IagoError` saying that machines would not be able to pull or check
 * their images, and how to fix it.
 */
export async function readRegistryAccess(
  ws: Workspace,
  d: Defaults,
  onWarning?: (message: string) => void,
): Promise<RegistryAccess> {
  return {
    pullPassword: await readPullPassword(ws, d, onWarning),
    signingPublicKey: d.signing.required ? await readPublicKey(ws, d) : "",
  };
}

async function readPullPassword(
  ws: Workspace,
  d: Defaults,
  onWarning?: (message: string) => void,
): Promise<string> {
  const username = d.containerRegistry.pullUsername;
  if (username === "") return "";
  const registry = d.containerRegistry.url.split("/")[0];
  const text = await readTextIfExists(ws.pullPasswordFile);
  const password = text?.replace(/\r?\n$/, "") ?? "";
  if (password === "" || /[\r\n]/.test(password)) {
    throw new IagoError(
      `Machines will not be able to pull from ${registry}: ${
        text === undefined ? "no" : "an empty or multi-line"
      } ${PULL_PASSWORD_FILE} for pull_username "${username}"`,
      {
        at: { file: d.file },
        hint:
          `write the read-only password or token of "${username}" as one line to ${PULL_PASSWORD_FILE} (chmod 600), or set pull_username = "" if ${registry} needs none`,
      },
    );
  }
  const mode = (await Deno.stat(ws.pullPasswordFile)).mode;
  if (mode !== null && (mode & 0o077) !== 0) {
    onWarning?.(
      `${PULL_PASSWORD_FILE} can be read by other users of this computer (mode ${
        (mode & 0o777).toString(8)
      }): chmod 600 ${PULL_PASSWORD_FILE}`,
    );
  }
  if (username.includes(":")) {
    throw new IagoError(`Invalid pull_username "${username}": it holds a ":"`, {
      at: { file: d.file },
      hint: "a registry user name cannot contain ':' (auth.json joins name and password with it)",
    });
  }
  return password;
}

async function readPublicKey(ws: Workspace, d: Defaults): Promise<string> {
  const file = d.signing.publicKey;
  const path = `${ws.root}/${file.replace(/^\.\//, "")}`;
  const text = await readTextIfExists(path);
  if (text === undefined) {
    throw new IagoError(`Cannot read [signing] public_key "${file}": no such file`, {
      at: { file: d.file },
      hint:
        "write the public half of your signing key there (openssl pkey -in cosign.key -pubout -out cosign.pub)",
    });
  }
  // A link may not lead the key (and with it the machines' trust) to a file outside the workspace.
  const real = await Deno.realPath(path);
  const root = await Deno.realPath(ws.root);
  if (!real.startsWith(root + "/")) {
    throw new IagoError(
      `Cannot use [signing] public_key "${file}": it leads outside the workspace`,
      {
        at: { file: d.file },
        hint: "copy the public key into the workspace and commit it",
      },
    );
  }
  // Loaded here only: the key code brings node:crypto and NaCl, which no other part of ignite needs.
  const { loadPublicKey } = await import("../sign/keys.ts");
  loadPublicKey(text, file);
  return text.endsWith("\n") ? text : `${text}\n`;
}
