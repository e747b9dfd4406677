/**
 * `iago verify NAME`: exit 0 only when a cosign signature over the image's current digest
 * verifies, with `--key cosign.pub` or keyless by certificate identity and OIDC issuer.
 */
import { buildCommand } from "@stricli/core";
import { IagoError } from "../../errors.ts";
import type { TokenFlags } from "../../registry/token_option.ts";
import type { IagoContext } from "../context.ts";
import { completeContainers } from "../names.ts";
import { registryTokenFlags } from "../flags.ts";

interface VerifyFlags extends TokenFlags {
  tag?: string;
  key?: string;
  certificateIdentity?: string;
  certificateIdentityRegexp?: string;
  certificateOidcIssuer?: string;
  local: boolean;
  json: boolean;
}

export const verifyCommand = buildCommand({
  func: async function (this: IagoContext, flags: VerifyFlags, name: string) {
    const { verifyContainer } = await import("../../sign/container.ts");
    const { tokenFromFlags } = await import("../../registry/token_option.ts");
    const result = await verifyContainer(this.workspace, name, {
      tag: flags.tag,
      keyFile: flags.key,
      identity: flags.certificateIdentity,
      identityRegexp: flags.certificateIdentityRegexp,
      issuer: flags.certificateOidcIssuer,
      local: flags.local,
      token: await tokenFromFlags(flags, this.workspace.root),
      env: this.env,
      debug: this.env.IAGO_DEBUG === "1" ? (line) => this.out.info(line) : undefined,
    });
    if (flags.json) {
      this.out.print(JSON.stringify(
        {
          image: result.image,
          digest: result.digest,
          verified: result.verified > 0,
          signatures: result.total,
          valid: result.verified,
          problems: result.problems,
        },
        null,
        2,
      ));
    }
    if (result.verified > 0) {
      if (!flags.json) {
        this.out.print(
          `Verified ${result.image}@${result.digest}: ${result.verified} of ${result.total} signature${
            result.total === 1 ? "" : "s"
          } valid for ${result.against}`,
        );
      }
      return;
    }
    // Why each signature failed: problems, so printed even with --quiet.
    for (const p of result.problems) this.out.detail(`  ${p}`);
    throw new IagoError(
      result.total === 0
        ? `No signature for ${result.image}@${result.digest}`
        : `No valid signature for ${result.image}@${result.digest} (${result.total} checked against ${result.against})`,
      {
        hint: result.total === 0
          ? "sign it with: iago build NAME --sign (a re-pushed image needs a new signature)"
          : result.otherDigest === result.total
          ? "the signatures stored for this digest sign another image (copied there, or tampered with): sign this one with iago build NAME --sign"
          : "check that the key or identity is the one the image was signed with",
      },
    );
  },
  parameters: {
    positional: {
      kind: "tuple",
      parameters: [{
        brief: "container (machine) name, or an image reference like ghcr.io/me/web",
        parse: String,
        placeholder: "NAME",
        proposeCompletions: completeContainers,
      }],
    },
    flags: {
      tag: {
        kind: "parsed",
        parse: String,
        optional: true,
        placeholder: "TAG",
        brief: "tag to verify (default: the machine's tag, else latest)",
      },
      key: {
        kind: "parsed",
        parse: String,
        optional: true,
        placeholder: "PUB",
        brief: "public key (PEM, e.g. cosign.pub)",
      },
      certificateIdentity: {
        kind: "parsed",
        parse: String,
        optional: true,
        placeholder: "ID",
        brief: "keyless: the signer's identity (email or URI) in the certificate",
      },
      certificateIdentityRegexp: {
        kind: "parsed",
        parse: String,
        optional: true,
        placeholder: "REGEXP",
        brief: "keyless: a regular expression the identity must match",
      },
      certificateOidcIssuer: {
        kind: "parsed",
        parse: String,
        optional: true,
        placeholder: "URL",
        brief: "keyless: the OIDC issuer, e.g. https://token.actions.githubusercontent.com",
      },
      local: { kind: "boolean", default: false, brief: "verify localhost:5000/NAME" },
      ...registryTokenFlags,
      json: { kind: "boolean", default: false, brief: "print the result as JSON" },
    },
  },
  docs: {
    brief: "Verify an image's cosign signature over its current digest",
    fullDescription: [
      "Resolve the image's tag to its digest and check the cosign signatures stored for that",
      "digest (the sha256-<hex>.sig tag). Exit 0 only when one verifies.",
      "",
      "Keyless verification trusts the Fulcio certificates in SIGSTORE_ROOT_FILE and the Rekor",
      "key in SIGSTORE_REKOR_PUBLIC_KEY.",
      "",
      "Examples:",
      "  iago verify web --key cosign.pub",
      "  iago verify web --tag v2 --key cosign.pub",
      "  iago verify web --certificate-identity me@example.com \\",
      "      --certificate-oidc-issuer https://github.com/login/oauth",
    ].join("\n"),
  },
});
