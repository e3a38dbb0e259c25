"""The cached VM node image: a Debian root of the node's suite on an ext4 disk, from packages.

debootstrap (minbase, the container image's packages plus a kernel, initramfs-tools, udev
and lvm2) builds a root tree; its kernel and initramfs are copied out (VMs boot them with
``-kernel``/``-initrd``) and ``mkfs.ext4 -d`` turns the tree into a sparse raw disk without
loop mounts. Each VM boots a qcow2 overlay of that disk, so the cached disk never changes.

Cache entry: ``images/vm-debian-<suite>-<key>/{root.raw, vmlinuz, initrd.img,
manifest.json}``. ``<key>`` hashes the recipe, suite, mirror and package set, so a *layer*
(the packages of a node's roles, ``vmlayer``) is a spec with more packages and gets an entry
of its own beside the base one: the tree is debootstrapped, then the layer is installed into
it with apt in a ``systemd-nspawn`` (no boot) through the lab's apt proxy, without
Recommends, with services held back by a policy-rc.d (removed afterwards), and the units the
roles start are left disabled until the deploy enables them.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from installer.errors import LabError
from installer.local import file_lock
from installer.testbed.lab import image
from installer.testbed.lab.paths import image_dir
from installer.testbed.lab.sources import Mirrors
from installer.testbed.lab.system import run

#: 3: no iSCSI initiator name in the image (image.finish)
RECIPE_VERSION = "3"
#: How a layer is installed (part of the key of every image with a layer).
LAYER_RECIPE = ("2 nspawn apt-get dist-upgrade and install --no-install-recommends, "
                "policy-rc.d 101, disable")
POLICY_RC_D = ("#!/bin/sh\n# Written by stackinstall lab: no service starts while the layer "
               "installs.\nexit 101\n")
#: The host name the tree has while its layer installs (nova-common's and cinder-common's
#: postinst scripts need their host name to resolve); the seed replaces it on first boot.
LAYER_HOSTNAME = "si-layer"
#: What a VM needs beyond the container image: a kernel that boots under qemu, an initramfs
#: that finds the root disk by its label, udev for /dev/disk links, and
#: lvm2 for volume groups on the data disk.
VM_PACKAGES: tuple[str, ...] = (
    "linux-image-cloud-amd64",
    "initramfs-tools",
    "udev",
    "kmod",
    "e2fsprogs",
    "lvm2",
)
#: e2fsprogs' scrub units: the reaper alone took 26 s of a TCG boot, for nothing a lab needs.
MASKED_UNITS: tuple[str, ...] = ("e2scrub_reap.service", "e2scrub_all.timer")
ROOT_LABEL = "si-root"
SEED_LABEL = "si-seed"
ROOT_SIZE_GIB = 16
PREFIX = "vm-debian-"
BUILD_TIMEOUT = 2400

#: Runs in the guest before sshd: on its first boot it copies the node's identity from the
#: seed disk (written by the host, ``vm.write_seed``); on every boot it gives eth0 the node's
#: management address and eth1 its provider address if it has one (initramfs-tools ignores
#: the kernel's ``ip=`` when the root is local, so the guest does it itself).
SEED_SCRIPT = f"""#!/bin/sh
# Written by stackinstall lab (the VM node image).
set -e
marker=/var/lib/stackinstall/seeded
dev=/dev/disk/by-label/{SEED_LABEL}
if [ ! -e "$marker" ]; then
    for _ in $(seq 60); do [ -e "$dev" ] && break; sleep 0.5; done
    mkdir -p /run/stackinstall-seed
    mount -o ro "$dev" /run/stackinstall-seed
    tar -C /run/stackinstall-seed --exclude=./lost+found -cf - . | tar -C / -xpf -
    umount /run/stackinstall-seed
    mkdir -p /var/lib/stackinstall
    touch "$marker"
