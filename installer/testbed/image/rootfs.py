"""The guest's whole userland, as an initramfs tree assembled from unpacked Debian packages.

busybox (static) provides the shell and every tool; dropbear and exactly the shared libraries
it needs (found from ELF ``DT_NEEDED``, not ``ldd``) provide SSH; /init and the udhcpc script
are this package's data files; the kernel modules come from :mod:`installer.testbed.image.kmods`.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path, PurePosixPath

from installer.errors import GuestImageError
from installer.testbed.image import elf, kmods
from installer.testbed.image.cpio import Tree

LIB_DIRS = ("lib/x86_64-linux-gnu", "usr/lib/x86_64-linux-gnu", "lib64", "lib", "usr/lib")
GUEST_LIB = "lib/x86_64-linux-gnu"

#: Programs copied from the unpacked packages: (path in the tree, path in the guest).
PROGRAMS: tuple[tuple[str, str], ...] = (
    ("bin/busybox", "bin/busybox"),
    ("usr/sbin/dropbear", "usr/sbin/dropbear"),
    ("usr/bin/dropbearkey", "usr/bin/dropbearkey"),
)

#: busybox applets the guest contract promises (the smoke and the tests use them).
REQUIRED_APPLETS: tuple[str, ...] = (
    "dd", "sha256sum", "sync", "cmp", "blockdev", "mount", "ip", "udhcpc", "wget", "hostname",
    "sed", "grep", "cat", "sleep", "awk", "findfs", "insmod", "setsid", "cttyhack", "timeout",
)

ETC: dict[str, str] = {
    "etc/passwd": "root:*:0:0:root:/root:/bin/sh\n",
    "etc/group": "root:x:0:\ntty:x:5:\n",
    "etc/shells": "/bin/sh\n",
    "etc/nsswitch.conf": "passwd: files\ngroup: files\nshadow: files\nhosts: files dns\n",
    "etc/hosts": "127.0.0.1 localhost\n",
    "etc/profile": 'export PATH=/sbin:/bin:/usr/sbin:/usr/bin\nexport PS1="\\h:\\w\\$ "\n',
}


#: Small stand-ins for tools a cloud image has and busybox lacks (tempest's scenario tests
#: run them over SSH): curl on busybox wget, sudo for the root that everybody is here, and
#: blkid's "-L LABEL" on busybox findfs.
TOOLS: dict[str, str] = {
    "usr/bin/sudo": '#!/bin/sh\n# everybody is root in this guest\nexec "$@"\n',
    "usr/bin/curl": (
        "#!/bin/sh\n"
        "# curl [-s] [-f] [-X METHOD] [-d DATA] URL, on busybox wget\n"
        'data=""; post=0; url=""\n'
        'while [ $# -gt 0 ]; do\n'
        '    case "$1" in\n'
        '        -X) [ "$2" = POST ] && post=1; shift 2 ;;\n'
        '        -d|--data) data="$2"; post=1; shift 2 ;;\n'
        '        -s|-f|-sf|-fs|-S|-L) shift ;;\n'
        '        *) url="$1"; shift ;;\n'
        "    esac\n"
        "done\n"
        'if [ "$post" = 1 ]; then exec wget -q -O - --post-data "$data" "$url"; fi\n'
        'exec wget -q -O - "$url"\n'
    ),
    "usr/bin/blkid": (
        "#!/bin/sh\n"
        "# blkid -L LABEL [-o device]: the device of a filesystem label (busybox findfs)\n"
        'if [ "$1" = -L ] && [ -n "$2" ]; then exec findfs "LABEL=$2"; fi\n'
        'echo "blkid: only -L LABEL is supported here" >&2; exit 2\n'
    ),
}


def data_file(name: str) -> bytes:
    """A data file of this package (init.sh, udhcpc.sh)."""
    try:
        return resources.files("installer.testbed.image").joinpath(name).read_bytes()
    except FileNotFoundError:
        raise GuestImageError(
            f"installer/testbed/image/{name} is missing from this installation",
            hint="reinstall stackinstall (the package data must include "
                 "installer/testbed/image/*.sh)",
        ) from None


def resolve(root: Path, path: PurePosixPath, depth: int = 0) -> Path:
    """Follow symlinks inside ``root`` (an absolute target is taken relative to ``root``)."""
    if depth > 20:
        raise GuestImageError(f"symlink loop at {path} in {root}")
    real = root / path
    if not real.is_symlink():
        return real
    target = PurePosixPath(os.readlink(real))
    joined = target if target.is_absolute() else path.parent / target
    parts: list[str] = []
    for part in joined.parts:
        if part in ("/", "."):
            continue
        if part == "..":
            if parts:
                parts.pop()
        else:
            parts.append(part)
    return resolve(root, PurePosixPath(*parts), depth + 1)


def find_library(root: Path, soname: str) -> Path:
    for directory in LIB_DIRS:
        candidate = root / directory / soname
        if candidate.exists() or candidate.is_symlink():
            real = resolve(root, PurePosixPath(directory, soname))
            if real.is_file():
                return real
    raise GuestImageError(f"shared library {soname} is not in the unpacked packages ({root})",
                          hint="add the Debian package that ships it to the build")


def add_program(tree: Tree, root: Path, source: str, dest: str) -> None:
    """Copy a program and, for a dynamic one, its interpreter and library closure."""
    real = resolve(root, PurePosixPath(source))
    if not real.is_file():
        raise GuestImageError(f"{source} is not in the unpacked packages ({root})")
    tree.file(dest, real.read_bytes(), 0o755)
    interp = elf.interpreter(real)
    if interp is None:
        return
    pending = list(elf.needed(real))
    soname_of_interp = PurePosixPath(interp).name
    if soname_of_interp not in pending:
        pending.append(soname_of_interp)
    while pending:
        soname = pending.pop(0)
        guest_path = f"{GUEST_LIB}/{soname}"
        if guest_path in tree:
            continue
        library = find_library(root, soname)
        tree.file(guest_path, library.read_bytes(), 0o755)
        pending.extend(elf.needed(library))
    if interp.strip("/") not in tree:
        tree.symlink(interp, f"/{GUEST_LIB}/{soname_of_interp}")


def check_applets(busybox: bytes, required: tuple[str, ...] = REQUIRED_APPLETS) -> None:
    """Fail the build when busybox lacks an applet (its names are a NUL-separated table)."""
    missing = [name for name in required if b"\0" + name.encode() + b"\0" not in busybox]
    if missing:
        raise GuestImageError("this busybox has no applet for: " + ", ".join(missing),
                              hint="the guest needs Debian's busybox-static")


def add_modules(tree: Tree, root: Path, kernel_version: str) -> list[kmods.Module]:
    module_dir = root / "lib" / "modules" / kernel_version
    modules = kmods.select(module_dir)
    base = f"lib/modules/{kernel_version}"
    for module in modules:
        tree.file(f"{base}/{module.path}", (module_dir / module.path).read_bytes())
    tree.file(f"{base}/stackinstall.load", kmods.load_list(modules).encode())
    tree.file(f"{base}/modules.dep", kmods.modules_dep(modules).encode())
    return modules


def build_tree(root: Path, kernel_version: str, release: str) -> Tree:
    """The complete initramfs tree; ``release`` becomes /etc/stackinstall-guest-release."""
    tree = Tree()
    for directory in ("bin", "sbin", "usr/bin", "usr/sbin", "proc", "sys", "dev", "run",
                      "mnt", "var/log", "etc/dropbear", "usr/share/udhcpc"):
        tree.directory(directory)
    tree.directory("root", 0o700)
    tree.directory("tmp", 0o1777)
    tree.char_device("dev/console", 5, 1)
    tree.char_device("dev/null", 1, 3, 0o666)
    for source, dest in PROGRAMS:
        add_program(tree, root, source, dest)
    check_applets(tree.entries["bin/busybox"].data)
    tree.symlink("bin/sh", "busybox")
    tree.file("init", data_file("init.sh"), 0o755)
    tree.file("usr/share/udhcpc/default.script", data_file("udhcpc.sh"), 0o755)
    for path, text in ETC.items():
        tree.file(path, text.encode())
    for path, text in TOOLS.items():
        tree.file(path, text.encode(), 0o755)
    tree.file("etc/stackinstall-guest-release", release.encode())
    add_modules(tree, root, kernel_version)
    return tree
