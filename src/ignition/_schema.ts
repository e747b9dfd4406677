/**
 * The shape of every Ignition config spec from 3.0.0 to 3.5.0, as the Go structs of
 * `config/v3_N/types/schema.go` declare it. It drives three things Ignition does while decoding:
 * type errors (`json: cannot unmarshal ...`), `Unused key` warnings for keys a spec does not
 * know, and Go's case-insensitive field matching.
 */

/** A spec version this validator knows: minor number of 3.x.0. */
export type Minor = 0 | 1 | 2 | 3 | 4 | 5;

export type Shape =
  | { kind: "string"; goType: string }
  | { kind: "int" }
  | { kind: "bool" }
  | { kind: "list"; of: Shape; goType: string }
  | { kind: "struct"; name: string; fields: Record<string, Shape> };

const str = (goType = "string"): Shape => ({ kind: "string", goType });
const int: Shape = { kind: "int" };
const bool: Shape = { kind: "bool" };
const list = (of: Shape, goType: string): Shape => ({ kind: "list", of, goType });
const struct = (name: string, fields: Record<string, Shape>): Shape => ({
  kind: "struct",
  name,
  fields,
});

/** The Go type name printed in a type error (`of type []types.File`). */
export function goTypeName(s: Shape): string {
  switch (s.kind) {
    case "string":
      return s.goType;
    case "int":
      return "int";
    case "bool":
      return "bool";
    case "list":
      return s.goType;
    case "struct":
      return `types.${s.name}`;
  }
}

function resource(m: Minor, name: string): Shape {
  const verification = struct("Verification", { hash: str() });
  if (m === 0) {
    if (name === "FileContents") {
      return struct(name, { compression: str(), source: str(), verification });
    }
    return struct(name, { source: str(), verification });
  }
  return struct("Resource", {
    compression: str(),
    httpHeaders: list(
      struct("HTTPHeader", { name: str(), value: str() }),
      "types.HTTPHeaders",
    ),
    source: str(),
    verification,
  });
}

