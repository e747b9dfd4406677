import assert from "node:assert/strict";
import { IagoError } from "../../src/errors.ts";
import { parseContainerfile } from "../../src/oci/containerfile/parse.ts";
import { processWord, processWords } from "../../src/oci/containerfile/words.ts";

const env: Record<string, string> = { A: "alpha", EMPTY: "", SP: "x y" };
const lookup = (n: string) => env[n];

Deno.test("processWord() substitutes every supported variable form", () => {
  const cases: [string, string][] = [
    ["$A", "alpha"],
    ["${A}-x", "alpha-x"],
    ["${NOPE:-dflt}", "dflt"],
    ["${EMPTY:-dflt}", "dflt"],
    ["${EMPTY-dflt}", ""],
    ["${A:+set}", "set"],
    ["${NOPE:+set}", ""],
    ["${EMPTY+set}", "set"],
    ["${NOPE:-${A}}", "alpha"],
    ["\\$A", "$A"],
    ["'$A'", "$A"],
    ['"$A b"', "alpha b"],
    ["cost $", "cost $"],
    ["$NOPE.", "."],
  ];
  for (const [input, want] of cases) assert.equal(processWord(input, lookup), want, input);
  assert.equal(processWord("`$A", lookup, "`"), "$A");
});

Deno.test("processWords() splits at unquoted whitespace and keeps quoted spaces", () => {
  assert.deepEqual(processWords(`a "b c" d\\ e 'f g'`, lookup), ["a", "b c", "d e", "f g"]);
  assert.deepEqual(processWords(`KEY="$A b" X=1`, lookup), ["KEY=alpha b", "X=1"]);
});

Deno.test("processWord() rejects bad substitutions and unset required variables", () => {
  assert.throws(() => processWord("${}", lookup), /Bad substitution/);
  assert.throws(() => processWord("${A%x}", lookup), /Unsupported substitution/);
  assert.throws(() => processWord("${A", lookup), /Missing "}"/);
  assert.throws(() => processWord("${NOPE:?must be set}", lookup), /NOPE: must be set/);
  assert.throws(() => processWord("'open", lookup), /Unmatched single quote/);
});

const SAMPLE = `# syntax=docker/dockerfile:1
# escape=\\

# a comment
ARG BASE=quay.io/fedora/fedora-bootc:41
FROM --platform=linux/amd64 \${BASE} AS build
COPY --chmod=0755 --chown=1000:1000 a.sh \\
  # comment inside a continuation

  b.sh /usr/bin/
COPY <<EOF /etc/motd
hello $USER
EOF
RUN <<-"SCRIPT" cat
\techo hi
\tSCRIPT
FROM scratch
COPY --from=build /usr/bin/a.sh /a.sh
CMD ["/a.sh", "--flag"]
ENTRYPOINT echo hi
ONBUILD COPY . /app
HEALTHCHECK --interval=5s CMD curl -f http://localhost/
`;

Deno.test("parseContainerfile() reads directives, continuations, heredocs, flags, forms and stages", () => {
  const cf = parseContainerfile(SAMPLE, "containers/web/Containerfile");
  assert.equal(cf.syntax, "docker/dockerfile:1");
  assert.equal(cf.escape, "\\");
  assert.deepEqual(cf.metaArgs.map((a) => [a.line, a.text]), [[
    5,
    "BASE=quay.io/fedora/fedora-bootc:41",
  ]]);
  assert.equal(cf.stages.length, 2);
  const [build, final] = cf.stages;
  assert.equal(build.name, "build");
  assert.equal(build.base, "${BASE}");
  assert.deepEqual(build.from.flags, [{ name: "platform", value: "linux/amd64" }]);
  const [copy, here, run] = build.instructions;
  assert.deepEqual(
    [copy.line, copy.flags, copy.text.replace(/\s+/g, " ")],
    [
      7,
      [{ name: "chmod", value: "0755" }, { name: "chown", value: "1000:1000" }],
      "a.sh b.sh /usr/bin/",
    ],
  );
  assert.deepEqual(here.heredocs, [{ name: "EOF", content: "hello $USER\n", expand: true }]);
  assert.equal(here.line, 11);
  assert.deepEqual(run.heredocs, [{ name: "SCRIPT", content: "echo hi\n", expand: false }]);
  assert.equal(final.base, "scratch");
  assert.equal(final.name, undefined);
  const [copyFrom, cmd, entry, onbuild, health] = final.instructions;
  assert.deepEqual(copyFrom.flags, [{ name: "from", value: "build" }]);
  assert.deepEqual(cmd.json, ["/a.sh", "--flag"]);
  assert.equal(entry.json, undefined);
  assert.equal(entry.text, "echo hi");
  assert.equal(onbuild.trigger?.keyword, "COPY");
  assert.equal(onbuild.trigger?.text, ". /app");
  assert.deepEqual(health.flags, [{ name: "interval", value: "5s" }]);
  assert.equal(health.text, "CMD curl -f http://localhost/");
  assert.equal(health.line, 22);
});

Deno.test("parseContainerfile() honours the backtick escape directive", () => {
  const cf = parseContainerfile("# escape=`\nFROM scratch\nCOPY a `\n  b /\n");
  assert.equal(cf.escape, "`");
  assert.equal(cf.stages[0].instructions[0].text.replace(/\s+/g, " "), "a b /");
});

Deno.test("parseContainerfile() treats a JSON-looking argument that is not JSON as shell form", () => {
  const cf = parseContainerfile("FROM scratch\nCMD [\"a\", 'b']\n");
  const cmd = cf.stages[0].instructions[0];
  assert.equal(cmd.json, undefined);
  assert.equal(cmd.text, `["a", 'b']`);
});

const BAD: [string, number, RegExp][] = [
  ["FROM scratch\nCOPPY x\n", 2, /Unknown instruction "COPPY".*\n.*did you mean COPY/],
  ["COPY a /\nFROM scratch\n", 1, /COPY before the first FROM/],
  ["# just a comment\n", 1, /No FROM instruction/],
  ["FROM scratch\nCOPY --chmode=0644 a /\n", 2, /Unknown flag --chmode for COPY\n.*--chmod/],
  ["FROM scratch\nCOPY <<EOF /x\nhello\n", 2, /Heredoc <<EOF is not closed/],
  ["FROM a AS one\nFROM b AS one\n", 2, /Stage name "one" is already used on line 1/],
  ["FROM a AS 1x\n", 1, /Invalid stage name "1x"/],
  ["FROM a b c d\n", 1, /FROM takes an image/],
  ["# escape=x\nFROM a\n", 1, /Invalid escape directive "x"/],
  ["FROM a\nSHELL /bin/bash -c\n", 2, /SHELL needs the JSON form/],
  ["FROM a\nONBUILD FROM b\n", 2, /ONBUILD cannot hold FROM/],
  ["FROM a\nWORKDIR\n", 2, /WORKDIR needs arguments/],
];

Deno.test("parseContainerfile() reports each bad input with its line", () => {
  for (const [source, line, pattern] of BAD) {
    try {
      parseContainerfile(source, "containers/x/Containerfile");
      assert.fail(`accepted: ${source}`);
    } catch (err) {
      assert.ok(err instanceof IagoError, String(err));
      assert.deepEqual(err.at, { file: "containers/x/Containerfile", line }, source);
      assert.match(err.format(), pattern);
      assert.ok(err.format().startsWith(`containers/x/Containerfile:${line}: `));
    }
  }
});