fi
address() {{
    ip link set dev "$2" up
    if [ -s "/etc/stackinstall/$1-address" ]; then
        ip addr replace "$(cat "/etc/stackinstall/$1-address")" dev "$2"
    fi
}}
address management eth0
address provider eth1
"""
SEED_UNIT = """# Written by stackinstall lab (the VM node image).
[Unit]
Description=stackinstall lab: node identity from the seed disk, addresses of eth0 and eth1
After=local-fs.target
Before=ssh.service network.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/local/sbin/stackinstall-seed

[Install]
WantedBy=multi-user.target
"""


@dataclass(frozen=True)
class VmImageSpec:
    """What shapes one cached VM disk: suite, mirror and packages (base, plus any layer)."""

    suite: str
    mirror: str
    #: packages of the node's roles installed with apt after debootstrap (none: base image)
    layer: tuple[str, ...] = field(default_factory=tuple)
    #: units of the layer left disabled (the deploy enables and starts them)
    disabled: tuple[str, ...] = field(default_factory=tuple)

    @property
    def packages(self) -> tuple[str, ...]:
        """What debootstrap installs (the layer comes afterwards, with apt)."""
        return (*image.PACKAGES, *VM_PACKAGES)

    @property
    def key(self) -> str:
        parts = [RECIPE_VERSION, self.suite, self.mirror, str(ROOT_SIZE_GIB),
                 SEED_SCRIPT, SEED_UNIT, *sorted(self.packages)]
        if self.layer:  # the base image keeps the key it had before layers existed
            parts += [LAYER_RECIPE, "layer:", *sorted(set(self.layer)),
                      "disabled:", *sorted(set(self.disabled))]
        recipe = "\n".join(parts)
        return hashlib.sha256(recipe.encode()).hexdigest()[:12]

    @property
    def variant(self) -> str:
        """``base`` or ``layer-<n>`` (n packages), for messages and the manifest."""
        return f"layer-{len(set(self.layer))}" if self.layer else "base"

    def directory(self, cache: Path | None = None) -> Path:
        return (cache or image_dir()) / f"{PREFIX}{self.suite}-{self.key}"


@dataclass(frozen=True)
class VmImage:
    """A complete cache entry."""

    directory: Path

    @property
    def disk(self) -> Path:
        return self.directory / "root.raw"

    @property
    def kernel(self) -> Path:
        return self.directory / "vmlinuz"

    @property
    def initrd(self) -> Path:
        return self.directory / "initrd.img"

    @property
    def manifest(self) -> Path:
        return self.directory / "manifest.json"

    def complete(self) -> bool:
        return all(p.is_file() for p in (self.disk, self.kernel, self.initrd, self.manifest))


def debootstrap_argv(target: Path, spec: VmImageSpec) -> list[str]:
    return ["debootstrap", "--variant=minbase", "--include=" + ",".join(spec.packages),
            spec.suite, str(target), spec.mirror]


def mkfs_argv(tree: Path, disk: Path, label: str, size: str) -> list[str]:
    """An ext4 file system holding ``tree``, written straight into ``disk`` (no loop mount)."""
    return ["mkfs.ext4", "-q", "-F", "-L", label, "-d", str(tree), str(disk), size]


@dataclass(frozen=True)
class LayerSource:
    """Where a layer's packages come from: the node's apt sources and the lab's apt proxy."""

    sources: str
    proxy_conf: str


def ensure_vm_image(mirrors: Mirrors, suite: str, log: Path, layer: tuple[str, ...] = (),
                    disabled: tuple[str, ...] = (),
                    source: LayerSource | None = None) -> tuple[VmImage, bool]:
    """The cached VM image of ``suite`` (built first if needed); the bool says it was built.

    With ``layer`` (and ``source``, required then) it is the variant with those packages."""
    spec = VmImageSpec(suite=suite, mirror=mirrors.main, layer=layer, disabled=disabled)
    final = VmImage(spec.directory())
    if final.complete():
        return final, False
    if spec.layer and source is None:
        raise LabError("a VM image layer needs the lab's apt sources and proxy",
                       hint="this is a defect of stackinstall: report it")
    with file_lock(final.directory.parent / ".build.lock"):
        if final.complete():
            return final, False
        _build(spec, final, log, source)
    return final, True


