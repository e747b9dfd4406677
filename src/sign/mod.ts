/** Image signing and verification in cosign's storage format. */
export * from "./cosign.ts";
export * from "./keys.ts";
export * from "./sign.ts";
export * from "./verify.ts";
export * from "./options.ts";
export * from "./pushed.ts";
