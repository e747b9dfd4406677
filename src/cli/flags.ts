/** Flags several commands share, declared once so their help and parsing stay the same. */

/**
 * `--token TOKEN|-` and `--token-file FILE`: the registry token of every command that talks to
 * the registry. Spread into a command's flags; `tokenFromFlags` (src/registry/token_option.ts)
 * reads them.
 */
export const registryTokenFlags = {
  token: {
    kind: "parsed",
    parse: String,
    optional: true,
    placeholder: "TOKEN|-",
    brief:
      "registry token; - reads it from stdin (else GITHUB_TOKEN, 1Password, podman/docker login)",
  },
  tokenFile: {
    kind: "parsed",
    parse: String,
    optional: true,
    placeholder: "FILE",
    brief: "read the registry token from FILE (keeps it out of ps)",
  },
} as const;
