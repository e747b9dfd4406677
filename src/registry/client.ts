/**
 * A client for one OCI registry (Distribution spec): blobs and manifests in and out, with
 * authentication answered from the registry's own challenges, retries and timeouts from
 * `http.ts`, and every failure a `RegistryError`. The client is silent: it reports through
 * `onProgress` and `debug` and the caller decides what to print.
 */
import { createHash } from "node:crypto";
import { type CredentialProvider, parseChallenge, repositoryScope } from "./auth.ts";
import { bodyOf, chunks, readAll, sha256, withQuery } from "./_bytes.ts";
import { RegistryError } from "./errors.ts";
import { DEFAULT_RETRY, responseError, type RetryPolicy, send, withRetries } from "./http.ts";
import { AuthSession } from "./session.ts";

export { sha256, withQuery } from "./_bytes.ts";

/** One step of a blob's transfer, for progress displays. */
export interface ProgressEvent {
  digest: string;
  /** Blob size in bytes (0 when unknown). */
  total: number;
  /** Bytes moved so far. */
  bytes: number;
  state: "uploading" | "exists" | "mounted" | "uploaded" | "downloading" | "downloaded";
}

export interface RegistryClientOptions {
  /** Plain HTTP instead of TLS. */
  insecure?: boolean;
  credentials?: CredentialProvider;
  /** Idle timeout of every request in milliseconds; default 30 000. */
  timeoutMs?: number;
  onProgress?: (e: ProgressEvent) => void;
  /** Request lines for `IAGO_DEBUG` (method, URL without query, status); never headers. */
  debug?: (line: string) => void;
  retry?: Partial<RetryPolicy>;
  /** Chunk size of the chunked-upload fallback; default 16 MiB. */
  chunkSize?: number;
  /**
   * Ends every request under way and every wait between retries at once (a command stopped
   * by a signal); they reject with the signal's reason.
   */
  signal?: AbortSignal;
}

export interface Manifest {
  bytes: Uint8Array;
  mediaType: string;
  digest: string;
}

/** What `Accept` says on manifest GETs; Distribution answers 404 without it. */
export const MANIFEST_MEDIA_TYPES = [
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
] as const;

/** Blobs up to this size are buffered so the upload has a Content-Length. */
const BUFFER_LIMIT = 4 * 1024 * 1024;

interface RequestSpec {
  /** "push blob sha256:... to NAME": the start of the error message. */
  what: string;
  method: string;
  /** A path under the registry (`/v2/...`) or an absolute URL. */
  url: string;
  headers?: Record<string, string>;
  body?: () => BodyInit | null;
  scopes: string[];
  expect: number[];
  /** Statuses returned to the caller instead of thrown. */
  allow?: number[];
  /** Retry this request on retryable failures; off when the caller retries a whole sequence. */
  retry?: boolean;
}

/** A client for one registry host. */
export class RegistryClient {
  readonly registry: string;
  readonly #base: string;
  readonly #options: RegistryClientOptions;
  readonly #timeoutMs: number;
  readonly #retry: RetryPolicy;
  readonly #auth: AuthSession;

