/**
 * Owners as Containerfiles name them (`--chown=USER[:GROUP]`, `USER`), turned into ids the way
 * Docker does: numbers as they are, names looked up in the image's `/etc/passwd` and
 * `/etc/group`; a user without a group gets the user's primary group (a bare number: the same
 * number as gid).
 */
import type { FileTree } from "./tree.ts";

export interface Owner {
  uid: number;
  gid: number;
}

/** The ids `spec` names in `tree`; throws an `Error` saying which name is missing. */
export function resolveOwner(spec: string, tree: FileTree): Owner {
  const colon = spec.indexOf(":");
  const user = colon === -1 ? spec : spec.slice(0, colon);
  const group = colon === -1 ? undefined : spec.slice(colon + 1);
  let uid: number;
  let primary: number;
  if (/^\d+$/.test(user)) {
    uid = Number(user);
    primary = uid;
  } else {
    const entry = accountLine(tree, "etc/passwd", user);
    if (!entry) throw new Error(`no user "${user}" in the image's /etc/passwd`);
    uid = Number(entry[2]);
    primary = Number(entry[3]);
  }
  if (group === undefined || group === "") return { uid, gid: primary };
  if (/^\d+$/.test(group)) return { uid, gid: Number(group) };
  const entry = accountLine(tree, "etc/group", group);
  if (!entry) throw new Error(`no group "${group}" in the image's /etc/group`);
  return { uid, gid: Number(entry[2]) };
}

/** The fields of `name`'s line in the account file at `path` (`name:x:ID:...`). */
function accountLine(tree: FileTree, path: string, name: string): string[] | undefined {
  const text = tree.get(tree.resolve(path, true))?.text ?? "";
  for (const line of text.split("\n")) {
    const fields = line.split(":");
    if (fields[0] === name && /^\d+$/.test(fields[2] ?? "")) return fields;
  }
  return undefined;
}
