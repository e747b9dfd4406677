/**
 * Image references as users write them (`ghcr.io/me/web:latest`, `alpine`, `localhost:5000/x@sha256:...`),
 * normalised the way Docker does: no registry means Docker Hub, whose API host is
 * `registry-1.docker.io` and whose single-component names live under `library/`.
 */
import { UsageError } from "../errors.ts";

export interface ImageReference {
  /** API host, with port when given: `ghcr.io`, `127.0.0.1:5000`, `registry-1.docker.io`. */
  registry: string;
  /** `me/web`, `library/alpine`. */
  repository: string;
  tag?: string;
  /** `sha256:<hex>` */
  digest?: string;
}

export const DOCKER_HUB_REGISTRY = "registry-1.docker.io";
const DOCKER_HUB_ALIASES = new Set(["docker.io", "index.docker.io", "registry-1.docker.io"]);

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;

/**
 * Parses `[registry/]repository[:tag][@digest]`. Throws a `UsageError` naming the reference
 * when it is not valid.
 */
export function parseImageReference(ref: string): ImageReference {
  const bad = (why: string) =>
    new UsageError(`Invalid image reference "${ref}": ${why}`, {
      hint: "write it as [registry/]name[:tag][@sha256:digest], e.g. ghcr.io/me/web:latest",
    });
  if (ref === "" || /\s/.test(ref)) throw bad("empty or contains spaces");
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw bad(`"${digest}" is not a digest`);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw bad(`"${tag}" is not a valid tag`);
  }
  const parts = rest.split("/");
  let registry: string;
  if (parts.length > 1 && (/[.:]/.test(parts[0]) || parts[0] === "localhost")) {
    registry = parts.shift()!;
  } else {
    registry = DOCKER_HUB_REGISTRY;
  }
  if (DOCKER_HUB_ALIASES.has(registry)) {
    registry = DOCKER_HUB_REGISTRY;
    if (parts.length === 1) parts.unshift("library");
  }
  for (const p of parts) {
    if (!COMPONENT.test(p)) {
      throw bad(`"${p}" is not a valid name component (lowercase letters, digits, . _ -)`);
    }
  }
  const repository = parts.join("/");
  if (repository.length > 255) throw bad("the name is longer than 255 characters");
  return { registry, repository, tag, digest };
}

/** `registry/repository[:tag][@digest]`, the way it would be parsed back. */
export function formatImageReference(ref: ImageReference): string {
  let out = `${ref.registry}/${ref.repository}`;
  if (ref.tag) out += `:${ref.tag}`;
  if (ref.digest) out += `@${ref.digest}`;
  return out;
}

/** Whether two registry hosts name the same registry (Docker Hub has several names). */
export function sameRegistry(a: string, b: string): boolean {
  const norm = (h: string) => DOCKER_HUB_ALIASES.has(h) ? DOCKER_HUB_REGISTRY : h.toLowerCase();
  return norm(a) === norm(b);
}

/**
 * Whether plain HTTP is used for `registry`: loopback (`localhost`, `127.0.0.0/8`, `::1`)
 * and the hosts listed in `[container_registry] insecure`.
 */
export function isInsecureRegistry(registry: string, insecure: readonly string[] = []): boolean {
  const host = registry.startsWith("[")
    ? registry.slice(1, registry.indexOf("]"))
    : registry.replace(/:\d+$/, "");
  if (host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host)) return true;
  return insecure.some((h) => h === registry || h === host);
}
