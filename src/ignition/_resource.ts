/**
 * Rules of Ignition's `Resource` (sources, compression, verification hashes, HTTP headers) and
 * of the proxy settings, which share the URL checks.
 */
import type { Path } from "./_decode.ts";
import { list, notEmpty, type Obj, obj, RuleSet, str, utf8Length } from "./_fields.ts";
import { parseGoUrl, validateUrl } from "./_url.ts";

export class ResourceRules extends RuleSet {
  requiredSource(res: Obj): string | undefined {
    const source = str(res, "source");
    if (!notEmpty(source)) return "source is required";
    return validateUrl(source!, this.m);
  }

  proxy(p: Obj, at: Path) {
    const check = (key: string, httpOk: boolean) => {
      const s = str(p, key);
      if (s === undefined) return;
      const u = parseGoUrl(s);
      if (!u) return this.r.error([...at, key], "unable to parse url");
      if (u.scheme !== "http" && u.scheme !== "https") {
        return this.r.error([...at, key], "proxies must be http(s)");
      }
      if (u.scheme === "http" && !httpOk) {
        this.r.warn([...at, key], "insecure plaintext HTTP proxy specified for HTTPS resources");
      }
    };
    check("httpProxy", true);
    check("httpsProxy", false);
  }

  /** `configRef`: spec 3.0's config and CA references, which lack the verification-needs-source rule. */
  resource(res: Obj, at: Path, configRef = false) {
    const compression = str(res, "compression");
    if (compression !== undefined && compression !== "" && compression !== "gzip") {
      this.r.error([...at, "compression"], "invalid compression method");
    }
    const source = str(res, "source");
    const hash = str(obj(res, "verification"), "hash");
    if (hash !== undefined && source === undefined && !configRef) {
      this.r.error(
        [...at, "verification", "hash"],
        "source must be specified if verification is specified",
      );
    }
    if (notEmpty(source)) this.r.error([...at, "source"], validateUrl(source!, this.m));
    const headers = list(res, "httpHeaders");
    if (headers.length > 0) {
      let err: string | undefined;
      const u = notEmpty(source) ? parseGoUrl(source!) : undefined;
      if (!u) err = "unable to parse url";
      else if (u.scheme !== "http" && u.scheme !== "https") {
        err = "cannot use HTTP headers with this source scheme";
      }
      this.r.error([...at, "httpHeaders"], err);
    }
    headers.forEach((h, i) => {
      if ((str(h, "name") ?? "") === "") {
        this.r.error([...at, "httpHeaders", i, "name"], "HTTP header name can't be empty");
      }
      if (str(h, "value") === "") {
        this.r.error([...at, "httpHeaders", i, "value"], "unable to parse HTTP header");
      }
    });
    if (hash !== undefined) this.r.error([...at, "verification", "hash"], this.hash(hash));
  }

  hash(h: string): string | undefined {
    const dash = h.indexOf("-");
    if (dash < 0) return "malformed hash specifier";
    const fn = h.slice(0, dash);
    const sum = h.slice(dash + 1);
    let size: number;
    if (fn === "sha512") size = 128;
    else if (fn === "sha256" && this.m >= 1) size = 64;
    else return "unrecognized hash function";
    return utf8Length(sum) === size ? undefined : "incorrect size for hash sum";
  }
}