function buildSchema(m: Minor): Shape {
  const nodeUser = struct("NodeUser", { id: int, name: str() });
  const nodeGroup = struct("NodeGroup", { id: int, name: str() });
  const node = { group: nodeGroup, overwrite: bool, path: str(), user: nodeUser };

  const ignition: Record<string, Shape> = {
    config: struct(m === 0 ? "IgnitionConfig" : "IgnitionConfig", {
      merge: list(
        resource(m, "ConfigReference"),
        m === 0 ? "[]types.ConfigReference" : "[]types.Resource",
      ),
      replace: resource(m, "ConfigReference"),
    }),
    security: struct("Security", {
      tls: struct("TLS", {
        certificateAuthorities: list(
          resource(m, "CaReference"),
          m === 0 ? "[]types.CaReference" : "[]types.Resource",
        ),
      }),
    }),
    timeouts: struct("Timeouts", { httpResponseHeaders: int, httpTotal: int }),
    version: str(),
  };
  if (m >= 1) {
    ignition.proxy = struct("Proxy", {
      httpProxy: str(),
      httpsProxy: str(),
      noProxy: list(str("types.NoProxyItem"), "[]types.NoProxyItem"),
    });
  }

  const partition: Record<string, Shape> = {
    guid: str(),
    label: str(),
    number: int,
    shouldExist: bool,
    sizeMiB: int,
    startMiB: int,
    typeGuid: str(),
    wipePartitionEntry: bool,
  };
  if (m >= 2) partition.resize = bool;

  const filesystem: Record<string, Shape> = {
    device: str(),
    format: str(),
    label: str(),
    options: list(str("types.FilesystemOption"), "[]types.FilesystemOption"),
    path: str(),
    uuid: str(),
    wipeFilesystem: bool,
  };
  if (m >= 1) {
    filesystem.mountOptions = list(str("types.MountOption"), "[]types.MountOption");
  }

  const fileContents = resource(m, "FileContents");
  const storage: Record<string, Shape> = {
    directories: list(struct("Directory", { ...node, mode: int }), "[]types.Directory"),
    disks: list(
      struct("Disk", {
        device: str(),
        partitions: list(struct("Partition", partition), "[]types.Partition"),
        wipeTable: bool,
      }),
      "[]types.Disk",
    ),
    files: list(
      struct("File", {
        ...node,
        append: list(fileContents, m === 0 ? "[]types.FileContents" : "[]types.Resource"),
        contents: fileContents,
        mode: int,
      }),
      "[]types.File",
    ),
    filesystems: list(struct("Filesystem", filesystem), "[]types.Filesystem"),
    links: list(struct("Link", { ...node, hard: bool, target: str() }), "[]types.Link"),
    raid: list(
      struct("Raid", {
        devices: list(str("types.Device"), "[]types.Device"),
        level: str(),
        name: str(),
        options: list(str("types.RaidOption"), "[]types.RaidOption"),
        spares: int,
      }),
      "[]types.Raid",
    ),
  };
  if (m >= 2) {
    const tang: Record<string, Shape> = { thumbprint: str(), url: str() };
    if (m >= 4) tang.advertisement = str();
    const luks: Record<string, Shape> = {
      clevis: struct("Clevis", {
        custom: struct("ClevisCustom", { config: str(), needsNetwork: bool, pin: str() }),
        tang: list(struct("Tang", tang), "[]types.Tang"),
        threshold: int,
        tpm2: bool,
      }),
      device: str(),
      keyFile: resource(m, "Resource"),
      label: str(),
      name: str(),
      options: list(str("types.LuksOption"), "[]types.LuksOption"),
      uuid: str(),
      wipeVolume: bool,
    };
    if (m >= 4) {
      luks.discard = bool;
      luks.openOptions = list(str("types.OpenOption"), "[]types.OpenOption");
    }
    if (m >= 5) luks.cex = struct("Cex", { enabled: bool });
    storage.luks = list(struct("Luks", luks), "[]types.Luks");
  }

  const user: Record<string, Shape> = {
    gecos: str(),
    groups: list(str("types.Group"), "[]types.Group"),
    homeDir: str(),
    name: str(),
    noCreateHome: bool,
    noLogInit: bool,
    noUserGroup: bool,
    passwordHash: str(),
    primaryGroup: str(),
    shell: str(),
    sshAuthorizedKeys: list(str("types.SSHAuthorizedKey"), "[]types.SSHAuthorizedKey"),
    system: bool,
    uid: int,
  };
  const group: Record<string, Shape> = {
    gid: int,
    name: str(),
    passwordHash: str(),
    system: bool,
  };
  if (m >= 2) {
    user.shouldExist = bool;
    group.shouldExist = bool;
  }

  const config: Record<string, Shape> = {
    ignition: struct("Ignition", ignition),
    passwd: struct("Passwd", {
      groups: list(struct("PasswdGroup", group), "[]types.PasswdGroup"),
      users: list(struct("PasswdUser", user), "[]types.PasswdUser"),
    }),
    storage: struct("Storage", storage),
    systemd: struct("Systemd", {
      units: list(
        struct("Unit", {
          contents: str(),
          dropins: list(struct("Dropin", { contents: str(), name: str() }), "[]types.Dropin"),
          enabled: bool,
          mask: bool,
          name: str(),
        }),
        "[]types.Unit",
      ),
    }),
  };
  if (m >= 3) {
    config.kernelArguments = struct("KernelArguments", {
      shouldExist: list(str("types.KernelArgument"), "[]types.KernelArgument"),
      shouldNotExist: list(str("types.KernelArgument"), "[]types.KernelArgument"),
    });
  }
  return struct("Config", config);
}

const schemas = new Map<Minor, Shape>();

/** The root `Config` shape of spec 3.`minor`.0. */
export function schemaFor(minor: Minor): Shape {
  let s = schemas.get(minor);
  if (!s) {
    s = buildSchema(minor);
    schemas.set(minor, s);
  }
  return s;
}
