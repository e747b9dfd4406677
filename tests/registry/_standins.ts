/**
 * A small stand-in in front of the real registry, for what Distribution's htpasswd mode cannot
 * show: a Bearer token service on another host (scopes, expiry, insufficient_scope), injected
 * 429/503/413 answers and connection resets, and blob GETs redirected to a "CDN" host that
 * records whether it was sent an `Authorization` header. Everything else is forwarded to the
 * real registry, whose absolute upload `Location`s are rewritten to relative ones.
 */

export interface Fault {
  method?: string;
  /** Matches when the request path contains this. */
  path?: string;
  /**
   * A status to answer with, "reset" to close the connection without an answer, or "expire"
   * to invalidate every token just before the request is checked.
   */
  action: number | "reset" | "expire";
  /** How many matching requests it hits; default 1. */
  times?: number;
  /** Only for bodies larger than this (for 413 on monolithic uploads). */
  minBody?: number;
}

export interface StandinOptions {
  /** `127.0.0.1:PORT` of the real registry. */
  upstream: string;
  /** Require Bearer tokens from a token service on another port. */
  bearer?: {
    /** Basic credentials the token service accepts; without them every token is anonymous. */
    user?: string;
    password?: string;
    /** Allow anonymous tokens for pull scopes. */
    anonymousPull?: boolean;
  };
  /** Blob GETs answer 307 to a second host. */
  redirectBlobs?: boolean;
  /** Blob GETs get their first byte flipped, as a broken proxy would. */
  tamperBlobs?: boolean;
  /** Serve the OCI 1.1 referrers API (Distribution 2.8 has none): index manifests with a subject. */
  referrersApi?: boolean;
  faults?: Fault[];
}

export interface Standin {
  host: string;
  /** Every request the front saw: `METHOD /path -> status`. */
  log: string[];
  /** The `scope` parameters of every token request, and whether it carried credentials. */
  tokenRequests: { scopes: string[]; withCredentials: boolean; authorization?: string }[];
  /** Authorization headers the redirect target received. */
  cdnAuthorizations: (string | null)[];
  /** Every Bearer token the token service issued (to check that none is ever printed). */
  issuedTokens: string[];
  /** Makes every issued token invalid, as if it expired. */
  expireTokens(): void;
  faults: Fault[];
  stop(): Promise<void>;
}

interface Grant {
  scopes: Set<string>;
  valid: boolean;
}

