/**
 * HEALTHCHECK: `NONE`, or `CMD` in JSON or shell form with Go-duration flags, as the Docker
 * config's `Healthcheck` (durations in nanoseconds). Shell form is `CMD-SHELL`, as in BuildKit.
 */
import { IagoError, type SourceLocation } from "../errors.ts";
import type { Instruction } from "./containerfile/parse.ts";
import type { Healthcheck } from "./image.ts";

/** The health check of a HEALTHCHECK instruction; throws an `IagoError` at `at` when invalid. */
export function parseHealthcheck(ins: Instruction, at: SourceLocation): Healthcheck {
  const text = ins.text.trim();
  if (/^NONE$/i.test(text)) {
    if (ins.flags.length) throw new IagoError("HEALTHCHECK NONE takes no flags", { at });
    return { Test: ["NONE"] };
  }
  const m = /^CMD\s+([\s\S]+)$/i.exec(text);
  if (!m) {
    throw new IagoError("HEALTHCHECK needs CMD or NONE", {
      at,
      hint: "write HEALTHCHECK --interval=30s CMD curl -f http://localhost/",
    });
  }
  let test: string[];
  try {
    const json = JSON.parse(m[1]);
    test = Array.isArray(json) && json.every((s) => typeof s === "string")
      ? ["CMD", ...json]
      : ["CMD-SHELL", m[1]];
  } catch {
    test = ["CMD-SHELL", m[1]];
  }
  const check: Healthcheck = { Test: test };
  for (const f of ins.flags) {
    const value = f.value ?? "";
    if (f.name === "retries") {
      if (!/^\d+$/.test(value)) {
        throw new IagoError(`Invalid --retries "${value}"`, { at, hint: "give a whole number" });
      }
      check.Retries = Number(value);
      continue;
    }
    const ns = parseDuration(value);
    if (ns === undefined) {
      throw new IagoError(`Invalid --${f.name} "${value}"`, {
        at,
        hint: "give a duration like 30s, 1m30s or 500ms",
      });
    }
    const key = ({
      interval: "Interval",
      timeout: "Timeout",
      "start-period": "StartPeriod",
      "start-interval": "StartInterval",
    } as const)[f.name as "interval"];
    check[key] = ns;
  }
  return check;
}

/** A Go duration (`1m30s`, `500ms`) in nanoseconds, or undefined. */
export function parseDuration(text: string): number | undefined {
  if (!/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(text)) return undefined;
  const unit: Record<string, number> = {
    ns: 1,
    us: 1e3,
    "µs": 1e3,
    ms: 1e6,
    s: 1e9,
    m: 60e9,
    h: 3600e9,
  };
  let total = 0;
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) {
    total += Number(m[1]) * unit[m[2]];
  }
  return Math.round(total);
}
