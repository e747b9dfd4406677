/**
 * A fleet workspace as a user makes one: `iago init`, values set in `config/defaults.toml` and
 * `machine.toml` (only values: comments and layout stay), `iago build`, `iago ignite`. iago
 * runs in-process through the same entry point as the CLI.
 */
import { join } from "node:path";
import { iago } from "../../helpers/cli.ts";

export class Fleet {
  constructor(
    /** The workspace directory. */
    readonly dir: string,
    /** Environment of every iago run (the GitHub keys stand-in, tokens). */
    readonly env: Record<string, string> = {},
  ) {}

  /** Runs `iago ARGS`; throws with its output when it fails. Returns stdout. */
  async run(...args: string[]): Promise<string> {
    const r = await this.try(...args);
    if (r.code !== 0) {
      throw new Error(`iago ${args.join(" ")} exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
    }
    return r.stdout;
  }

  /** Runs `iago ARGS` and returns its exit code and output, whatever they are. */
  try(...args: string[]) {
    return iago(args, { cwd: this.dir, env: this.env });
  }

  /** `iago build ARGS`, returning the manifest digest it pushed. */
  async build(...args: string[]): Promise<string> {
    const out = await this.run("build", ...args);
    const m = /pushed \S+@(sha256:[0-9a-f]{64})/.exec(out);
    if (!m) throw new Error(`iago build ${args.join(" ")} printed no digest:\n${out}`);
    return m[1];
  }

  /** Sets `key = value` in `[section]` of config/defaults.toml. */
  async setDefaults(section: string, values: Record<string, unknown>): Promise<void> {
    const file = join(this.dir, "config", "defaults.toml");
    await Deno.writeTextFile(file, setToml(await Deno.readTextFile(file), section, values));
  }

  /** Sets top-level `key = value` lines of machines/NAME/machine.toml. */
  async setMachine(name: string, values: Record<string, unknown>): Promise<void> {
    const file = join(this.dir, "machines", name, "machine.toml");
    await Deno.writeTextFile(file, setToml(await Deno.readTextFile(file), "", values));
  }

  /** The machine's `mac_address` from its machine.toml. */
  async macAddress(name: string): Promise<string> {
    const text = await Deno.readTextFile(join(this.dir, "machines", name, "machine.toml"));
    const m = /^mac_address\s*=\s*"([0-9a-f:]+)"/m.exec(text);
    if (!m) throw new Error(`machines/${name}/machine.toml has no mac_address`);
    return m[1];
  }

  /** The path of a file in the workspace. */
  path(...parts: string[]): string {
    return join(this.dir, ...parts);
  }
}

/**
 * A `[bootc] update_time` twelve hours from now (UTC, as the VM's clock runs), so the daily
 * update timer never fires in the middle of a scenario: the probe starts every update itself.
 */
export function updateTimeFarFromNow(): string {
  const at = new Date(Date.now() + 12 * 3600_000);
  return `${String(at.getUTCHours()).padStart(2, "0")}:${
    String(at.getUTCMinutes()).padStart(2, "0")
  }:00`;
}

/**
 * `text` (TOML) with `key = value` set in `[section]` ("" for the top level): an existing line
 * is replaced in place, a new key goes at the end of its section (a missing section is added).
 */
export function setToml(text: string, section: string, values: Record<string, unknown>): string {
  const lines = text.split("\n");
  let start = 0;
  if (section !== "") {
    start = lines.findIndex((l) => l.trim() === `[${section}]`) + 1;
    if (start === 0) {
      lines.push("", `[${section}]`);
      start = lines.length;
    }
  }
  let end = lines.findIndex((l, i) => i >= start && /^\s*\[/.test(l));
  if (end < 0) end = lines.length;
  for (const [key, value] of Object.entries(values)) {
    const line = `${key} = ${JSON.stringify(value)}`;
    const at = lines.findIndex((l, i) =>
      i >= start && i < end && new RegExp(`^\\s*${key}\\s*=`).test(l)
    );
    if (at >= 0) {
      lines[at] = line;
    } else {
      let last = end;
      while (last > start && lines[last - 1].trim() === "") last--;
      lines.splice(last, 0, line);
      end++;
    }
  }
  return lines.join("\n");
}
