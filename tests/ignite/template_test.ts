import assert from "node:assert/strict";
import { parse } from "yaml";
import { IagoError } from "../../src/errors.ts";
import { renderTemplate, renderTemplateMapped } from "../../src/render/template.ts";
import { yamlQuote } from "../../src/render/yaml_quote.ts";

const FILE = "machines/web/butane.yaml.tmpl";

Deno.test("yamlQuote() output reads back as the same value wherever it lands", () => {
  const nasty = [
    "plain",
    'quote " and backslash \\',
    "line\nbreak: injected: true",
    "- list item",
    "# comment",
    "key: value",
    "{ flow: map }",
    "tab\there",
    "null",
    "yes",
    "0644",
    "del\u007fchar",
    "line\u2028separator",
    "emoji 😀",
    "",
  ];
  for (const s of nasty) {
    for (
      const doc of [
        `a: ${yamlQuote(s)}\n`,
        `- ${yamlQuote(s)}\n`,
        `x:\n  inline: ${yamlQuote(s)}\n`,
      ]
    ) {
      const v = parse(doc);
      const got = Array.isArray(v) ? v[0] : "a" in v ? v.a : v.x.inline;
      assert.equal(got, s, `${JSON.stringify(s)} in ${JSON.stringify(doc)}`);
    }
  }
  assert.equal(yamlQuote(420), "420");
  assert.equal(yamlQuote(true), "true");
  assert.deepEqual(parse(`g: ${yamlQuote(["sudo", 'wh"eel'])}`), { g: ["sudo", 'wh"eel'] });
  assert.throws(() => yamlQuote(undefined), /undefined/);
});

Deno.test("renderTemplate() quotes <%= %>, writes <%~ %> raw and drops lines of lone <% %> tags", () => {
  const text = [
    "users:",
    "  - name: <%= it.name %>",
    "    groups:",
    "    <% for (const g of it.groups) { %>",
    "      - <%= g %>",
    "    <% } %>",
    "mode: <%~ it.mode %>",
    "",
  ].join("\n");
  const out = renderTemplate(
    text,
    { name: 'ev"il\nname: root', groups: ["a", "b"], mode: "0644" },
    FILE,
  );
  assert.equal(
    out,
    'users:\n  - name: "ev\\"il\\nname: root"\n    groups:\n      - "a"\n      - "b"\nmode: 0644\n',
  );
});

function renderError(text: string, data: object = {}): IagoError {
  try {
    renderTemplate(text, data, FILE);
  } catch (err) {
    assert.ok(err instanceof IagoError, String(err));
    return err;
  }
  throw new Error("expected an error");
}

Deno.test("renderTemplate() errors name the template file and the line", () => {
  const cases: { text: string; line: number; message: RegExp }[] = [
    {
      text: "a: 1\nb: <%= it.machine.nmae.x %>\n",
      line: 2,
      message:
        /Cannot render the template: it\.machine\.nmae is not a template variable: did you mean it\.machine\.name\?$/,
    },
    {
      text: "a: 1\n\nb: <%= it.nope %>\n",
      line: 3,
      message: /it\.nope is not a template variable/,
    },
    {
      // Inside a JavaScript template string, where <%= %> alone would print "undefined".
      text: "a: 1\nb: <%= `${it.x}-${it.machine.fqdnn}` %>\n",
      line: 2,
      message: /it\.machine\.fqdnn is not a template variable$/,
    },
    {
      text: "a: <%= it.machine.nam %>\n",
      line: 1,
      message: /it\.machine\.nam is not a template variable: did you mean it\.machine\.name\?$/,
    },
    {
      text: "a: 1\nb: 2\nc: <%= it.x\n",
      line: 3,
      message: /Cannot parse the template: unclosed tag/,
    },
    {
      text: "a\n<% if (it.x) { %>\nb: <%= it.x + %>\n<% } %>\n",
      line: 3,
      message: /Cannot compile the template/,
    },
    { text: "a\n<% if (it.x { %>\nb\n<% } %>\n", line: 2, message: /Cannot compile the template/ },
  ];
  for (const c of cases) {
    const err = renderError(c.text, { machine: { name: "web" }, x: 1 });
    assert.equal(err.at?.file, FILE);
    assert.equal(err.at?.line, c.line, `${c.text}: ${err.format()}`);
    assert.match(err.message, c.message);
    assert.match(err.format(), new RegExp(`^${FILE}:${c.line}`));
  }
});

Deno.test("renderTemplateMapped() traces every rendered line back to its template line", () => {
  const text = [
    "a: 1", // 1
    "<% for (const g of it.groups) { %>", // 2
    "  - <%= g %>", // 3
    "<% } %>", // 4
    "b: 2", // 5
    "<% if (it.no) { %>", // 6
    "skipped: 1", // 7
    "<% } %>", // 8
    "c: <%= it.groups.length %>", // 9
    "",
  ].join("\n");
  const r = renderTemplateMapped(text, { groups: ["x", "y"], no: false }, FILE);
  assert.equal(r.text, 'a: 1\n  - "x"\n  - "y"\nb: 2\nc: 2\n');
  const lines = r.text.split("\n").slice(0, -1);
  assert.deepEqual(lines.map((_, i) => r.sourceLine(i + 1)), [1, 3, 3, 5, 9]);
});
