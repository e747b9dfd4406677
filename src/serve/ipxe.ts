/** The iPXE script that boots a Fedora CoreOS live image with a machine's Ignition URL. */

export interface IpxeImages {
  /** `fedora-coreos-...-live-kernel-x86_64` URL. */
  kernel: string;
  /** `fedora-coreos-...-live-initramfs.x86_64.img` URL. */
  initrd: string;
  /** `fedora-coreos-...-live-rootfs.x86_64.img` URL. */
  rootfs: string;
}

/** The script, as the Fedora CoreOS docs write it for PXE/iPXE installs. */
export function ipxeScript(images: IpxeImages, ignitionUrl: string): string {
  return [
    "#!ipxe",
    `kernel ${images.kernel} initrd=main coreos.live.rootfs_url=${images.rootfs} ignition.firstboot ignition.platform.id=metal ignition.config.url=${ignitionUrl}`,
    `initrd --name main ${images.initrd}`,
    "boot",
    "",
  ].join("\n");
}
