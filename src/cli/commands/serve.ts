/**
 * `iago serve [NAME...]`: serves each machine's current Ignition config (and an iPXE script)
 * over HTTP(S) for network boots, behind a per-machine token, until SIGTERM/SIGINT. Every
 * request is logged on stdout, never with its token.
 */
import { buildCommand } from "@stricli/core";
import { UsageError } from "../../errors.ts";
import { readGivenFile } from "../../fsutil.ts";
import type { IagoContext } from "../context.ts";
import { completeMachines } from "../names.ts";

interface ServeFlags {
  listen: string;
  url?: string;
  cert?: string;
  key?: string;
  once: boolean;
  window?: string;
  kernel?: string;
  initrd?: string;
  rootfs?: string;
  urls: boolean;
  rotate: boolean;
  arm: boolean;
  disarm: boolean;
  pointer: boolean;
  ca?: string;
  hash: boolean;
  armedOnly: boolean;
  json: boolean;
}

export const serveCommand = buildCommand({
  func: async function (this: IagoContext, flags: ServeFlags, ...names: string[]) {
    const serve = await import("../../serve/mod.ts");
    const { hostname, port } = serve.parseListen(flags.listen);
    if ((flags.cert === undefined) !== (flags.key === undefined)) {
      throw new UsageError("--cert and --key go together", {
        hint: "give the PEM certificate with --cert and its private key with --key",
      });
    }
    const images = [flags.kernel, flags.initrd, flags.rootfs];
    if (images.some((x) => x !== undefined) && images.some((x) => x === undefined)) {
      throw new UsageError("--kernel, --initrd and --rootfs go together", {
        hint: "give the URLs of the Fedora CoreOS live kernel, initramfs and rootfs",
      });
    }
    const actions = [flags.urls, flags.rotate, flags.arm, flags.disarm, flags.pointer]
      .filter(Boolean).length;
    if (actions > 1) {
      throw new UsageError(
        "--urls, --rotate, --arm, --disarm and --pointer each do one thing: give one",
        {
          hint: "iago serve --arm web --window 15m, then iago serve --urls web for its URLs",
        },
      );
    }
    if (flags.arm || flags.disarm) {
      const flag = flags.arm ? "--arm" : "--disarm";
      if (names.length === 0) {
        throw new UsageError(`Name the machines to ${flag.slice(2)}`, {
          hint: `iago serve ${flag} NAME... (the others stay as they are)`,
        });
      }
      if (flags.arm) {
        const armed = await serve.armMachines(this.workspace, names, {
          windowMs: flags.window === undefined ? undefined : serve.parseDuration(flags.window),
        });
        for (const { name, arm } of armed) {
          this.out.print(`${name}: armed (${serve.describeArm(arm)})`);
        }
      } else {
        for (const { name, wasArmed } of await serve.disarmMachines(this.workspace, names)) {
          this.out.print(`${name}: ${wasArmed ? "disarmed" : "was not armed"}`);
        }
      }
      return;
    }
    const readPem = (file: string, what: string) => readGivenFile(this.workspace.root, file, what);
    const pointerFlag = flags.ca !== undefined ? "--ca" : flags.hash ? "--hash" : undefined;
    if (pointerFlag && !flags.pointer) {
      throw new UsageError(`${pointerFlag} goes with --pointer`, {
        hint: pointerFlag === "--ca"
          ? "iago serve --pointer web --url https://10.0.0.2:8443 --ca ca.crt > web.pointer.ign"
          : "iago serve --pointer web --url http://10.0.0.2:8080 --hash > web.pointer.ign",
      });
    }
    const onWarning = (w: string) => this.out.warn(w);
    if (flags.pointer) {
      if (flags.url === undefined) {
        throw new UsageError("--pointer needs the --url machines fetch their configs from", {
          hint: "iago serve --pointer web --url http://10.0.0.2:8080 > web.pointer.ign",
        });
      }
      const base = flags.url.replace(/\/+$/, "");
      const ca = flags.ca === undefined ? undefined : await readPem(flags.ca, "CA certificate");
      const pointers = await serve.machinePointers(this.workspace, names, base, {
        ca,
        hash: flags.hash,
        onWarning,
      });
      // One machine's pointer goes to stdout (> web.pointer.ign); several go to files.
      if (names.length === 1) this.out.print(pointers[0].json);
      else {
        for (const { name, file } of await serve.writePointers(this.workspace, pointers)) {
          this.out.print(`${name}: written ${this.workspace.relative(file)}`);
        }
      }
      return;
    }
    const scheme = flags.cert ? "https" : "http";
    const shownHost = hostname === "0.0.0.0" || hostname === "::" ? "HOST" : hostname;
    if (flags.urls || flags.rotate) {
      if (flags.rotate && names.length === 0) {
        throw new UsageError("Name the machines whose tokens to rotate", {
          hint: "iago serve --rotate NAME... (their old URLs stop working)",
        });
      }
      const base = (flags.url ?? `${scheme}://${shownHost}:${port}`).replace(/\/+$/, "");
      const links = await serve.machineLinks(this.workspace, names, base, {
        rotate: flags.rotate,
        onWarning,
      });
      if (flags.json) this.out.print(JSON.stringify(links, null, 2));
      else {
        for (const l of links) {
          this.out.print(`${l.name}:`);
          this.out.print(`  ignition  ${l.ignition}`);
          if (l.ignitionByMac) this.out.print(`  by MAC    ${l.ignitionByMac}`);
          this.out.print(`  iPXE      ${l.ipxe}`);
          if (l.arm) this.out.print(`  arm       ${serve.describeArmState(l.arm)}`);
        }
      }
      return;
    }
    const server = await serve.startServer(this.workspace, {
      hostname,
      port,
      tls: flags.cert && flags.key
        ? { cert: await readPem(flags.cert, "certificate"), key: await readPem(flags.key, "key") }
        : undefined,
      machines: names,
      once: flags.once,
      armedOnly: flags.armedOnly,
      windowMs: flags.window === undefined ? undefined : serve.parseDuration(flags.window),
      baseUrl: flags.url,
      images: flags.kernel && flags.initrd && flags.rootfs
        ? { kernel: flags.kernel, initrd: flags.initrd, rootfs: flags.rootfs }
        : undefined,
      log: (e) => this.out.print(serve.formatEntry(e)),
      note: (e) => this.out.print(serve.formatArmEvent(e)),
      onWarning,
      signals: true,
    });
    this.out.info(
      `serving Ignition on ${scheme}://${hostname}:${server.port} as ${server.baseUrl}` +
        `${flags.armedOnly ? ", armed machines only" : ""}${
          flags.once ? ", each config once" : ""
        }${
          flags.window ? `, for ${flags.window}` : ""
        } (iago serve --urls shows the machines' URLs; SIGTERM or Ctrl-C stops)`,
    );
    await server.finished;
    this.out.info("stopped");
  },
  parameters: {
    flags: {
      listen: {
        kind: "parsed",
        parse: String,
        default: "127.0.0.1:8080",
        placeholder: "HOST:PORT",
        brief: "address to listen on (0.0.0.0:8080 for the LAN)",
      },
      url: {
        kind: "parsed",
        parse: String,
        optional: true,
        placeholder: "URL",
        brief: "the URL machines reach this server at (default: from --listen)",
      },
      cert: {
        kind: "parsed",
        parse: String,
        optional: true,
        placeholder: "FILE",
        brief: "PEM certificate (chain): serve HTTPS",
      },
      key: {
        kind: "parsed",
        parse: String,
        optional: true,
        placeholder: "FILE",
        brief: "PEM private key of --cert",
      },
      once: {
        kind: "boolean",
        default: false,
        brief: "serve each machine's config once; rotate its token to allow another fetch",
      },
      window: {
        kind: "parsed",
        parse: String,
        optional: true,
        placeholder: "DURATION",
        brief: "serve configs only this long after the start (90s, 30m, 2h, 1d); --arm: its window",
      },
      armedOnly: {
        kind: "boolean",
        default: false,
        brief: "serve only machines armed with --arm",
      },
      kernel: {
        kind: "parsed",
        parse: String,
        optional: true,
        placeholder: "URL",
        brief: "Fedora CoreOS live kernel, for the iPXE scripts",
      },
      initrd: {
        kind: "parsed",
        parse: String,
        optional: true,
        placeholder: "URL",
        brief: "Fedora CoreOS live initramfs, for the iPXE scripts",
      },
      rootfs: {
        kind: "parsed",
        parse: String,
        optional: true,
        placeholder: "URL",
        brief: "Fedora CoreOS live rootfs, for the iPXE scripts",
      },
      urls: {
        kind: "boolean",
        default: false,
        brief: "print each machine's URLs (with its token) and exit",
      },
      rotate: {
        kind: "boolean",
        default: false,
        brief: "give the named machines new tokens (old URLs stop working), print the URLs, exit",
      },
      arm: {
        kind: "boolean",
        default: false,
        brief:
          "let the named machines' configs be fetched once more (within --window), also by a running server; exit",
      },
      disarm: {
        kind: "boolean",
        default: false,
        brief: "remove the named machines' arms (back to the server's own rules); exit",
      },
      pointer: {
        kind: "boolean",
        default: false,
        brief:
          "print the named machine's pointer config (Ignition fetching its config from --url), exit; several or none named: write output/pointer/NAME.ign each",
      },
      ca: {
        kind: "parsed",
        parse: String,
        optional: true,
        placeholder: "FILE",
        brief: "--pointer: PEM CA certificate the machine trusts for an https:// --url",
      },
      hash: {
        kind: "boolean",
        default: false,
        brief:
          "--pointer: pin each machine's current config by its SHA-512, which Ignition checks (for an http:// --url)",
      },
      json: { kind: "boolean", default: false, brief: "--urls/--rotate: print JSON" },
    },
    positional: {
      kind: "array",
      parameter: {
        brief: "machines to serve (default: all)",
        parse: String,
        placeholder: "NAME",
        proposeCompletions: completeMachines,
      },
    },
  },
  docs: {
    brief: "Serve machines' Ignition configs over HTTP(S) for network boots",
    fullDescription: [
      "Serve output/ignition/NAME.ign (read at each request, so an ignite while serving is",
      "served at once) at BASE/ignition?name=NAME&token=T or ?mac=MAC&token=T, and an iPXE",
      "script at BASE/ipxe?name=NAME&token=T. Each machine has its own token, kept in",
      ".iago/serve/ (0600): iago serve --urls prints the URLs. An unknown machine or MAC and a",
      "wrong token all get the same 404; each request is logged (never its token).",
      "",
      "iago serve --arm NAME lets NAME's config be fetched once more (within --window), whatever",
      "the server runs with, without restarting it; a used or expired arm is denied like the rest",
      "until NAME is armed again or disarmed (--disarm). With --armed-only nothing else is served.",
      "",
      "iago serve --pointer NAME --url URL prints NAME's pointer config: the small Ignition",
      "config to boot with where the real one cannot go (a cloud's user data, an embedded",
      "config), which makes Ignition fetch NAME's config from this server and use it. With",
      "several machines (or none named: all), each is written to output/pointer/NAME.ign (0600:",
      "it holds the token). --hash adds the SHA-512 of the config served now, which Ignition",
      "checks what it fetched against (for plain HTTP; ignite again, and write the pointer again).",
      "",
      "Examples:",
      "  iago serve --urls --url http://10.0.0.2:8080",
      "  iago serve --listen 0.0.0.0:8080 --url http://10.0.0.2:8080 --once",
      "  iago serve --listen 0.0.0.0:8443 --cert tls.crt --key tls.key --window 2h web",
      "  iago serve --rotate web",
      "  iago serve --listen 0.0.0.0:8080 --url http://10.0.0.2:8080 --armed-only",
      "  iago serve --arm web --window 15m",
      "  iago serve --pointer web --url http://10.0.0.2:8080 > web.pointer.ign",
      "  iago serve --pointer --hash --url http://10.0.0.2:8080",
    ].join("\n"),
  },
});
