/**
 * `iago verify` below the CLI: which image a container name means (the machine's
 * `container_image`, else `[container_registry] url/NAME`; `--local` is localhost:5000), what
 * digest its tag points to now, and whether a signature over that digest verifies.
 */
import { loadDefaults, loadMachine } from "../config/mod.ts";
import { IagoError } from "../errors.ts";
import {
  isInsecureRegistry,
  parseImageReference,
  RegistryClient,
  registryUsername,
  resolveCredentials,
} from "../registry/mod.ts";
import { checkMachineName, type Workspace } from "../workspace.ts";
import { type VerificationFlags, verificationPolicy } from "./options.ts";
import { verifyImage, type VerifyResult } from "./verify.ts";

export interface VerifyContainerOptions extends VerificationFlags {
  tag?: string;
  local: boolean;
  token?: string;
  env: Readonly<Record<string, string | undefined>>;
  debug?: (line: string) => void;
}

export interface ContainerVerification extends VerifyResult {
  /** `registry/repository:tag` */
  image: string;
  digest: string;
  /** What was checked against: `key cosign.pub` or `identity ... from ...`. */
  against: string;
}

/**
 * Verifies the image of container `name` (or an image reference containing `/`). Throws an
 * `IagoError` when the tag does not exist or the registry fails; returns the result otherwise.
 */
export async function verifyContainer(
  ws: Workspace,
  name: string,
  options: VerifyContainerOptions,
): Promise<ContainerVerification> {
  const policy = await verificationPolicy(options, ws.root, options.env);
  const defaults = await loadDefaults(ws);
  let image: string;
  let tag = options.tag;
  if (name.includes("/")) {
    const ref = parseImageReference(name);
    image = `${ref.registry}/${ref.repository}`;
    tag ??= ref.tag;
  } else {
    checkMachineName(name);
    image = `${defaults.containerRegistry.url}/${name}`;
    try {
      await Deno.lstat(ws.machineFile(name));
      const machine = await loadMachine(ws, name, defaults);
      image = machine.containerImage;
      tag ??= machine.containerTag;
    } catch (err) {
      if (err instanceof IagoError) throw err;
    }
    if (options.local) image = `localhost:5000/${name}`;
  }
  tag ??= "latest";
  const ref = parseImageReference(`${image}:${tag}`);
  const client = new RegistryClient(ref.registry, {
    insecure: isInsecureRegistry(ref.registry, defaults.containerRegistry.insecure),
    credentials: resolveCredentials({
      token: options.token,
      env: options.env,
      username: registryUsername(defaults),
      onepasswordReference: defaults.secrets.onepasswordReference,
      tokenRegistries: [ref.registry],
    }),
    debug: options.debug,
  });
  const shown = `${ref.registry}/${ref.repository}:${tag}`;
  const digest = await client.resolveTag(ref.repository, tag);
  if (!digest) {
    throw new IagoError(`Cannot verify ${shown}: no such tag in the registry`, {
      hint: `build and push it first: iago build ${name.includes("/") ? "NAME" : name}`,
    });
  }
  const result = await verifyImage({
    client,
    repo: ref.repository,
    digest,
    publicKey: policy.publicKey,
    keyless: policy.keyless,
  });
  return { ...result, image: shown, digest, against: policy.describe };
}