def layer_script(packages: tuple[str, ...], disabled: tuple[str, ...]) -> str:
    """The shell script run in the tree: index; the full upgrade the deploy's bootstrap phase
    runs (debootstrap takes only the suite, not its -updates and -security: a new kernel
    there made the VM build an initramfs for minutes under TCG); install without
    Recommends; disable units."""
    units = " ".join(disabled)
    return "\n".join([
        "set -e",
        "export DEBIAN_FRONTEND=noninteractive",
        "apt-get update -q",
        "apt-get dist-upgrade -y -q --no-install-recommends",
        "apt-get install -y -q --no-install-recommends " + " ".join(sorted(set(packages))),
        f"for u in {units}; do",
        '    if [ -e "/lib/systemd/system/$u.service" ] || [ -e "/etc/systemd/system/$u.service" ]',
        '    then systemctl disable --quiet "$u.service" 2>/dev/null || true; fi',
        "done",
        "apt-get clean",
    ]) + "\n"


def nspawn_argv(tree: Path, script: str) -> list[str]:
    """Run ``script`` in ``tree`` without booting it (the host's network: the proxy)."""
    return ["systemd-nspawn", "--quiet", "--register=no", "--keep-unit", "-D", str(tree),
            f"--hostname={LAYER_HOSTNAME}", "/bin/sh", "-c", script]


def install_layer(tree: Path, spec: VmImageSpec, source: LayerSource, log: Path) -> float:
    """Install the layer's packages into ``tree``; return the seconds it took."""
    etc = tree / "etc"
    policy = tree / "usr" / "sbin" / "policy-rc.d"
    proxy = etc / "apt" / "apt.conf.d" / "01stackinstall-lab-proxy"
    hosts = etc / "hosts"
    saved_hosts = hosts.read_text() if hosts.is_file() else ""
    (etc / "apt" / "sources.list").unlink(missing_ok=True)
    sources = etc / "apt" / "sources.list.d" / "debian.sources"
    sources.parent.mkdir(parents=True, exist_ok=True)
    sources.write_text(source.sources)
    proxy.write_text(source.proxy_conf)
    policy.write_text(POLICY_RC_D)
    policy.chmod(0o755)
    hosts.write_text(f"127.0.0.1\tlocalhost\n127.0.1.1\t{LAYER_HOSTNAME}\n")
    started = time.monotonic()
    try:
        proc = run(nspawn_argv(tree, layer_script(spec.layer, spec.disabled)), check=False,
                   timeout=BUILD_TIMEOUT)
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(f"\n==== layer ({spec.variant})\n{proc.stdout}{proc.stderr}")
        if proc.returncode != 0:
            raise LabError(
                f"installing the VM image layer failed (exit {proc.returncode})",
                hint=f"see {log}; check the lab's apt proxy and that the packages exist",
            )
    finally:
        policy.unlink(missing_ok=True)
        proxy.unlink(missing_ok=True)
        hosts.write_text(saved_hosts)
    return time.monotonic() - started


