/** The registry client and its vocabulary. */
export * from "./auth.ts";
export * from "./client.ts";
export * from "./errors.ts";
export * from "./reference.ts";
export { DEFAULT_RETRY, type RetryPolicy, withRetries } from "./http.ts";
export * from "./credentials.ts";
export * from "./referrers.ts";
