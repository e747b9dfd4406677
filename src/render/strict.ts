/**
 * Templates see their context through {@link strictContext}: reading a name the context does not
 * have is an error with a "did you mean", instead of the text "undefined" in the output. That
 * also covers places `<%= %>`'s own check cannot see, such as `${it.machine.fqdnn}` inside a
 * JavaScript template string.
 */
import { didYouMean } from "../errors.ts";

// Read by JSON.stringify, Promise resolution and inspection on any object: never an error.
const PROBED = new Set(["toJSON", "then", "inspect", "asymmetricMatch", "$$typeof"]);

/** `value` behind a read-only proxy that throws a `TypeError` on unknown names, deeply. */
export function strictContext<T extends object>(value: T, path = "it"): T {
  return new Proxy(value, {
    get(target, key, receiver) {
      const v = Reflect.get(target, key, receiver);
      if (typeof key === "symbol") return v;
      if (v === undefined && !(key in target)) {
        // A missing index of a list is ordinary JavaScript (`it.user.groups[0] ?? "wheel"`).
        if (Array.isArray(target) || PROBED.has(key)) return undefined;
        const close = didYouMean(key, Object.keys(target));
        throw new TypeError(
          `${path}.${key} is not a template variable` +
            (close ? `: did you mean ${path}.${close}?` : ""),
        );
      }
      return v !== null && typeof v === "object" ? strictContext(v, `${path}.${key}`) : v;
    },
    set() {
      throw new TypeError(`${path} is read-only in a template`);
    },
  });
}
