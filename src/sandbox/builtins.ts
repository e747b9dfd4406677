/**
 * Which of Node's built-in modules templates and plugins may import: those that only compute.
 * The others reach a descriptor by number (`new net.Socket({ fd: 1 })` writes to any open
 * descriptor of the process, whatever its permissions), start processes or threads, or change
 * the module loader. The sandbox worker refuses them to `import()` (side_doors.ts), and the
 * sandbox process's import map to a static `import` (child_command.ts).
 */
export const COMPUTING_BUILTINS: ReadonlySet<string> = new Set([
  "assert",
  "assert/strict",
  "buffer",
  "crypto",
  "events",
  "path",
  "path/posix",
  "path/win32",
  "punycode",
  "querystring",
  "stream",
  "stream/consumers",
  "stream/promises",
  "stream/web",
  "string_decoder",
  "timers",
  "timers/promises",
  "url",
  "util",
  "util/types",
  "zlib",
]);

/**
 * Node built-ins that a static `import` may still load: `fs`, whose functions taking a descriptor
 * reach only the worker's own (side_doors.ts closes 0-2), and whose others need a permission
 * the sandbox does not have. (The template engine imports it.)
 */
export const STATIC_ONLY_BUILTINS: ReadonlySet<string> = new Set(["fs"]);
