/**
 * What podman on the machine reads to reach and trust the fleet's registry, as file texts: the
 * registries.conf.d drop-in for plain-HTTP registries, the auth file with the pull account, the
 * drop-in that points the pulling units at it, and the signature policy with its sigstore
 * attachment setting. The `default` workload places them (README "On the machine").
 */
import { Buffer } from "node:buffer";
import { REGISTRY_AUTH_PATH } from "./paths.ts";

/** `registries.conf.d` text marking each `host[:port]` as plain HTTP for podman. */
export function insecureRegistriesConf(hosts: readonly string[]): string {
  let out =
    "# iago: the fleet's registries spoken to over plain HTTP ([container_registry] insecure).\n";
  for (const host of hosts) out += `\n[[registry]]\nlocation = "${host}"\ninsecure = true\n`;
  return out;
}

/**
 * `auth.json` (containers-auth.json(5)) holding one registry's pull account. Throws a `TypeError`
 * for a user name with a `:`, which the format cannot carry.
 */
export function registryAuthJson(registry: string, username: string, password: string): string {
  if (username.includes(":")) throw new TypeError("A registry user name cannot contain ':'");
  const auth = Buffer.from(`${username}:${password}`, "utf8").toString("base64");
  return `${JSON.stringify({ auths: { [registry]: { auth } } }, null, 2)}\n`;
}

/**
 * The drop-in of a unit whose podman pulls: podman 4 and 5 read no system-wide auth file, and a
 * `REGISTRY_AUTH_FILE` naming a missing file makes every pull fail, so it is set only where the
 * file is written.
 */
export const REGISTRY_AUTH_DROPIN_TEXT = `# iago: podman pulls with the fleet's read-only account.
[Service]
Environment=REGISTRY_AUTH_FILE=${REGISTRY_AUTH_PATH}
`;

/**
 * podman's `policy.json`: images of each scope (`host[:port]/namespace` or a repository) must
 * carry a sigstore signature by the key at `keyPath`, for any tag of their repository (iago and
 * cosign sign the repository, not the tag); everything else is accepted as before.
 */
export function signaturePolicy(scopes: readonly string[], keyPath: string): string {
  const docker: Record<string, unknown[]> = {};
  for (const scope of scopes) {
    docker[scope] = [{
      type: "sigstoreSigned",
      keyPath,
      signedIdentity: { type: "matchRepository" },
    }];
  }
  const policy = {
    default: [{ type: "insecureAcceptAnything" }],
    transports: {
      docker,
      "docker-daemon": { "": [{ type: "insecureAcceptAnything" }] },
    },
  };
  return `${JSON.stringify(policy, null, 2)}\n`;
}

/** `registries.d` YAML: podman looks for each scope's signatures as sigstore attachments. */
export function sigstoreAttachmentsYaml(scopes: readonly string[]): string {
  let out =
    "# iago: the fleet's signatures are sigstore attachments (sha256-HEX.sig tags).\ndocker:\n";
  for (const scope of scopes) {
    out += `  ${JSON.stringify(scope)}:\n    use-sigstore-attachments: true\n`;
  }
  return out;
}
