"""The boot disk: a partitionless FAT "superfloppy" with syslinux, the kernel and the initramfs.

Everything happens on the image file itself (``mkfs.vfat -C``, ``mcopy``, ``syslinux
--install``): no loop device, no mount, no root needed. SeaBIOS boots it as a hard disk on
virtio-blk, IDE or SCSI.
"""

from __future__ import annotations

from pathlib import Path

from installer.testbed.image.host import run

MIB = 1024 * 1024
#: Room left on the FAT for syslinux's files and the directory.
SLACK = 2 * MIB
VOLUME_LABEL = "STACKGUEST"


def syslinux_cfg(cmdline: str) -> str:
    return (
        "SERIAL 0 115200\n"
        "DEFAULT guest\n"
        "PROMPT 0\n"
        "TIMEOUT 0\n"
        "LABEL guest\n"
        "  LINUX /vmlinuz\n"
        "  INITRD /initrd.img\n"
        f"  APPEND {cmdline}\n"
    )


def image_size(payload: int) -> int:
    """The disk size for ``payload`` bytes of files: rounded up to whole MiB, with slack."""
    return -(-(payload + SLACK) // MIB) * MIB


def make_disk(image: Path, kernel: Path, initrd: Path, cmdline: str, volume_id: str) -> int:
    """Write a bootable raw disk to ``image``; return its size in bytes."""
    config = image.parent / "syslinux.cfg"
    config.write_text(syslinux_cfg(cmdline))
    size = image_size(kernel.stat().st_size + initrd.stat().st_size + config.stat().st_size)
    image.unlink(missing_ok=True)
    run(["mkfs.vfat", "-C", "-n", VOLUME_LABEL, "-i", volume_id, str(image),
         str(size // 1024)])
    for source, name in ((kernel, "vmlinuz"), (initrd, "initrd.img"), (config, "syslinux.cfg")):
        run(["mcopy", "-o", "-m", "-i", str(image), str(source), f"::{name}"])
    run(["syslinux", "--install", str(image)])
    config.unlink()
    return image.stat().st_size
