/**
 * `iago build NAME... | --all`: builds each container's bootc image from
 * `containers/NAME/Containerfile` and pushes it (or, with `--no-push`, writes
 * `output/images/NAME.tar`). One line per image; per-blob progress on a TTY.
 */
import { buildChoiceParser, buildCommand as command } from "@stricli/core";
import { IagoError } from "../../errors.ts";
import type { ContainerOutcome } from "../../oci/containers.ts";
import type { BuilderChoice } from "../../oci/pipeline.ts";
import type { ProgressEvent } from "../../registry/mod.ts";
import type { TokenFlags } from "../../registry/token_option.ts";
import type { IagoContext } from "../context.ts";
import { completeContainers } from "../names.ts";
import { printProblem } from "../report.ts";
import { registryTokenFlags } from "../flags.ts";

interface BuildFlags extends TokenFlags {
  all: boolean;
  tag?: string[];
  local: boolean;
  push: boolean;
  platform?: string;
  builder: BuilderChoice;
  compression?: "gzip" | "zstd";
  sign: boolean;
  key?: string;
}

const BUILDERS = ["auto", "native", "buildah", "podman"] as const;

export const buildCommand = command({
  func: async function (this: IagoContext, flags: BuildFlags, ...names: string[]) {
    const { buildContainers } = await import("../../oci/containers.ts");
    // Sigstore's code is loaded only to sign: a tenth of a second and ~10 MiB for every build.
    const sign = flags.sign || flags.key !== undefined
      ? await import("../../sign/mod.ts")
      : undefined;
    const single = !flags.all && names.length === 1;
    const { lockTimeoutFromEnv, withLock } = await import("../../lock.ts");
    const { tokenFromFlags } = await import("../../registry/token_option.ts");
    const token = await tokenFromFlags(flags, this.workspace.root);
    const signing = await sign?.buildSigning(flags, this.workspace.root, this.env);
    // One build at a time per workspace: two cron runs must not interleave archive writes,
    // pushes of the same tags or signatures.
    const outcomes = await withLock(this.workspace.stateDir, "build", async () => {
      const outcomes = await buildContainers(this.workspace, names, {
        all: flags.all,
        tags: flags.tag ?? [],
        local: flags.local,
        push: flags.push,
        platform: flags.platform,
        builder: flags.builder,
        compression: flags.compression,
        token,
        env: this.env,
        onProgress: this.out.interactive ? progressPrinter(this) : undefined,
        debug: this.env.IAGO_DEBUG === "1" ? (line) => this.out.info(line) : undefined,
        warn: (line) => this.out.warn(line),
      }, (o) => report(this, o, single));
      if (!sign || !signing) return outcomes;
      for (const s of await sign.signPushed(outcomes, signing)) {
        const o = outcomes.find((x) => x.name === s.name)!;
        if (s.error === undefined) {
          this.out.status(
            `${s.name}: signed ${s.image}@${s.digest} (${s.result!.mode}, ${
              s.result!.signatureTag
            })`,
          );
          continue;
        }
        Object.assign(o, { status: "failed", error: s.error });
        report(this, o, single);
      }
      return outcomes;
    }, { purpose: "build", timeoutMs: lockTimeoutFromEnv(this.env) });
    const failed = outcomes.filter((o) => o.status === "failed");
    if (single && failed.length === 1) throw failed[0].error;
    if (!single) {
      this.out.info(
        `built ${outcomes.length - failed.length} of ${outcomes.length} containers` +
          (failed.length ? `; failed: ${failed.map((o) => o.name).join(", ")}` : ""),
      );
    }
    if (failed.length > 0) {
      throw new IagoError(`${failed.length} of ${outcomes.length} containers failed`);
    }
  },
  parameters: {
    flags: {
      all: { kind: "boolean", default: false, brief: "every directory of containers/ but _shared" },
      tag: {
        kind: "parsed",
        parse: String,
        optional: true,
        variadic: true,
        placeholder: "TAG",
        brief: "tag the image TAG instead of the machine's container_tag (repeatable)",
      },
      local: { kind: "boolean", default: false, brief: "push to localhost:5000/NAME" },
      push: {
        kind: "boolean",
        default: true,
        brief: "push the image (--no-push writes output/images/NAME.tar instead)",
      },
      platform: {
        kind: "parsed",
        parse: String,
        optional: true,
        placeholder: "OS/ARCH[,...]",
        brief:
          "platforms to build, e.g. linux/amd64,linux/arm64 (an image index); default: this machine's",
      },
      builder: {
        kind: "parsed",
        parse: buildChoiceParser(BUILDERS),
        default: "auto",
        placeholder: "auto|native|buildah|podman",
        brief: "auto: native unless RUN needs buildah/podman",
      },
      compression: {
        kind: "parsed",
        parse: buildChoiceParser(["gzip", "zstd"] as const),
        optional: true,
        placeholder: "gzip|zstd",
        brief: "how new layers are compressed (default: [build] compression, gzip)",
      },
      ...registryTokenFlags,
      sign: {
        kind: "boolean",
        default: false,
        brief: "sign the pushed digest (cosign format): with --key, else keyless via Sigstore",
      },
      key: {
        kind: "parsed",
        parse: String,
        optional: true,
        placeholder: "FILE",
        brief: "private key for --sign (PEM P-256 or cosign.key with COSIGN_PASSWORD)",
      },
    },
    positional: {
      kind: "array",
      parameter: {
        brief: "containers to build",
        parse: String,
        placeholder: "NAME",
        proposeCompletions: completeContainers,
      },
    },
  },
  docs: {
    brief: "Build containers' bootc images and push them",
    fullDescription: [
      "Build containers/NAME/Containerfile without a daemon and push the image to",
      "[container_registry] url/NAME (or machine.toml's container_image), tagged with the",
      "machine's container_tag (latest by default), or with the --tag values alone, so",
      "--tag staging leaves latest where it was. RUN steps need buildah or podman (--builder",
      "auto uses them when installed). Same inputs give the same digest; an unchanged rebuild",
      "uploads nothing. SOURCE_DATE_EPOCH sets every timestamp (default 0).",
      "",
      "Prefer --token-file FILE or --token - (stdin) to --token TOKEN: a token on the command",
      "line is in the process's arguments, which every local user can read with ps.",
      "",
      "Examples:",
      "  iago build web",
      "  iago build --all",
      "  iago build web --local",
      "  iago build web --no-push",
      "  iago build web --compression zstd",
      "  iago build web --tag v1.2.3 --platform linux/amd64,linux/arm64",
      "  iago build web --token-file /etc/iago/token",
      "  iago build web --sign --key cosign.key",
      "  SIGSTORE_ID_TOKEN=... iago build web --sign",
    ].join("\n"),
  },
});

