/** Test certificates made with openssl: a CA, and a server certificate it signed. */
import assert from "node:assert/strict";
import { join } from "node:path";

/**
 * Writes `ca.crt`, and `tls.crt`/`tls.key` for the IP addresses `ips` signed by it, into `dir`
 * (a CA certificate cannot serve itself: rustls refuses it); returns their paths.
 */
export async function certificates(
  dir: string,
  ips: string[],
): Promise<{ ca: string; cert: string; key: string }> {
  const openssl = async (...args: string[]) => {
    const out = await new Deno.Command("openssl", { args, cwd: dir, stderr: "piped" }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  };
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
  await openssl(
    "req",
    "-x509",
    ...ec,
    "-days",
    "1",
    "-subj",
    "/CN=test CA",
    "-keyout",
    "ca.key",
    "-out",
    "ca.crt",
  );
  await openssl("req", ...ec, "-subj", `/CN=${ips[0]}`, "-keyout", "tls.key", "-out", "tls.csr");
  await Deno.writeTextFile(
    join(dir, "ext.cnf"),
    `subjectAltName=${ips.map((ip) => `IP:${ip}`).join(",")}\nbasicConstraints=CA:FALSE\n`,
  );
  await openssl(
    "x509",
    "-req",
    "-in",
    "tls.csr",
    "-CA",
    "ca.crt",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-days",
    "1",
    "-extfile",
    "ext.cnf",
    "-out",
    "tls.crt",
  );
  return { ca: join(dir, "ca.crt"), cert: join(dir, "tls.crt"), key: join(dir, "tls.key") };
}
