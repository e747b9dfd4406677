/**
 * A machine's pointer config: the small Ignition config it boots with where its real one cannot
 * be given (a cloud's user data, a hypervisor's or ISO's embedded config, a PXE image), telling
 * Ignition to fetch the machine's config from `iago serve` and use it instead
 * (`ignition.config.replace`), as the Fedora CoreOS docs do for a remote config.
 */
import { makeDataUrl } from "../butane/base/dataurl.ts";
import { UsageError } from "../errors.ts";
import { formatFinding, validateIgnition } from "../ignition/validate.ts";
import type { Workspace } from "../workspace.ts";
import { machineLinks } from "./links.ts";
import { machineUrls } from "./urls.ts";

/** The spec version of iago's configs (Butane fcos 1.5.0), which every Ignition since 2.15 reads. */
const POINTER_VERSION = "3.4.0";

/**
 * The pointer config (JSON, one line) of machine `name`: its config URL under `baseUrl`, with
 * its token (made when it has none), and `ca` (PEM certificates, for an HTTPS server whose
 * certificate machines would not trust otherwise) as CAs Ignition trusts besides the system's.
 * Throws a `UsageError` when Ignition would refuse the URL or `ca` holds no PEM certificate
 * (before any token is made), or there is no such machine.
 */
export async function machinePointer(
  ws: Workspace,
  name: string,
  baseUrl: string,
  options: { ca?: string; onWarning: (message: string) => void },
): Promise<string> {
  const { ca } = options;
  if (ca !== undefined && !/^-----BEGIN CERTIFICATE-----$/m.test(ca)) {
    throw new UsageError("--ca holds no PEM certificate", {
      hint: "give the CA certificate (-----BEGIN CERTIFICATE-----) that signed --cert",
    });
  }
  if (ca !== undefined && !baseUrl.startsWith("https://")) {
    throw new UsageError(`--ca is for an https:// --url, not "${baseUrl}"`, {
      hint: "serve HTTPS with --cert and --key, and give --url https://HOST:PORT",
    });
  }
  const problem = validateIgnition(pointer(machineUrls(baseUrl, { name }, "T").ignition, ca))[0];
  if (problem) {
    throw new UsageError(
      `Cannot point a machine at --url "${baseUrl}": ${formatFinding(problem)}`,
      {
        hint: "give the address machines reach this server at: http://HOST:PORT or https://...",
      },
    );
  }
  const [link] = await machineLinks(ws, [name], baseUrl, options);
  return JSON.stringify(pointer(link.ignition, ca));
}

function pointer(configUrl: string, ca?: string) {
  const tls = ca === undefined ? {} : {
    security: {
      tls: {
        certificateAuthorities: [{
          source: makeDataUrl(new TextEncoder().encode(ca), false).source,
        }],
      },
    },
  };
  return {
    ignition: { version: POINTER_VERSION, config: { replace: { source: configUrl } }, ...tls },
  };
}
