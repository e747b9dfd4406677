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

/** Whether a status is worth retrying: rate limits and server errors, never 4xx auth. */
export function retryableStatus(status: number): boolean {
  return status === 429 || status === 408 || (status >= 500 && status !== 501 && status !== 505);
}