function report(ctx: IagoContext, o: ContainerOutcome, single: boolean): void {
  if (o.status === "failed") {
    ctx.out.print(`${o.name}: failed (${o.ms} ms)`);
    if (!single) printProblem(o.error, ctx.out);
    return;
  }
  const via = o.builder && o.builder !== "native" ? `, built with ${o.builder}` : "";
  const l = o.layers;
  const layers = l && l.cached + l.built > 0
    ? `; ${l.cached} layer${l.cached === 1 ? "" : "s"} from the cache, ${l.built} built`
    : "";
  if (o.status === "written") {
    ctx.out.status(
      `${o.name}: wrote ${o.archive} ${o.image}@${o.digest}${via}${layers} (${o.ms} ms)`,
    );
    return;
  }
  const p = o.push!;
  const blobs = p.uploaded === 0
    ? `no blob uploaded, ${p.existing + p.mounted} already in the registry`
    : `${p.uploaded} blob${p.uploaded === 1 ? "" : "s"} uploaded (${
      formatBytes(p.uploadedBytes)
    }), ${p.existing + p.mounted} already there`;
  ctx.out.status(
    `${o.name}: pushed ${o.image}@${o.digest} tags ${
      o.tags!.join(", ")
    }; ${blobs}${via}${layers} (${o.ms} ms)`,
  );
}

function progressPrinter(ctx: IagoContext): (container: string, e: ProgressEvent) => void {
  const started = new Map<string, number>();
  return (container, e) => {
    if (e.state === "uploading" || e.state === "downloading") {
      if (!started.has(e.digest)) started.set(e.digest, performance.now());
      return;
    }
    const short = e.digest.slice(7, 19);
    const t0 = started.get(e.digest);
    const secs = t0 === undefined ? 0 : (performance.now() - t0) / 1000;
    const rate = secs > 0 ? `, ${formatBytes(e.bytes / secs)}/s` : "";
    ctx.out.info(`  ${container} ${short} ${e.state} ${formatBytes(e.total || e.bytes)}${rate}`);
  };
}

function formatBytes(n: number): string {
  if (n < 1024) return `${Math.round(n)} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 / 1024 / 1024).toFixed(2)} GiB`;
}
