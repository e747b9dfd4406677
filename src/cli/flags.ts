/** Flags several commands share, declared once so their help and parsing stay the same. */

/** `--token TOKEN`: the registry token of a command that only reads from the registry. */
export const registryTokenFlag = {
  kind: "parsed",
  parse: String,
  optional: true,
  placeholder: "TOKEN",
  brief: "registry token (else GITHUB_TOKEN, 1Password, podman/docker login)",
} as const;
