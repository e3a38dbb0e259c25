#!/usr/bin/env bash
# Install everything stackinstall needs on a Debian 12 machine (as root), idempotently:
# Debian packages for the lab and tests, a virtualenv in .venv, and the project in it.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${STACKINSTALL_VENV:-$REPO/.venv}"
PKGS=(python3 python3-venv python3-dev gcc debootstrap systemd-container apt-cacher-ng
      iproute2 openssh-client rsync ca-certificates git chromium chromium-driver)
# the guest image (installer/testbed/image): build tools, qemu to boot it, busybox for its unit tests
PKGS+=(dosfstools mtools syslinux syslinux-common genisoimage qemu-system-x86 qemu-utils busybox-static cpio)
# the lab's VM nodes: qemu (above), mkfs.ext4 -d for their disks, debugfs/blkid in the unit tests
PKGS+=(e2fsprogs util-linux)
PKGS+=(${STACKINSTALL_EXTRA_PKGS:-})

if [ "$(id -u)" -ne 0 ]; then
  echo "scripts/setup.sh: run as root (it installs Debian packages and creates the lab)" >&2
  exit 2
fi
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
# Debian's apt-cacher-ng package starts its own daemon where systemd runs; the lab runs its own.
if [ ! -x "$VENV/bin/python" ]; then
  echo "setup: creating virtualenv $VENV"
  /usr/bin/python3 -m venv "$VENV"
fi
stamp="$VENV/.stackinstall-installed"
want="$(sha256sum "$REPO/pyproject.toml" | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "setup: installing stackinstall and its dependencies into $VENV"
  "$VENV/bin/pip" install -q --upgrade pip >/dev/null
  "$VENV/bin/pip" install -q -e "$REPO[dev]"
  echo "$want" > "$stamp"
fi
echo "setup: ready ($VENV/bin/stackinstall)"
