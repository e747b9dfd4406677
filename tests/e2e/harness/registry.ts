/** Reads a tag's manifest digest from a registry on 127.0.0.1, as the bastion checks a push. */

const ACCEPT = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.docker.distribution.manifest.v2+json",
].join(", ");

/**
 * The digest `REGISTRY/REPO:TAG` names now (`registry` as `vmhost.test:PORT`), or "" when the
 * tag does not exist. `auth` is `user:password` for a registry with htpasswd.
 */
export async function tagDigest(
  registry: string,
  repo: string,
  tag: string,
  auth?: string,
): Promise<string> {
  const headers: Record<string, string> = { Accept: ACCEPT };
  if (auth) headers.Authorization = `Basic ${btoa(auth)}`;
  const res = await fetch(`http://${registry}/v2/${repo}/manifests/${tag}`, {
    method: "HEAD",
    headers,
  });
  await res.body?.cancel();
  if (res.status === 404) return "";
  if (!res.ok) throw new Error(`HEAD ${registry}/${repo}:${tag}: ${res.status}`);
  return res.headers.get("docker-content-digest") ?? "";
}
