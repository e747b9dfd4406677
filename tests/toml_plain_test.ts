/**
 * The plain TOML reader (src/config/toml_plain.ts) must read what it accepts exactly as the full
 * reader's smol-toml does, and leave everything else (`undefined`) to it.
 */
import assert from "node:assert/strict";
import { parse } from "smol-toml";
import { DEFAULT_DEFAULTS_TOML } from "../src/config/mod.ts";
import { readPlainToml } from "../src/config/toml_plain.ts";

const MACHINE = `# Machine web.
name = "web"
fqdn = "web.example.com"
# container_image = "ghcr.io/user/web"
container_tag = 'v1.2'
mac_address = "02:05:56:3a:91:0c"   # the card's
mount_host_etc = false
workloads = ["postgres", './workloads/redis.ts',]
`;

/** smol-toml's data, or "invalid". */
function full(text: string): unknown {
  try {
    return parse(text);
  } catch {
    return "invalid";
  }
}

Deno.test("readPlainToml() reads the files iago init writes as smol-toml does", () => {
  for (const text of [DEFAULT_DEFAULTS_TOML, MACHINE]) {
    const plain = readPlainToml(text);
    assert.notEqual(plain, undefined);
    assert.deepEqual(plain, full(text));
  }
});

Deno.test("readPlainToml() reads blanks, comments, integers, booleans and arrays as smol-toml does", () => {
  for (
    const text of [
      "",
      "\n\n",
      "  # only a comment",
      "a = 1#c",
      "a=0\nb = 123456789012345\nc = true\nd=false # x",
      'a = []\nb = [ ]\nc = [\'x\' , "y, z" ,  ]\nd = [""]',
      '[ s ]  # c\nk = \'literal "quotes"\'\n[t]\nk = "v"',
      'a = "tab\there, ünïcödé, # not a comment"',
      "__proto__ = 1\n[constructor]\ntoString = 'x'",
      "a = 1\n[a2]\na = 2",
      "\n\n# c\n  # d\n\t\na = 1\n\n# end",
      "# c\n# d",
      "a = 1\n# c\n\n",
      "[s]\n\n# c\n[t] # c\n\n",
    ]
  ) {
    assert.deepEqual(readPlainToml(text), full(text), JSON.stringify(text));
  }
});

Deno.test("readPlainToml() leaves every other text to the full reader", () => {
  for (
    const text of [
      'a = "esc\\"aped"',
      'a = """multi\nline"""',
      "a = '''x'''",
      "a.b = 1",
      '"quoted" = 1',
      "[a.b]",
      "[[a]]\nb = 1",
      "a = 1.5",
      "a = 1_000",
      "a = -1",
      "a = +1",
      "a = 0x1f",
      "a = 1e3",
      "a = inf",
      "a = 1979-05-27",
      "a = 07:32:00",
      "a = {b = 1}",
      "a = [1, 2]",
      'a = [["x"]]',
      "a = [\n'x',\n]",
      "a = 1\r\n",
      "a = 1\na = 2",
      "[s]\n[s]",
      "a = 1\n[a]",
      "a = ",
      'a = "open',
      "a = 1 2",
      "a = truex",
      "a = 01",
      "= 1",
      "[]",
      "a = 1 # bell \x07",
      "# del \x7f\na = 1",
      "# back\\slash\na = 1",
      'a = "x\x01y"',
      "a = 'back\\slash'",
      "a = ['x\x1b']",
      "# c\r\na = 1",
      "\ufeffa = 1",
    ]
  ) {
    assert.equal(readPlainToml(text), undefined, JSON.stringify(text));
  }
});

Deno.test("readPlainToml() accepts no edit of iago's files that smol-toml reads otherwise", () => {
  // Every one-character deletion and insertion of characters that matter to TOML's syntax, at
  // every position: what the plain reader accepts, smol-toml must read to the same data.
  const inserted = ["\n", " ", "#", "=", '"', "'", "[", "]", ",", ".", "\\", "0", "1", "a", "\t"];
  let accepted = 0;
  for (const text of [MACHINE, DEFAULT_DEFAULTS_TOML.slice(0, 1500)]) {
    const edits: string[] = [];
    for (let i = 0; i <= text.length; i++) {
      edits.push(text.slice(0, i) + text.slice(i + 1));
      for (const c of inserted) edits.push(text.slice(0, i) + c + text.slice(i));
    }
    for (const edit of edits) {
      const plain = readPlainToml(edit);
      if (plain === undefined) continue;
      accepted++;
      assert.deepEqual(plain, full(edit), JSON.stringify(edit));
    }
  }
  assert.ok(accepted > 1000, `only ${accepted} edits were plain TOML`);
});
