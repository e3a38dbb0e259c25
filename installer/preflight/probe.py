"""One shell script that gathers a node's facts in one round trip, and its parser.

The script prints sections headed ``::name::`` (``::device PATH::`` per device); every
command tolerates failure so one missing tool never hides the other facts.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable

from installer.preflight.devices import CEPH_OSD_DATA_ROOT
from installer.preflight.facts import DeviceFacts, DiskFree, Listener, NodeFacts
from installer.preflight.minimums import DISK_PATHS

_HEADER = re.compile(r"^::(?P<name>[a-z_]+)(?: (?P<arg>.+))?::$")

_BASE = r"""
s() {{ printf '::%s::\n' "$*"; }}
s os; cat /etc/os-release 2>/dev/null
s uid; id -u; id -un
s hostname; hostname
s machine_id; cat /etc/machine-id 2>/dev/null
s cpus; nproc 2>/dev/null || getconf _NPROCESSORS_ONLN
s memory; grep '^MemTotal:' /proc/meminfo
s disk; for p in {disk_paths}; do printf '%s ' "$p"; df -Pk "$p" 2>/dev/null | tail -n 1; done
s addresses; ip -o addr show 2>/dev/null
s interfaces; ls -1 /sys/class/net 2>/dev/null
s kvm; if [ -c /dev/kvm ]; then echo present; else echo absent; fi
s python; command -v python3 >/dev/null 2>&1 && python3 -c 'import platform as p
print(p.python_version())'
s listeners; if command -v ss >/dev/null 2>&1; then ss -H -ltnp; else echo ss-missing; fi
s units; for u in {units}; do printf '%s %s\n' "$u" "$(systemctl is-active "$u" 2>/dev/null)"; done
"""

_DEVICE = r"""
s device {q}
if [ -b {q} ]; then echo block; elif [ -e {q} ]; then echo not-block; else echo missing; fi
if [ -b {q} ]; then
  lsblk -nrpo NAME,TYPE,MOUNTPOINT,FSTYPE {q} 2>/dev/null | sed 's/^/tree /'
  printf 'signature %s\n' "$(blkid -p -s TYPE -o value {q} 2>/dev/null)"
  if command -v pvs >/dev/null 2>&1; then
    printf 'vg %s\n' "$(pvs --noheadings -o vg_name {q} 2>/dev/null | tr -d ' ')"
  fi
  d=$(basename "$(readlink -f {q})")
  for h in /sys/class/block/$d/holders/*; do [ -e "$h" ] && echo "holder ${{h##*/}}"; done
  for l in {osd_root}/*/block; do
    if [ -L "$l" ] && [ "$(readlink -f "$l")" = "$(readlink -f {q})" ]; then
      echo "osd ${{l%/block}}"
    fi
  done
fi
"""


def script(units: Iterable[str], devices: Iterable[str]) -> str:
    """The probe script for a node with these units to ask about and devices to inspect."""
    text = _BASE.format(
        disk_paths=" ".join(shlex.quote(p) for p in DISK_PATHS),
        units=" ".join(shlex.quote(u) for u in units) or "''",
    )
    for device in devices:
        text += _DEVICE.format(q=shlex.quote(device), osd_root=shlex.quote(CEPH_OSD_DATA_ROOT))
    return text


def sections(output: str) -> dict[str, list[str]]:
    """``name`` (or ``device PATH``) -> its lines."""
    found: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in output.splitlines():
        match = _HEADER.match(line)
        if match:
            key = match["name"] + (f" {match['arg']}" if match["arg"] else "")
            current = found.setdefault(key, [])
        elif current is not None:
            current.append(line)
    return found


def _int(lines: list[str], default: int | None = None) -> int | None:
    try:
        return int(lines[0].split()[0])
    except (IndexError, ValueError):
        return default


def parse_disks(lines: list[str]) -> tuple[DiskFree, ...]:
    """``PATH FS 1K-blocks USED AVAILABLE CAPACITY MOUNT`` lines (df -Pk, path prefixed)."""
    disks = []
    for line in lines:
        fields = line.split()
        if len(fields) >= 7 and fields[4].isdigit():
            disks.append(DiskFree(fields[0], int(fields[4]), fields[6]))
    return tuple(disks)


def parse_addresses(lines: list[str]) -> tuple[str, ...]:
    """Addresses of ``ip -o addr show`` lines, without their prefix length."""
    found = []
    for line in lines:
        match = re.search(r"\binet6? (\S+?)(?:/\d+)?\s", line + " ")
        if match:
            found.append(match[1])
    return tuple(found)


def parse_listeners(lines: list[str]) -> tuple[Listener, ...] | None:
    """TCP listeners of ``ss -H -ltnp`` (None when ss is missing)."""
    if lines[:1] == ["ss-missing"]:
        return None
    found = []
    for line in lines:
        fields = line.split()
        if len(fields) < 4:
            continue
        address, _, port = fields[3].rpartition(":")
        if not port.isdigit():
            continue
        users = re.findall(r'\("([^"]+)",pid=(\d+)', line)
        process = ", ".join(f"{name} (pid {pid})" for name, pid in users)
        found.append(Listener(int(port), address.strip("[]").split("%")[0], process))
    return tuple(found)


def parse_units(lines: list[str]) -> dict[str, str]:
    states = {}
    for line in lines:
        unit, _, state = line.partition(" ")
        if unit:
            states[unit] = state.strip() or "unknown"
    return states


def parse_device(path: str, lines: list[str]) -> DeviceFacts:
    kind = lines[0].strip() if lines else "missing"
    tree: list[tuple[str, str, str, str]] = []
    signature = volume_group = osd = ""
    holders: list[str] = []
    for line in lines[1:]:
        tag, _, rest = line.partition(" ")
        if tag == "tree":
            cols = [_unescape(c) for c in rest.split(" ")] + ["", "", "", ""]
            tree.append((cols[0], cols[1], cols[2], cols[3]))
        elif tag == "signature":
            signature = rest.strip()
        elif tag == "holder":
            holders.append(rest.strip())
        elif tag == "vg":
            volume_group = rest.strip()
        elif tag == "osd":
            osd = rest.strip()
    return DeviceFacts(path, kind, tuple(tree), signature, tuple(holders), volume_group, osd)


def _unescape(value: str) -> str:
    """lsblk -r writes spaces and odd bytes as \\xNN."""
    return re.sub(r"\\x([0-9a-fA-F]{2})", lambda m: chr(int(m[1], 16)), value)


def parse(output: str) -> NodeFacts:
    """The facts in a probe script's output."""
    s = sections(output)
    uid_lines = s.get("uid", [])
    python = s.get("python", [])
    return NodeFacts(
        os_release="\n".join(s.get("os", [])),
        uid=_int(uid_lines),
        user=uid_lines[1].strip() if len(uid_lines) > 1 else "",
        hostname=(s.get("hostname") or [""])[0].strip(),
        machine_id=(s.get("machine_id") or [""])[0].strip(),
        cpus=_int(s.get("cpus", [])),
        memory_kib=_int([" ".join((s.get("memory") or [""])[0].split()[1:2])]),
        disks=parse_disks(s.get("disk", [])),
        addresses=parse_addresses(s.get("addresses", [])),
        interfaces=tuple(x.strip() for x in s.get("interfaces", []) if x.strip()),
        kvm=(s.get("kvm") or [""])[0].strip() == "present",
        python3=python[0].strip() if python else "",
        listeners=parse_listeners(s.get("listeners", [])),
        units=parse_units(s.get("units", [])),
        devices={key.split(" ", 1)[1]: parse_device(key.split(" ", 1)[1], lines)
                 for key, lines in s.items() if key.startswith("device ")},
    )
