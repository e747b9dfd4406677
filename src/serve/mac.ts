/**
 * MAC addresses as boot firmware sends them: matchbox's `52:54:00:12:34:56`, iPXE's
 * `${net0/mac}` (colons) and `${net0/mac:hexhyp}` (hyphens), any case, or twelve hex digits.
 */

/** `52:54:00:12:34:56`, or undefined when `text` is not a MAC address in one of those forms. */
export function normalizeMac(text: string): string | undefined {
  const t = text.trim().toLowerCase();
  const hex = /^[0-9a-f]{2}([:-])[0-9a-f]{2}(\1[0-9a-f]{2}){4}$/.test(t)
    ? t.replace(/[:-]/g, "")
    : /^[0-9a-f]{12}$/.test(t)
    ? t
    : undefined;
  return hex === undefined ? undefined : hex.replace(/..(?!$)/g, "$&:");
}
