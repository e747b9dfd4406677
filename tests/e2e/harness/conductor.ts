/**
 * The bastion side of a boot, on 127.0.0.1 (the VM reaches it as vmhost.test): the probe in the
 * VM reports its checks here as they happen, and asks the bastion to do the user's steps that
 * happen there (build and push an image) in the middle of a scenario.
 */
import type { Report } from "./report.ts";

/** A bastion step: its text answer goes back to the probe (e.g. the digest pushed). */
export type Step = () => Promise<string>;

export interface Conductor {
  port: number;
  close(): Promise<void>;
}

/**
 * Serves `POST /begin/ID`, `/end/ID`, `/pass/ID` (body: what), `/fail/ID` (body: what, a line
 * break, the detail), `/limit/ID` (body: what the stand-in cannot show) and `/step/NAME`, which runs `steps[NAME]` and answers 200 with its
 * result or 500 with the error.
 */
export function startConductor(report: Report, steps: Record<string, Step>): Conductor {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const [, verb, arg] = new URL(req.url).pathname.split("/");
    const body = await req.text();
    try {
      switch (verb) {
        case "begin":
          report.begin(arg);
          return new Response("ok");
        case "end":
          report.end(arg);
          return new Response("ok");
        case "pass":
          report.check(arg, body, true);
          return new Response("ok");
        case "fail": {
          const nl = body.indexOf("\n");
          report.check(arg, nl < 0 ? body : body.slice(0, nl), false, body.slice(nl + 1));
          return new Response("ok");
        }
        case "limit":
          report.limit(arg, body);
          return new Response("ok");
        case "step": {
          const step = steps[arg];
          if (!step) return new Response(`no step "${arg}"`, { status: 404 });
          console.log(`  (bastion) ${arg}`);
          return new Response(await step());
        }
      }
      return new Response("not found", { status: 404 });
    } catch (err) {
      console.log(`  (bastion) ${arg} failed: ${(err as Error).message}`);
      return new Response(`${arg} failed: ${(err as Error).message}`, { status: 500 });
    }
  });
  return { port: server.addr.port, close: () => server.shutdown() };
}
