/**
 * The container scaffold `iago init` writes to `containers/NAME/`: embedded eta templates,
 * each replaceable by a file of the same path under the workspace's `containers/_shared/`.
 */
import { Eta } from "eta";
import { join } from "node:path";
import { IagoError } from "../errors.ts";
import { readTextIfExists } from "../fsutil.ts";
import type { Workspace } from "../workspace.ts";
import containerfile from "./container/Containerfile" with { type: "text" };
import readme from "./container/README.md" with { type: "text" };
import appEnv from "./container/config/app.env" with { type: "text" };
import health from "./container/scripts/health.sh" with { type: "text" };
import hello from "./container/scripts/hello.sh" with { type: "text" };
import init from "./container/scripts/init.sh" with { type: "text" };
import sysusers from "./container/sysusers.d/app.conf" with { type: "text" };
import appService from "./container/systemd/app.service" with { type: "text" };
import smoke from "./container/tests/smoke.sh" with { type: "text" };
import tmpfiles from "./container/tmpfiles.d/app.conf" with { type: "text" };
import { strictContext } from "../render/strict.ts";

/** What the scaffold templates see as `it`. */
export interface ContainerScaffoldContext {
  /** The machine name. */
  name: string;
  /** The application's user and the stem of its unit: `NAME-app`. */
  appUser: string;
  /** `[scaffold] base_image`. */
  baseImage: string;
  /** The image reference the machine will run: `REGISTRY/NAME:latest`. */
  image: string;
}

interface Asset {
  /** Path under `containers/_shared/` that replaces the embedded text. */
  template: string;
  /** Path in `containers/NAME/`; `app` is replaced by `NAME-app`. */
  target: string;
  text: string;
  mode: number;
}

/** The scaffold's files, in the order they are written. */
export const CONTAINER_ASSETS: readonly Asset[] = [
  { template: "Containerfile", target: "Containerfile", text: containerfile, mode: 0o644 },
  { template: "README.md", target: "README.md", text: readme, mode: 0o644 },
  { template: "scripts/hello.sh", target: "scripts/hello.sh", text: hello, mode: 0o755 },
  { template: "scripts/health.sh", target: "scripts/health.sh", text: health, mode: 0o755 },
  { template: "scripts/init.sh", target: "scripts/init.sh", text: init, mode: 0o755 },
  { template: "systemd/app.service", target: "systemd/app.service", text: appService, mode: 0o644 },
  { template: "sysusers.d/app.conf", target: "sysusers.d/app.conf", text: sysusers, mode: 0o644 },
  { template: "tmpfiles.d/app.conf", target: "tmpfiles.d/app.conf", text: tmpfiles, mode: 0o644 },
  { template: "config/app.env", target: "config/app.env", text: appEnv, mode: 0o644 },
  { template: "tests/smoke.sh", target: "tests/smoke.sh", text: smoke, mode: 0o755 },
];

const eta = new Eta({ autoEscape: false, autoTrim: false, useWith: false, cache: false });

/** One rendered scaffold file. */
export interface ScaffoldFile {
  /** Path relative to `containers/NAME/`. */
  path: string;
  text: string;
  mode: number;
  /** Where the template came from: `embedded` or a workspace-relative `containers/_shared/...`. */
  source: string;
}

/**
 * Renders the container scaffold for `ctx`, taking each template from `containers/_shared/`
 * when the workspace has it. Throws an `IagoError` naming a shared template that fails.
 */
export async function renderContainerScaffold(
  ws: Workspace,
  ctx: ContainerScaffoldContext,
): Promise<ScaffoldFile[]> {
  const files: ScaffoldFile[] = [];
  for (const asset of CONTAINER_ASSETS) {
    const sharedPath = join(ws.sharedContainerDir, asset.template);
    const shared = await readTextIfExists(sharedPath);
    const source = shared === undefined ? "embedded" : ws.relative(sharedPath);
    files.push({
      path: asset.target.replace(/(^|\/)app\.(service|conf)$/, `$1${ctx.appUser}.$2`),
      text: render(shared ?? asset.text, ctx, source),
      mode: asset.mode,
      source,
    });
  }
  return files;
}

/** The enabling link: `systemd/multi-user.target.wants/NAME-app.service`. */
export function wantsLink(ctx: ContainerScaffoldContext): { path: string; target: string } {
  return {
    path: `systemd/multi-user.target.wants/${ctx.appUser}.service`,
    target: `../${ctx.appUser}.service`,
  };
}

function render(text: string, ctx: ContainerScaffoldContext, source: string): string {
  try {
    return eta.renderString(text, strictContext(ctx));
  } catch (err) {
    const message = err instanceof Error ? err.message.split("\n")[0] : String(err);
    const pos = /^(.*?) at line (\d+) col (\d+)/.exec(message);
    throw new IagoError(`Cannot render scaffold template: ${pos ? pos[1] : message}`, {
      at: pos ? { file: source, line: Number(pos[2]), col: Number(pos[3]) } : { file: source },
      hint:
        "scaffold templates are eta: <%= it.name %>, <%= it.appUser %>, <%= it.baseImage %>, <%= it.image %>",
      cause: err,
    });
  }
}
