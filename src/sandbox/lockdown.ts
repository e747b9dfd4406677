/**
 * Freezes everything a template or plugin could reach and change for the code that runs after
 * it in the same worker: the global object, every built-in reachable from it (constructors,
 * prototypes, their methods) and the intrinsics only reachable through syntax (async and
 * generator functions, iterators). One machine's template can then neither see nor change
 * how the next machine's is rendered, although one worker renders them all.
 */

/** Freezes `roots` and everything reachable from them by properties and prototypes. */
export function lockdown(...roots: unknown[]): void {
  const seen = new Set<object>();
  const stack: unknown[] = [globalThis, ...hiddenIntrinsics(), ...roots];
  while (stack.length > 0) {
    const value = stack.pop();
    if ((typeof value !== "object" && typeof value !== "function") || value === null) continue;
    if (seen.has(value)) continue;
    seen.add(value);
    stack.push(Object.getPrototypeOf(value));
    for (const key of Reflect.ownKeys(value)) {
      if (typeof key === "symbol" && !LANGUAGE_SYMBOLS.has(key)) continue;
      const d = Reflect.getOwnPropertyDescriptor(value, key);
      if (!d) continue;
      if ("value" in d) stack.push(d.value);
      else stack.push(d.get, d.set);
    }
  }
  for (const value of seen) {
    if (value === Object.prototype || value === Function.prototype || isErrorPrototype(value)) {
      allowOverrides(value);
    }
    if (value === globalThis) fixProperties(value);
    else Object.freeze(value);
  }
}

/**
 * The global object's properties made unchangeable one by one, the object itself left open:
 * Deno adds its own bookkeeping to it later (when an event is dispatched to it, say), which a
 * frozen global object refuses. A name added later cannot replace a built-in.
 */
function fixProperties(value: object): void {
  for (const key of Reflect.ownKeys(value)) {
    if (typeof key === "symbol" && !LANGUAGE_SYMBOLS.has(key)) continue;
    const d = Reflect.getOwnPropertyDescriptor(value, key);
    if (!d?.configurable) continue;
    Object.defineProperty(
      value,
      key,
      "value" in d ? { writable: false, configurable: false } : {
        configurable: false,
      },
    );
  }
}

function isErrorPrototype(value: object): boolean {
  return value === Error.prototype || Object.prototype.isPrototypeOf.call(Error.prototype, value);
}

/**
 * Keeps ordinary code working on frozen prototypes: assigning `err.name = "X"` or
 * `obj.toString = f` on an object whose prototype has a frozen property of that name throws
 * (JavaScript's "override mistake"), so each such property becomes a getter, with a setter
 * that gives the object its own property instead and refuses to change the prototype.
 */
function allowOverrides(proto: object): void {
  for (const key of Reflect.ownKeys(proto)) {
    const d = Reflect.getOwnPropertyDescriptor(proto, key);
    if (!d || !("value" in d) || !d.writable || !d.configurable) continue;
    const value = d.value;
    Object.defineProperty(proto, key, {
      get: () => value,
      set(this: object, v: unknown) {
        if (this === proto) throw new TypeError(`Cannot change ${String(key)} of a built-in`);
        Object.defineProperty(this, key, {
          value: v,
          writable: true,
          enumerable: true,
          configurable: true,
        });
      },
      enumerable: d.enumerable,
      configurable: false,
    });
  }
}

/**
 * The symbols of the language (`Symbol.iterator`, ...). Properties under any other symbol are
 * Deno's own bookkeeping (`Deno[internal]`, event handlers, WebIDL brands), which the runtime
 * keeps changing as its APIs are first used (`Deno.Command` sets itself up there): those are
 * left as they are, so that code trying such an API gets Deno's refusal, not a frozen
 * object's error.
 */
const LANGUAGE_SYMBOLS = new Set<unknown>(
  Object.getOwnPropertyNames(Symbol).map((k) => (Symbol as unknown as Record<string, unknown>)[k])
    .filter((v) => typeof v === "symbol"),
);

/** Built-ins that no global property leads to, only syntax. */
function hiddenIntrinsics(): unknown[] {
  async function* asyncGenerator() {}
  function* generator() {}
  return [
    (async () => {}).constructor,
    generator.constructor,
    asyncGenerator.constructor,
    Object.getPrototypeOf(generator()),
    Object.getPrototypeOf(asyncGenerator()),
    Object.getPrototypeOf([][Symbol.iterator]()),
    Object.getPrototypeOf(new Map().entries()),
    Object.getPrototypeOf(new Set().values()),
    Object.getPrototypeOf(""[Symbol.iterator]()),
    Object.getPrototypeOf("a".matchAll(/a/g)),
    Object.getPrototypeOf(Int8Array),
    (function () {
      return Object.getOwnPropertyDescriptor(arguments, "callee")?.get;
    })(),
  ];
}
