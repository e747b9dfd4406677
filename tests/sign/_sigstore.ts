/**
 * Local stand-ins for Fulcio and Rekor, speaking their v2 / v1 HTTP APIs closely enough for
 * `@sigstore/sign`: Fulcio checks the proof of possession and issues a code-signing
 * certificate (made by openssl) for the OIDC token's email and issuer under its own CA; Rekor
 * records a hashedrekord entry and signs an entry timestamp with its own P-256 key. The trust
 * material (`roots.pem`, `rekor.pub`) is written for verification.
 */
import { Buffer } from "node:buffer";
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign as cryptoSign,
  verify as cryptoVerify,
} from "node:crypto";
import { openssl } from "./_keys.ts";

export interface SigstoreStandin {
  fulcioUrl: string;
  rekorUrl: string;
  /** PEM file with the CA certificate (SIGSTORE_ROOT_FILE). */
  rootsFile: string;
  /** PEM file with Rekor's public key (SIGSTORE_REKOR_PUBLIC_KEY). */
  rekorKeyFile: string;
  /** Log entries made. */
  entries: unknown[];
  stop(): Promise<void>;
}

/** An unsigned JWT with the claims Fulcio reads (the stand-in does not check the signature). */
export function identityToken(email: string, issuer: string): string {
  const b64url = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
  return `${b64url({ alg: "none" })}.${
    b64url({
      iss: issuer,
      sub: email,
      email,
      email_verified: true,
      aud: "sigstore",
      exp: Math.floor(Date.now() / 1000) + 600,
    })
  }.c2ln`;
}

export async function startSigstore(dir: string): Promise<SigstoreStandin> {
  await openssl([
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-keyout",
    `${dir}/ca.key`,
    "-out",
    `${dir}/ca.pem`,
    "-subj",
    "/O=standin/CN=standin-fulcio",
    "-days",
    "2",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  ]);
  const rekor = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const rekorPub = rekor.publicKey.export({ format: "pem", type: "spki" }).toString();
  await Deno.writeTextFile(`${dir}/rekor.pub`, rekorPub);
  const logID = createHash("sha256")
    .update(rekor.publicKey.export({ format: "der", type: "spki" })).digest("hex");
  const entries: unknown[] = [];
  let serial = 1000;
  const listen = { hostname: "127.0.0.1", port: 0, onListen() {} };

  const fulcio = Deno.serve(listen, async (req) => {
    if (req.method !== "POST" || new URL(req.url).pathname !== "/api/v2/signingCert") {
      return new Response("not found", { status: 404 });
    }
    const body = await req.json();
    const token = String(body?.credentials?.oidcIdentityToken ?? "");
    const claims = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString());
    const pem = String(body?.publicKeyRequest?.publicKey?.content ?? "");
    const proof = Buffer.from(String(body?.publicKeyRequest?.proofOfPossession ?? ""), "base64");
    if (!cryptoVerify("sha256", Buffer.from(claims.email), createPublicKey(pem), proof)) {
      return Response.json({ message: "proof of possession failed" }, { status: 400 });
    }
    const n = serial++;
    await Deno.writeTextFile(`${dir}/pub-${n}.pem`, pem);
    await Deno.writeTextFile(
      `${dir}/ext-${n}.cnf`,
      [
        "[ext]",
        "basicConstraints=critical,CA:FALSE",
        "keyUsage=critical,digitalSignature",
        "extendedKeyUsage=codeSigning",
        `subjectAltName=critical,email:${claims.email}`,
        `1.3.6.1.4.1.57264.1.1=DER:${Buffer.from(claims.iss).toString("hex")}`,
        `1.3.6.1.4.1.57264.1.8=ASN1:UTF8String:${claims.iss}`,
      ].join("\n"),
    );
    await openssl([
      "x509",
      "-new",
      "-force_pubkey",
      `${dir}/pub-${n}.pem`,
      "-subj",
      "/O=standin",
      "-CA",
      `${dir}/ca.pem`,
      "-CAkey",
      `${dir}/ca.key`,
      "-set_serial",
      String(n),
      "-days",
      "1",
      "-extfile",
      `${dir}/ext-${n}.cnf`,
      "-extensions",
      "ext",
      "-out",
      `${dir}/cert-${n}.pem`,
    ]);
    const leaf = await Deno.readTextFile(`${dir}/cert-${n}.pem`);
    const ca = await Deno.readTextFile(`${dir}/ca.pem`);
    return Response.json({
      signedCertificateEmbeddedSct: { chain: { certificates: [leaf, ca] } },
    }, { status: 201 });
  });

  const rekorServer = Deno.serve(listen, async (req) => {
    if (req.method !== "POST" || new URL(req.url).pathname !== "/api/v1/log/entries") {
      return new Response("not found", { status: 404 });
    }
    const proposed = await req.json();
    const body = Buffer.from(canonical(proposed)).toString("base64");
    const integratedTime = Math.floor(Date.now() / 1000);
    const logIndex = entries.length;
    entries.push(proposed);
    const set = cryptoSign(
      "sha256",
      Buffer.from(canonical({ body, integratedTime, logID, logIndex })),
      createPrivateKey(rekor.privateKey.export({ format: "pem", type: "pkcs8" })),
    ).toString("base64");
    const leafHash = createHash("sha256").update(
      Buffer.concat([Buffer.from([0]), Buffer.from(body, "base64")]),
    )
      .digest("hex");
    return Response.json({
      [crypto.randomUUID().replaceAll("-", "")]: {
        body,
        integratedTime,
        logID,
        logIndex,
        verification: {
          signedEntryTimestamp: set,
          inclusionProof: {
            logIndex,
            treeSize: logIndex + 1,
            rootHash: leafHash,
            hashes: [],
            checkpoint: `standin - 1\n${logIndex + 1}\n${
              Buffer.from(leafHash, "hex").toString("base64")
            }\n\n`,
          },
        },
      },
    }, { status: 201 });
  });

  return {
    fulcioUrl: `http://127.0.0.1:${fulcio.addr.port}`,
    rekorUrl: `http://127.0.0.1:${rekorServer.addr.port}`,
    rootsFile: `${dir}/ca.pem`,
    rekorKeyFile: `${dir}/rekor.pub`,
    entries,
    async stop() {
      await Promise.all([fulcio.shutdown(), rekorServer.shutdown()]);
    },
  };
}

/** JSON with sorted keys, as Rekor canonicalizes. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    return `{${
      Object.keys(value).sort().map((k) =>
        `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`
      ).join(",")
    }}`;
  }
  return JSON.stringify(value);
}
