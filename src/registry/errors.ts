/**
 * The one error type of the registry client: what failed, the HTTP status, the registry's own
 * error code and message, a URL with credentials and query removed, and whether a retry can
 * help. It is an `IagoError`, so the CLI prints it as one or two lines.
 */
import { IagoError } from "../errors.ts";

export interface RegistryErrorOptions {
  /** HTTP status, or 0 when no response arrived (timeout, reset, refused). */
  status: number;
  /** The request URL; credentials and the query are removed before storing it. */
  url: string;
  /** The registry's first error code (`MANIFEST_INVALID`, `DENIED`, ...). */
  code?: string;
  /** The registry's own message for that code. */
  detail?: string;
  retryable?: boolean;
  /** From a `Retry-After` header, in milliseconds. */
  retryAfterMs?: number;
  hint?: string;
  cause?: unknown;
}

/** A registry request that failed. */
export class RegistryError extends IagoError {
  readonly status: number;
  readonly url: string;
  readonly code?: string;
  readonly detail?: string;
  readonly retryable: boolean;
  readonly retryAfterMs?: number;

  constructor(message: string, options: RegistryErrorOptions) {
    super(message, { hint: options.hint, cause: options.cause });
    this.name = "RegistryError";
    this.status = options.status;
    this.url = redactUrl(options.url);
    this.code = options.code;
    this.detail = options.detail;
    this.retryable = options.retryable ?? false;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** A URL fit for messages: no user info, no query (upload states and signed URLs live there). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = "";
    u.password = "";
    u.search = "";
    u.hash = "";
    return u.toString();
  } catch {
    return url.replace(/\/\/[^/@]*@/, "//").replace(/\?.*$/, "");
  }
}

/** The registry's `{"errors":[{"code","message"}]}` body, when there is one. */
export function parseErrorBody(text: string): { code?: string; detail?: string } {
  try {
    const json = JSON.parse(text);
    const first = Array.isArray(json?.errors) ? json.errors[0] : undefined;
    if (first && typeof first === "object") {
      return {
        code: typeof first.code === "string" ? first.code : undefined,
        detail: typeof first.message === "string" ? first.message : undefined,
      };
    }
    if (typeof json?.details === "string") return { detail: json.details };
    if (typeof json?.message === "string") return { detail: json.message };
  } catch {
    // not JSON
  }
  const line = text.trim().split("\n")[0]?.slice(0, 200);
  return line ? { detail: line } : {};
}

/**
 * How to get past a registry's refusal, from its error code (Distribution spec) or, when it
 * sent none, the status. Auth failures get their hint from the session, which knows the
 * credentials' source.
 */
export function hintFor(status: number, code: string | undefined, url: string): string | undefined {
  switch (code) {
    case "MANIFEST_UNKNOWN": {
      const repo = repositoryOf(url);
      return `check the tag or digest: it is not in that repository${
        repo ? ` ("skopeo list-tags docker://${repo}" lists its tags)` : ""
      }`;
    }
    case "NAME_UNKNOWN":
      return "check the repository name and registry: the registry has no such repository";
    case "NAME_INVALID":
      return "repository names are lowercase letters, digits and separators (. _ - /)";
    case "TAG_INVALID":
      return "tags are up to 128 letters, digits, _ . - and cannot start with . or -";
    case "BLOB_UNKNOWN":
    case "MANIFEST_BLOB_UNKNOWN":
      return "a blob the manifest lists is missing from the repository; run the command again to upload it";
    case "MANIFEST_INVALID":
    case "MANIFEST_UNVERIFIED":
      return "the registry refuses this manifest's format or media type; check that it accepts OCI images";
    case "DIGEST_INVALID":
    case "SIZE_INVALID":
    case "BLOB_UPLOAD_INVALID":
    case "BLOB_UPLOAD_UNKNOWN":
      return "the upload was cut short or altered on the way (a proxy?); run the command again";
    case "UNSUPPORTED":
      return "the registry does not support this operation";
    case "TOOMANYREQUESTS":
      return "the registry limits the request rate: wait a while, or log in for a higher limit";
    case "DENIED":
    case "UNAUTHORIZED":
      return "check that the credentials may push to and pull from this repository";
  }
  if (status === 404) return "check the registry, repository and tag or digest";
  if (status === 405) return "the registry does not allow this operation (deletes may be off)";
  if (status === 413) return "the registry or a proxy in front of it refuses bodies this large";
  if (status === 429) {
    return "the registry limits the request rate: wait a while, or log in for a higher limit";
  }
  if (status >= 500) return "the registry failed on its side; run the command again later";
  return undefined;
}

/** `HOST/REPOSITORY` of a `/v2/REPOSITORY/{manifests,blobs,tags}/...` URL. */
function repositoryOf(url: string): string | undefined {
  try {
    const u = new URL(url);
    const m = /^\/v2\/(.+?)\/(?:manifests|blobs|tags)\//.exec(u.pathname);
    return m ? `${u.host}/${m[1]}` : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a status is worth retrying: rate limits and server errors, never 4xx auth. */
export function retryableStatus(status: number): boolean {
  return status === 429 || status === 408 || (status >= 500 && status !== 501 && status !== 505);
}
