/**
 * What a machine reported about itself (the output of `probe.sh`): the digest of the Ignition
 * config that provisioned it, its failed units, and per container its env file, unit state,
 * what podman says (when it could ask) and the update state file.
 */
import { parseUpdateState, type UpdateState } from "../runtime/update_state.ts";

export interface RemoteContainer {
  name: string;
  /** `CONTAINER_IMAGE` of its env file: what it runs, `REPO:TAG`. */
  image: string;
  strategy: string;
  /** `systemctl is-active bootc@NAME.service`: `active`, `failed`, `activating`... */
  unit: string;
  /** Whether podman could be asked (root or passwordless sudo). */
  podman: boolean;
  /** The running container's image manifest digest, from podman. */
  runningDigest?: string;
  /** `healthy`, `unhealthy`, `starting`, `none` (no health check), `not running`. */
  health?: string;
  state?: UpdateState;
}

export interface RemoteMachine {
  /** The content of /etc/iago/ignition.digest; undefined when the machine has none. */
  ignitionDigest?: string;
  failedUnits: string[];
  containers: RemoteContainer[];
}

/** Reads probe.sh output; throws an `Error` saying what is missing when it is cut short. */
export function parseProbe(text: string): RemoteMachine {
  const sections: { head: string; lines: string[] }[] = [];
  for (const line of text.split("\n")) {
    if (line.startsWith("::")) sections.push({ head: line.slice(2), lines: [] });
    else sections.at(-1)?.lines.push(line);
  }
  if (sections[0]?.head !== "iago-status 1" || sections.at(-1)?.head !== "end") {
    throw new Error("the machine's answer was cut short or is not from iago's status script");
  }
  const machine: RemoteMachine = { failedUnits: [], containers: [] };
  let container: RemoteContainer | undefined;
  for (const { head, lines } of sections) {
    const body = lines.join("\n").trim();
    if (head === "ignition-digest") machine.ignitionDigest = body || undefined;
    else if (head === "failed-units") machine.failedUnits = body ? body.split("\n") : [];
    else if (head.startsWith("container ")) {
      container = {
        name: head.slice("container ".length),
        image: "",
        strategy: "latest",
        unit: "",
        podman: false,
      };
      machine.containers.push(container);
    } else if (!container) continue;
    else if (head === "env") {
      for (const l of lines) {
        const m = /^([A-Z_]+)=(.*)$/.exec(l);
        if (m?.[1] === "CONTAINER_IMAGE") container.image = unquote(m[2]);
        if (m?.[1] === "UPDATE_STRATEGY") container.strategy = unquote(m[2]);
      }
    } else if (head === "unit") container.unit = body || "unknown";
    else if (head === "podman") {
      if (body === "no-root") continue;
      container.podman = true;
      const inspect = firstJson(body);
      if (!inspect) container.health = "not running";
      else {
        const state = inspect.State as Record<string, unknown> | undefined;
        const health = (state?.Health ?? state?.Healthcheck) as { Status?: string } | undefined;
        container.health = state?.Running === false ? "not running" : health?.Status || "none";
        if (typeof inspect.ImageDigest === "string" && inspect.ImageDigest) {
          container.runningDigest = inspect.ImageDigest;
        }
      }
    } else if (head === "image") {
      const image = firstJson(body);
      if (!container.runningDigest && typeof image?.Digest === "string" && image.Digest) {
        container.runningDigest = image.Digest;
      }
    } else if (head === "state" && body) container.state = parseUpdateState(body);
  }
  for (const c of machine.containers) {
    // Without podman, the update state says what runs.
    if (!c.runningDigest && c.state?.currentDigest) c.runningDigest = c.state.currentDigest;
  }
  return machine;
}

function unquote(v: string): string {
  return /^"(.*)"$/.exec(v)?.[1] ?? /^'(.*)'$/.exec(v)?.[1] ?? v;
}

/** The first object of podman's inspect output (a JSON array), if it is one. */
function firstJson(text: string): Record<string, unknown> | undefined {
  if (!text) return undefined;
  try {
    const v = JSON.parse(text);
    const first = Array.isArray(v) ? v[0] : v;
    return typeof first === "object" && first !== null ? first : undefined;
  } catch {
    return undefined;
  }
}
