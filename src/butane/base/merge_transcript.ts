/**
 * Which parts of a merged config Ignition's merge transcript names (`transcribe` in
 * config/merge/merge.go). butane maps a finding through its translations only where the
 * transcript has an entry, and falls back to the finding's JSON path in snake_case (merged
 * index and all) elsewhere. A subtree taken whole from one side is transcribed leaf by leaf: a
 * Go pointer field when it is set, whatever its value; a non-pointer field (a required name or
 * path, a partition number, an item of a list of strings) only when it is not zero; a struct or
 * list only when something inside it is. An entry merged from both sides is always transcribed,
 * but it always holds a set field too (the generated side's), so the leaf rule covers it.
 */
import { type Field, type FieldType, FULL_SCHEMA, isList, isObj } from "./schema.ts";

/** Whether the value at `path` of the merged `config` has an entry in the merge transcript. */
export function transcribedInMerge(
  config: Record<string, unknown>,
  path: readonly (string | number)[],
): boolean {
  let type: FieldType = FULL_SCHEMA;
  let pointer = true;
  let value: unknown = config;
  for (const seg of path) {
    if (isList(type)) {
      type = type.list;
      pointer = false;
    } else if (isObj(type)) {
      const field: Field | undefined = type.fields.find((f) => f.json === seg);
      // Not an Ignition field: nothing to say, keep the finding where it was mapped.
      if (field === undefined) return true;
      type = field.type;
      pointer = isPointer(field);
    } else return true;
    if (value === null || typeof value !== "object") return false;
    value = (value as Record<string | number, unknown>)[seg];
  }
  return transcribed(value, type, pointer);
}

function isPointer(field: Field): boolean {
  return !field.required && !field.omitZero;
}

function transcribed(value: unknown, type: FieldType, pointer: boolean): boolean {
  if (value === undefined || value === null) return false;
  if (isList(type)) {
    return Array.isArray(value) && value.some((item) => transcribed(item, type.list, false));
  }
  if (isObj(type)) {
    const obj = value as Record<string, unknown>;
    return type.fields.some((f) =>
      f.json !== undefined && transcribed(obj[f.json], f.type, isPointer(f))
    );
  }
  return pointer || (value !== "" && value !== 0 && value !== false);
}
