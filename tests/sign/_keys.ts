/** Test keys made by openssl, the way a user would make them. */

export interface KeyPair {
  key: string;
  pub: string;
  keyPem: string;
  pubPem: string;
}

export async function openssl(args: string[], stdin?: Uint8Array): Promise<Uint8Array> {
  const child = new Deno.Command("openssl", {
    args,
    stdin: stdin ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin) {
    const w = child.stdin.getWriter();
    await w.write(stdin);
    await w.close();
  }
  const out = await child.output();
  if (!out.success) {
    throw new Error(`openssl ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  }
  return out.stdout;
}

/** A P-256 PKCS#8 key and its public key in `dir`, named `name.key` / `name.pub`. */
export async function makeKeyPair(dir: string, name: string): Promise<KeyPair> {
  const key = `${dir}/${name}.key`;
  const pub = `${dir}/${name}.pub`;
  await openssl([
    "genpkey",
    "-algorithm",
    "EC",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-out",
    key,
  ]);
  await openssl(["pkey", "-in", key, "-pubout", "-out", pub]);
  return { key, pub, keyPem: await Deno.readTextFile(key), pubPem: await Deno.readTextFile(pub) };
}