  constructor(registry: string, options: RegistryClientOptions = {}) {
    this.registry = registry;
    this.#base = `${options.insecure ? "http" : "https"}://${registry}`;
    this.#options = options;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#retry = { ...DEFAULT_RETRY, ...options.retry };
    this.#auth = new AuthSession(registry, this.#base, options.credentials, {
      insecure: options.insecure ?? false,
      timeoutMs: this.#timeoutMs,
      debug: options.debug,
      signal: options.signal,
    });
  }

  /** Whether the blob is in the repository (HEAD). */
  async hasBlob(repo: string, digest: string): Promise<boolean> {
    const res = await this.#request({
      what: `check blob ${digest} in ${this.#name(repo)}`,
      method: "HEAD",
      url: `/v2/${repo}/blobs/${digest}`,
      scopes: [repositoryScope(repo, "pull")],
      expect: [200],
      allow: [404],
    });
    await res.body?.cancel();
    return res.status === 200;
  }

  /**
   * The manifest or index `reference` (a tag or digest) points to, with its exact bytes, its
   * media type and its digest (checked against `reference` when that is a digest).
   */
  async getManifest(repo: string, reference: string): Promise<Manifest> {
    const what = `get manifest ${this.#name(repo)}${refSuffix(reference)}`;
    const res = await this.#request({
      what,
      method: "GET",
      url: `/v2/${repo}/manifests/${reference}`,
      headers: { accept: MANIFEST_MEDIA_TYPES.join(", ") },
      scopes: [repositoryScope(repo, "pull")],
      expect: [200],
    });
    const bytes = new Uint8Array(await res.arrayBuffer());
    const digest = sha256(bytes);
    if (reference.includes(":") && reference !== digest) {
      throw new RegistryError(`Cannot ${what}: the registry sent content with digest ${digest}`, {
        status: res.status,
        url: this.#url(`/v2/${repo}/manifests/${reference}`),
      });
    }
    let mediaType = res.headers.get("content-type")?.split(";")[0].trim() ?? "";
    try {
      const declared = JSON.parse(new TextDecoder().decode(bytes)).mediaType;
      if (typeof declared === "string" && declared) mediaType = declared;
    } catch {
      // not JSON: keep the header's type
    }
    return { bytes, mediaType, digest };
  }

  /** The digest of the manifest a tag points to (HEAD), or undefined when the tag is absent. */
  async resolveTag(repo: string, tag: string): Promise<string | undefined> {
    const res = await this.#request({
      what: `resolve ${this.#name(repo)}:${tag}`,
      method: "HEAD",
      url: `/v2/${repo}/manifests/${tag}`,
      headers: { accept: MANIFEST_MEDIA_TYPES.join(", ") },
      scopes: [repositoryScope(repo, "pull")],
      expect: [200],
      allow: [404],
    });
    await res.body?.cancel();
    if (res.status === 404) return undefined;
    return res.headers.get("docker-content-digest") ?? (await this.getManifest(repo, tag)).digest;
  }

  /**
   * A stream of the blob's bytes. The stream errors at its end when the bytes do not hash to
   * `digest`, so a corrupt or substituted blob is never silently accepted.
   */
  async getBlob(repo: string, digest: string): Promise<ReadableStream<Uint8Array>> {
    const res = await this.#request({
      what: `get blob ${digest} from ${this.#name(repo)}`,
      method: "GET",
      url: `/v2/${repo}/blobs/${digest}`,
      scopes: [repositoryScope(repo, "pull")],
      expect: [200],
    });
    const total = Number(res.headers.get("content-length") ?? 0);
    const hash = createHash("sha256");
    const progress = this.#options.onProgress;
    let bytes = 0;
    const url = this.#url(`/v2/${repo}/blobs/${digest}`);
    return res.body!.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          hash.update(chunk);
          bytes += chunk.length;
          progress?.({ digest, total, bytes, state: "downloading" });
          controller.enqueue(chunk);
        },
        flush() {
          const got = `sha256:${hash.digest("hex")}`;
          if (digest.startsWith("sha256:") && got !== digest) {
            throw new RegistryError(`Blob ${digest} arrived with digest ${got}`, {
              status: 200,
              url,
              hint: "the registry or a proxy altered the blob; try again",
            });
          }
          progress?.({ digest, total, bytes, state: "downloaded" });
        },
      }),
    );
  }

  /**
   * Puts a blob into `repo`: nothing when it is there already (HEAD), a cross-repository
   * mount when `mountFrom` is given and the registry allows it, else a monolithic upload with a
   * chunked fallback for registries (or proxies) that refuse large or unsized bodies. `body` is
   * called again for every retry.
   */
  async pushBlob(
    repo: string,
    desc: { digest: string; size: number },
    body: () => ReadableStream<Uint8Array>,
    options: { mountFrom?: string } = {},
  ): Promise<"exists" | "mounted" | "uploaded"> {
    const progress = (bytes: number, state: ProgressEvent["state"]) =>
      this.#options.onProgress?.({ digest: desc.digest, total: desc.size, bytes, state });
    if (await this.hasBlob(repo, desc.digest)) {
      progress(desc.size, "exists");
      return "exists";
    }
    const what = `push blob ${desc.digest} to ${this.#name(repo)}`;
    const scopes = [repositoryScope(repo, "push,pull")];
    let buffered: Uint8Array | undefined;
    const result = await withRetries(
      async () => {
        let query = "";
        const startScopes = [...scopes];
        if (options.mountFrom && options.mountFrom !== repo) {
          query = `?mount=${encodeURIComponent(desc.digest)}&from=${
            encodeURIComponent(options.mountFrom)
          }`;
          startScopes.push(repositoryScope(options.mountFrom, "pull"));
        }
        const start = await this.#request({
          what,
          method: "POST",
          url: `/v2/${repo}/blobs/uploads/${query}`,
          scopes: startScopes,
          expect: [201, 202],
          retry: false,
        });
        await start.body?.cancel();
        if (start.status === 201) return "mounted" as const;
        const location = this.#location(start, what);
        if (!buffered && desc.size <= BUFFER_LIMIT) buffered = await readAll(body(), desc.size);
        const put = await this.#request({
          what,
          method: "PUT",
          url: withQuery(location, "digest", desc.digest),
          headers: { "content-type": "application/octet-stream" },
          body: () => {
            progress(0, "uploading");
            if (buffered) return buffered as Uint8Array<ArrayBuffer>;
            let sent = 0;
            return body().pipeThrough(
              new TransformStream<Uint8Array, Uint8Array>({
                transform(chunk, controller) {
                  sent += chunk.length;
                  progress(sent, "uploading");
                  controller.enqueue(chunk);
                },
              }),
            );
          },
          scopes,
          expect: [201],
          allow: [411, 413],
          retry: false,
        });
        await put.body?.cancel();
        if (put.status === 201) return "uploaded" as const;
        return await this.#chunkedUpload(repo, desc, buffered ? () => bodyOf(buffered!) : body);
      },
      this.#retry,
      this.#onRetry,
      this.#options.signal,
    );
    progress(desc.size, result);
    return result;
  }

  /**
   * Pushes manifest `bytes` exactly as given with `Content-Type: mediaType` under `reference`
   * (a tag or their digest). Returns their digest.
   */
  async putManifest(
    repo: string,
    reference: string,
    bytes: Uint8Array,
    mediaType: string,
  ): Promise<string> {
    return (await this.putManifestDetailed(repo, reference, bytes, mediaType)).digest;
  }

  /** `putManifest`, also telling whether the registry indexed its `subject` (OCI 1.1). */
  async putManifestDetailed(
    repo: string,
    reference: string,
    bytes: Uint8Array,
    mediaType: string,
  ): Promise<{ digest: string; subjectIndexed: boolean }> {
    const digest = sha256(bytes);
    const res = await this.#request({
      what: `push manifest ${this.#name(repo)}${refSuffix(reference)}`,
      method: "PUT",
      url: `/v2/${repo}/manifests/${reference}`,
      headers: { "content-type": mediaType },
      body: () => bytes as Uint8Array<ArrayBuffer>,
      scopes: [repositoryScope(repo, "push,pull")],
      expect: [201],
    });
    await res.body?.cancel();
    return { digest, subjectIndexed: res.headers.has("oci-subject") };
  }

  /** Every tag of `repo`, following `Link` pagination. */
  async listTags(repo: string): Promise<string[]> {
    const tags: string[] = [];
    let url: string | undefined = `/v2/${repo}/tags/list?n=1000`;
    while (url) {
      const res: Response = await this.#request({
        what: `list tags of ${this.#name(repo)}`,
        method: "GET",
        url,
        scopes: [repositoryScope(repo, "pull")],
        expect: [200],
      });
      const json = await res.json();
      if (Array.isArray(json?.tags)) tags.push(...json.tags);
      const next = /<([^>]+)>\s*;\s*rel="?next"?/.exec(res.headers.get("link") ?? "");
      url = next ? next[1] : undefined;
    }
    return tags;
  }

  /** Deletes the manifest with `digest` (registries may answer 405 when deletes are off). */
  async deleteManifest(repo: string, digest: string): Promise<void> {
    const res = await this.#request({
      what: `delete manifest ${this.#name(repo)}@${digest}`,
      method: "DELETE",
      url: `/v2/${repo}/manifests/${digest}`,
      scopes: [repositoryScope(repo, "delete")],
      expect: [202, 200],
    });
    await res.body?.cancel();
  }

  /**
   * The raw referrers API answer for `digest` (an OCI index), or undefined when the registry
   * has no referrers API (Distribution 2.8, ghcr.io), so the caller uses the tag fallback.
   */
  async getReferrersApi(repo: string, digest: string): Promise<Uint8Array | undefined> {
    const res = await this.#request({
      what: `list referrers of ${this.#name(repo)}@${digest}`,
      method: "GET",
      url: `/v2/${repo}/referrers/${digest}`,
      headers: { accept: "application/vnd.oci.image.index.v1+json" },
      scopes: [repositoryScope(repo, "pull")],
      expect: [200],
      allow: [404, 400, 405],
    });
    const type = res.headers.get("content-type") ?? "";
    if (res.status !== 200 || !type.startsWith("application/vnd.oci.image.index.v1+json")) {
      await res.body?.cancel();
      return undefined;
    }
    return new Uint8Array(await res.arrayBuffer());
  }

  /** A manifest by tag or digest, or undefined when it does not exist. */
  async findManifest(repo: string, reference: string): Promise<Manifest | undefined> {
    try {
      return await this.getManifest(repo, reference);
    } catch (err) {
      if (err instanceof RegistryError && err.status === 404) return undefined;
      throw err;
    }
  }

  async #chunkedUpload(
    repo: string,
    desc: { digest: string; size: number },
    body: () => ReadableStream<Uint8Array>,
  ): Promise<"uploaded"> {
    const what = `push blob ${desc.digest} to ${this.#name(repo)} in chunks`;
    const scopes = [repositoryScope(repo, "push,pull")];
    const chunkSize = this.#options.chunkSize ?? 16 * 1024 * 1024;
    const start = await this.#request({
      what,
      method: "POST",
      url: `/v2/${repo}/blobs/uploads/`,
      scopes,
      expect: [202],
      retry: false,
    });
    await start.body?.cancel();
    let location = this.#location(start, what);
    let offset = 0;
    for await (const chunk of chunks(body(), chunkSize)) {
      const res = await this.#request({
        what,
        method: "PATCH",
        url: location,
        headers: {
          "content-type": "application/octet-stream",
          "content-range": `${offset}-${offset + chunk.length - 1}`,
        },
        body: () => chunk as Uint8Array<ArrayBuffer>,
        scopes,
        expect: [202],
        retry: false,
      });
      await res.body?.cancel();
      location = this.#location(res, what);
      offset += chunk.length;
      this.#options.onProgress?.({
        digest: desc.digest,
        total: desc.size,
        bytes: offset,
        state: "uploading",
      });
    }
    const done = await this.#request({
      what,
      method: "PUT",
      url: withQuery(location, "digest", desc.digest),
      scopes,
      expect: [201],
      retry: false,
    });
    await done.body?.cancel();
    return "uploaded";
  }

  #onRetry = (err: RegistryError, delayMs: number) =>
    this.#options.debug?.(`retrying in ${Math.round(delayMs)} ms: ${err.message}`);

  #name(repo: string): string {
    return `${this.registry}/${repo}`;
  }

  #url(pathOrUrl: string): string {
    return new URL(pathOrUrl, this.#base).toString();
  }

  /** The upload URL from `Location`, which may be relative and may carry a query already. */
  #location(res: Response, what: string): string {
    const location = res.headers.get("location");
    if (!location) {
      throw new RegistryError(`Cannot ${what}: the registry gave no upload location`, {
        status: res.status,
        url: this.#base,
      });
    }
    return new URL(location, this.#base).toString();
  }

  #request(spec: RequestSpec): Promise<Response> {
    if (spec.retry === false) return this.#attempt(spec);
    return withRetries(
      () => this.#attempt(spec),
      this.#retry,
      this.#onRetry,
      this.#options.signal,
    );
  }

  /** One request, answering up to two auth challenges (first contact, then a token refresh). */
  async #attempt(spec: RequestSpec): Promise<Response> {
    const url = this.#url(spec.url);
    const ours = new URL(url).origin === new URL(this.#base).origin;
    for (let round = 0;; round++) {
      const authorization = ours
        ? await this.#auth.authorization(spec.scopes, spec.what)
        : undefined;
      const res = await send(
        { method: spec.method, url, headers: spec.headers, body: spec.body, authorization },
        { timeoutMs: this.#timeoutMs, debug: this.#options.debug, signal: this.#options.signal },
      );
      if (spec.expect.includes(res.status) || spec.allow?.includes(res.status)) return res;
      const challenge = parseChallenge(res.headers.get("www-authenticate"));
      const authFailure = res.status === 401 ||
        (res.status === 403 && challenge?.error === "insufficient_scope");
      if (authFailure && challenge && ours && round < 2) {
        await res.body?.cancel();
        if (await this.#auth.learn(challenge, authorization !== undefined)) continue;
      }
      if (res.status === 401 || res.status === 403) {
        throw await this.#auth.authError(spec.what, res, url);
      }
      throw await responseError(`Cannot ${spec.what}`, res, url);
    }
  }
}

function refSuffix(reference: string): string {
  return reference.includes(":") ? `@${reference}` : `:${reference}`;
}
