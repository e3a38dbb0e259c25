"""Which image the smoke boots: the built guest image, or an operator's file (``--image``).

The built image (``installer/testbed/image``) says on its console when it is up, with its address
and where its metadata came from, and serves SSH for root. An operator's image (a cirros or
a distro cloud image, qcow2 or raw) says nothing the smoke can read: it is logged into over
SSH as ``--image-user`` with the smoke's key pair, and what it shows there is checked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

#: The first bytes of a qcow2 file ("QFI" and 0xfb).
QCOW2_MAGIC = b"QFI\xfb"


@dataclass(frozen=True)
class GuestImage:
    """An image file to upload, its format, and how the smoke talks to a guest of it."""

    path: Path
    disk_format: str
    user: str = "root"
    #: True for the built guest image, which prints the 'booted' line on its console.
    announces: bool = True

    @property
    def origin(self) -> str:
        return "the built guest image" if self.announces else "the operator's image"


def disk_format(path: Path) -> str:
    """``qcow2`` when the file starts with qcow2's magic, else ``raw``."""
    with open(path, "rb") as handle:
        return "qcow2" if handle.read(4) == QCOW2_MAGIC else "raw"


def operator_image(path: Path, user: str) -> GuestImage:
    """An operator's image file, logged into as ``user``."""
    return GuestImage(path=path, disk_format=disk_format(path), user=user, announces=False)


def built_image(build: Callable[[], Path]) -> Callable[[], GuestImage]:
    """The built guest image (built on first use, then cached by ``build``)."""
    return lambda: GuestImage(path=build(), disk_format="raw")