def _build(spec: VmImageSpec, final: VmImage, log: Path,
           source: LayerSource | None = None) -> None:
    image.clear_stale_builds(final.directory.parent, final.directory.name)
    tmp = image.building_dir(final.directory)
    image.discard_build(tmp)
    tree = tmp / "tree"
    tmp.mkdir(parents=True)
    log.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    try:
        proc = run(debootstrap_argv(tree, spec), check=False, timeout=BUILD_TIMEOUT)
        log.write_text(proc.stdout + proc.stderr)
        if proc.returncode != 0:
            raise LabError(
                f"building the VM node image with debootstrap failed (exit {proc.returncode})",
                hint=f"see {log}; check that {spec.mirror} is reachable from this host",
            )
        bootstrapped = time.monotonic() - started
        # first: with update_initramfs=no, the layer's lvm2 or open-iscsi build no initramfs
        prepare_tree(tree)
        layered = install_layer(tree, spec, source, log) if spec.layer and source else 0.0
        image.finish(tree)
        kernel, initrd = boot_files(tree)
        shutil.copy2(kernel, tmp / "vmlinuz")
        shutil.copy2(initrd, tmp / "initrd.img")
        run(mkfs_argv(tree, tmp / "root.raw", ROOT_LABEL, f"{ROOT_SIZE_GIB}G"), timeout=600)
        shutil.rmtree(tree)
        manifest = {
            "suite": spec.suite, "mirror": spec.mirror, "key": spec.key,
            "packages": list(spec.packages), "kernel": kernel.name.removeprefix("vmlinuz-"),
            "variant": spec.variant, "layer": sorted(set(spec.layer)),
            "disabled": sorted(set(spec.disabled)), "layer_seconds": round(layered, 1),
            "root_size_gib": ROOT_SIZE_GIB, "debootstrap_seconds": round(bootstrapped, 1),
            "build_seconds": round(time.monotonic() - started, 1),
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
        os.rename(tmp, final.directory)
    except BaseException:
        image.discard_build(tmp)
        raise


def prepare_tree(root: Path) -> None:
    """Make the debootstrapped tree a bootable VM root (identity comes later, per node)."""
    etc = root / "etc"
    etc.mkdir(parents=True, exist_ok=True)
    (etc / "fstab").write_text(f"# Written by stackinstall lab.\nLABEL={ROOT_LABEL} / ext4 "
                               "defaults,discard 0 1\n")
    # The initramfs lives outside the image: packages installed later (lvm2, open-iscsi)
    # must not spend minutes rebuilding one under TCG.
    conf = etc / "initramfs-tools" / "update-initramfs.conf"
    conf.parent.mkdir(parents=True, exist_ok=True)
    conf.write_text("# Written by stackinstall lab: the VM boots an initramfs from outside.\n"
                    "update_initramfs=no\nbackup_initramfs=no\n")
    script = root / "usr" / "local" / "sbin" / "stackinstall-seed"
    script.parent.mkdir(parents=True, exist_ok=True)
    script.write_text(SEED_SCRIPT)
    script.chmod(0o755)
    wants = etc / "systemd" / "system" / "multi-user.target.wants"
    wants.mkdir(parents=True, exist_ok=True)
    unit = etc / "systemd" / "system" / "stackinstall-seed.service"
    unit.write_text(SEED_UNIT)
    link = wants / unit.name
    link.unlink(missing_ok=True)
    link.symlink_to(f"/etc/systemd/system/{unit.name}")
    for masked in MASKED_UNITS:
        mask = etc / "systemd" / "system" / masked
        mask.unlink(missing_ok=True)
        mask.symlink_to("/dev/null")


def boot_files(root: Path) -> tuple[Path, Path]:
    """The kernel and initramfs the tree's kernel package installed in /boot."""
    kernels = sorted((root / "boot").glob("vmlinuz-*"), key=_version_key)
    if not kernels:
        raise LabError("the VM node image has no kernel in /boot",
                       hint="check that linux-image-cloud-amd64 installed (image build log)")
    kernel = kernels[-1]
    initrd = root / "boot" / ("initrd.img-" + kernel.name.removeprefix("vmlinuz-"))
    if not initrd.is_file():
        raise LabError(f"the VM node image has no {initrd.name}",
                       hint="check that initramfs-tools ran (image build log)")
    return kernel, initrd


def _version_key(path: Path) -> list[tuple[int, str]]:
    """Sort kernels by version (6.12.99 before 6.12.117), not as text."""
    return [(int(part), "") if part.isdigit() else (-1, part)
            for part in re.split(r"[.+~-]", path.name.removeprefix("vmlinuz-"))]


def manifest(img: VmImage) -> dict[str, object]:
    data: dict[str, object] = json.loads(img.manifest.read_text())
    return data