/** Starts the stand-in; `stop()` closes all of its servers. */
export function startStandin(options: StandinOptions): Standin {
  const log: string[] = [];
  const tokenRequests: Standin["tokenRequests"] = [];
  const cdnAuthorizations: (string | null)[] = [];
  const issuedTokens: string[] = [];
  const faults = options.faults ?? [];
  const grants = new Map<string, Grant>();
  const referrerIndex = new Map<
    string,
    { mediaType: string; digest: string; size: number; artifactType?: string }[]
  >();
  const servers: Deno.HttpServer[] = [];
  const listen = { hostname: "127.0.0.1", port: 0, onListen() {} };

  const takeFault = (method: string, path: string, bodySize?: number) => {
    const f = faults.find((f) =>
      typeof f.action === "number" && (f.times ?? 1) > 0 && (!f.method || f.method === method) &&
      (!f.path || path.includes(f.path)) &&
      (f.minBody === undefined || (bodySize ?? 0) > f.minBody)
    );
    if (f) f.times = (f.times ?? 1) - 1;
    return f;
  };

  const tokenServer = Deno.serve(listen, (req) => {
    const url = new URL(req.url);
    const scopes = url.searchParams.getAll("scope");
    const auth = req.headers.get("authorization");
    tokenRequests.push({
      scopes,
      withCredentials: auth !== null,
      authorization: auth ?? undefined,
    });
    const bearer = options.bearer!;
    let authenticated = false;
    if (auth) {
      const [user, password] = atob(auth.replace(/^Basic /, "")).split(":");
      if (user !== bearer.user || password !== bearer.password) {
        return Response.json({ details: "incorrect username or password" }, { status: 401 });
      }
      authenticated = true;
    }
    const granted = new Set<string>();
    for (const s of scopes.flatMap((s) => s.split(" "))) {
      const i = s.lastIndexOf(":");
      for (const action of s.slice(i + 1).split(",")) {
        if (authenticated || (bearer.anonymousPull && action === "pull")) {
          granted.add(`${s.slice(0, i)}:${action}`);
        }
      }
    }
    const token = crypto.randomUUID();
    grants.set(token, { scopes: granted, valid: true });
    issuedTokens.push(token);
    return Response.json({ token, expires_in: 300 });
  });
  servers.push(tokenServer);
  const realm = `http://127.0.0.1:${tokenServer.addr.port}/token`;

  const forward = async (req: Request, path: string): Promise<Response> => {
    const url = new URL(req.url);
    const headers = new Headers(req.headers);
    headers.delete("authorization");
    headers.delete("host");
    const res = await fetch(`http://${options.upstream}${path}${url.search}`, {
      method: req.method,
      headers,
      body: req.body,
      redirect: "manual",
    });
    const out = new Headers(res.headers);
    const location = out.get("location");
    if (location?.startsWith("http://")) {
      const l = new URL(location);
      out.set("location", `${l.pathname}${l.search}`);
    }
    out.set("connection", "close");
    return new Response(res.body, { status: res.status, headers: out });
  };

  const cdn = Deno.serve(listen, (req) => {
    cdnAuthorizations.push(req.headers.get("authorization"));
    return forward(req, new URL(req.url).pathname);
  });
  servers.push(cdn);

  const neededScopes = (method: string, url: URL): string[] => {
    const m = /^\/v2\/(.+?)\/(blobs|manifests|tags|referrers)\//.exec(url.pathname);
    if (!m) return [];
    const action = method === "GET" || method === "HEAD" ? "pull" : "push";
    const scopes = [`repository:${m[1]}:${action}`];
    if (action === "push") scopes.push(`repository:${m[1]}:pull`);
    const from = url.searchParams.get("from");
    if (from) scopes.push(`repository:${from}:pull`);
    return scopes;
  };

  const front = Deno.serve(listen, async (req) => {
    const url = new URL(req.url);
    const size = req.headers.get("transfer-encoding") === "chunked"
      ? Infinity
      : Number(req.headers.get("content-length") ?? 0);
    const fault = takeFault(req.method, url.pathname, size);
    const line = `${req.method} ${url.pathname}`;
    if (fault && typeof fault.action === "number") {
      await req.body?.cancel();
      log.push(`${line} -> ${fault.action} (injected)`);
      return new Response(JSON.stringify({ errors: [{ code: "UNAVAILABLE", message: "busy" }] }), {
        status: fault.action,
        headers: { "retry-after": "0", connection: "close", "content-type": "application/json" },
      });
    }
    const expire = faults.find((f) =>
      f.action === "expire" && (f.times ?? 1) > 0 && (!f.method || f.method === req.method) &&
      (!f.path || url.pathname.includes(f.path))
    );
    if (expire) {
      expire.times = (expire.times ?? 1) - 1;
      for (const g of grants.values()) g.valid = false;
    }
    if (options.bearer) {
      const needed = neededScopes(req.method, url);
      const token = req.headers.get("authorization")?.replace(/^Bearer /, "");
      const grant = token ? grants.get(token) : undefined;
      const missing = needed.filter((s) => !grant?.scopes.has(s));
      if (!grant?.valid || missing.length > 0) {
        await req.body?.cancel();
        const wanted = new Map<string, Set<string>>();
        for (const s of needed) {
          const i = s.lastIndexOf(":");
          const set = wanted.get(s.slice(0, i)) ?? new Set();
          set.add(s.slice(i + 1));
          wanted.set(s.slice(0, i), set);
        }
        const scope = [...wanted].map(([r, a]) => `${r}:${[...a].join(",")}`).join(" ");
        const error = grant?.valid ? `,error="insufficient_scope"` : "";
        log.push(`${line} -> 401`);
        return new Response(
          JSON.stringify({
            errors: [{ code: "UNAUTHORIZED", message: "authentication required" }],
          }),
          {
            status: 401,
            headers: {
              "www-authenticate": `Bearer realm="${realm}",service="standin"${
                scope ? `,scope="${scope}"` : ""
              }${error}`,
              "content-type": "application/json",
              connection: "close",
            },
          },
        );
      }
    }
    if (options.redirectBlobs && req.method === "GET" && /\/blobs\/sha256:/.test(url.pathname)) {
      log.push(`${line} -> 307`);
      return new Response(null, {
        status: 307,
        headers: {
          location: `http://127.0.0.1:${cdn.addr.port}${url.pathname}`,
          connection: "close",
        },
      });
    }
    const referrers = /^\/v2\/(.+)\/referrers\/(sha256:[0-9a-f]{64})$/.exec(url.pathname);
    if (options.referrersApi && req.method === "GET" && referrers) {
      log.push(`${line} -> 200`);
      return Response.json({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.index.v1+json",
        manifests: referrerIndex.get(`${referrers[1]}@${referrers[2]}`) ?? [],
      }, { headers: { "content-type": "application/vnd.oci.image.index.v1+json" } });
    }
    const manifestPut = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(url.pathname);
    if (options.referrersApi && req.method === "PUT" && manifestPut) {
      const bytes = new Uint8Array(await req.arrayBuffer());
      const json = JSON.parse(new TextDecoder().decode(bytes));
      const res = await forward(
        new Request(req.url, { method: "PUT", headers: req.headers, body: bytes }),
        url.pathname,
      );
      log.push(`${line} -> ${res.status}`);
      if (res.status === 201 && json.subject?.digest) {
        const key = `${manifestPut[1]}@${json.subject.digest}`;
        const list = referrerIndex.get(key) ?? [];
        list.push({
          mediaType: json.mediaType,
          digest: res.headers.get("docker-content-digest")!,
          size: bytes.length,
          artifactType: json.artifactType ?? json.config?.mediaType,
        });
        referrerIndex.set(key, list);
        const headers = new Headers(res.headers);
        headers.set("oci-subject", json.subject.digest);
        return new Response(res.body, { status: res.status, headers });
      }
      return res;
    }
    const res = await forward(req, url.pathname);
    log.push(`${line} -> ${res.status}`);
    if (
      options.tamperBlobs && req.method === "GET" && res.status === 200 &&
      /\/blobs\//.test(url.pathname)
    ) {
      const bytes = new Uint8Array(await res.arrayBuffer());
      bytes[0] ^= 0xff;
      return new Response(bytes, { status: 200, headers: res.headers });
    }
    return res;
  });
  servers.push(front);

  // Connection resets happen below HTTP: a TCP front that closes chosen connections unanswered.
  const tcp = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns = new Set<Deno.Conn>();
  (async () => {
    for await (const conn of tcp) {
      conns.add(conn);
      (async () => {
        const buf = new Uint8Array(64 * 1024);
        const n = await conn.read(buf).catch(() => null);
        if (n === null) {
          conn.close();
          return;
        }
        const [method, target] = new TextDecoder().decode(buf.subarray(0, n)).split(" ");
        const path = (target ?? "").split("?")[0];
        const fault = faults.find((f) =>
          f.action === "reset" && (f.times ?? 1) > 0 && (!f.method || f.method === method) &&
          (!f.path || path.includes(f.path))
        );
        if (fault) {
          fault.times = (fault.times ?? 1) - 1;
          log.push(`${method} ${path} -> reset (injected)`);
          conns.delete(conn);
          conn.close();
          return;
        }
        const back = await Deno.connect({ hostname: "127.0.0.1", port: front.addr.port });
        await back.write(buf.subarray(0, n));
        await Promise.all([
          conn.readable.pipeTo(back.writable).catch(() => {}),
          back.readable.pipeTo(conn.writable).catch(() => {}),
        ]);
        conns.delete(conn);
      })();
    }
  })().catch(() => {});

  return {
    host: `127.0.0.1:${(tcp.addr as Deno.NetAddr).port}`,
    log,
    tokenRequests,
    cdnAuthorizations,
    issuedTokens,
    faults,
    expireTokens() {
      for (const g of grants.values()) g.valid = false;
    },
    async stop() {
      tcp.close();
      for (const c of conns) {
        try {
          c.close();
        } catch {
          // already closed
        }
      }
      await Promise.all(servers.map((s) => s.shutdown()));
    },
  };
}
