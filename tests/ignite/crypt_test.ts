import assert from "node:assert/strict";
import { isCryptHash, sha512Crypt } from "../../src/secrets/crypt.ts";

/** `openssl passwd -6 -salt SALT` of `password` (given on stdin, so any text works). */
async function openssl(password: string, salt: string): Promise<string> {
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command("openssl", {
      args: ["passwd", "-6", "-salt", salt, "-stdin"],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (err) {
    throw new Error(`openssl is needed for this test (apt-get install openssl): ${err}`);
  }
  const w = child.stdin.getWriter();
  await w.write(new TextEncoder().encode(password + "\n"));
  await w.close();
  const out = await child.output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  return new TextDecoder().decode(out.stdout).trim();
}

const CASES: { password: string; salt: string }[] = [
  { password: "hello world", salt: "saltstring" },
  { password: "correct horse battery staple", salt: "abcdefgh" },
  { password: "x", salt: "a" },
  { password: "pässwörd ✓", salt: "UnicodeSalt" },
  { password: "a".repeat(64), salt: "sixtyfour" },
  { password: "b".repeat(200), salt: "long.password/" },
  { password: "salt is cut at sixteen", salt: "0123456789abcdefXYZ" },
  { password: "rounds", salt: "rounds=1000$roundsalt" },
  { password: "more rounds", salt: "rounds=12345$x" },
  { password: "few rounds are raised to 1000", salt: "rounds=10$low" },
];

Deno.test("sha512Crypt() matches openssl passwd -6 for the same salt, rounds= included", async () => {
  for (const { password, salt } of CASES) {
    assert.equal(
      sha512Crypt(password, salt),
      await openssl(password, salt),
      `${password} / ${salt}`,
    );
  }
});

Deno.test("sha512Crypt() matches the published test vector of the specification", () => {
  assert.equal(
    sha512Crypt("Hello world!", "rounds=10000$saltstringsaltstring"),
    "$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v.",
  );
});

Deno.test("sha512Crypt() without a salt draws a random 16-character one", () => {
  const a = sha512Crypt("pw");
  const b = sha512Crypt("pw");
  assert.match(a, /^\$6\$[./0-9A-Za-z]{16}\$[./0-9A-Za-z]{86}$/);
  assert.notEqual(a, b);
  assert.ok(isCryptHash(a));
  assert.ok(!isCryptHash("plaintext"));
});
