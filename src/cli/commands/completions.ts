/**
 * `iago completions SHELL` prints a completion script for bash, zsh or fish. The scripts call
 * the hidden `iago __complete -- WORDS...`, which asks Stricli for proposals, so completions always
 * match the installed version's commands and flags. (`--` keeps a partial flag like `--st` a word
 * to complete rather than a flag of `__complete` itself.)
 */
import { buildChoiceParser, buildCommand, proposeCompletions } from "@stricli/core";
import type { IagoContext } from "../context.ts";

const SHELLS = ["bash", "zsh", "fish"] as const;
type Shell = typeof SHELLS[number];

const BASH = `# iago bash completion: eval "$(iago completions bash)"
_iago_complete() {
  local IFS=$'\\n'
  COMPREPLY=($(iago __complete -- "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null))
}
complete -o default -F _iago_complete iago
`;

const ZSH = `#compdef iago
# iago zsh completion: eval "$(iago completions zsh)"
_iago() {
  local -a proposals
  proposals=("\${(@f)$(iago __complete -- "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  compadd -a proposals
}
compdef _iago iago
`;

const FISH = `# iago fish completion: iago completions fish | source
complete -c iago -f -a '(iago __complete -- (commandline -opc)[2..-1] (commandline -ct) 2>/dev/null)'
`;

const SCRIPTS: Record<Shell, string> = { bash: BASH, zsh: ZSH, fish: FISH };

export const completionsCommand = buildCommand({
  func: function (this: IagoContext, _flags: Record<never, never>, shell: Shell) {
    this.out.print(SCRIPTS[shell].trimEnd());
  },
  parameters: {
    positional: {
      kind: "tuple",
      parameters: [{
        brief: "shell to complete for: bash, zsh or fish",
        parse: buildChoiceParser(SHELLS),
        placeholder: "SHELL",
      }],
    },
  },
  docs: {
    brief: "Print a shell completion script (bash, zsh, fish)",
    fullDescription: [
      "Print a completion script for SHELL. Install it with:",
      '  bash: eval "$(iago completions bash)"   (in ~/.bashrc)',
      '  zsh:  eval "$(iago completions zsh)"    (in ~/.zshrc)',
      "  fish: iago completions fish > ~/.config/fish/completions/iago.fish",
    ].join("\n"),
  },
});

export const completeCommand = buildCommand({
  func: async function (this: IagoContext, _flags: Record<never, never>, ...words: string[]) {
    const { buildApp } = await import("../app.ts");
    const app = buildApp(() => 1);
    const inputs = words.length === 0 ? [""] : words;
    const proposals = await proposeCompletions(app, inputs, this);
    for (const p of proposals) this.out.print(p.completion);
  },
  parameters: {
    positional: { kind: "array", parameter: { brief: "words typed so far", parse: String } },
  },
  docs: { brief: "Propose completions for the words typed so far (used by the shell scripts)" },
});
