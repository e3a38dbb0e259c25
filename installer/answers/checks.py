"""Value checks for single answer-file settings; each returns an error text or None.

Every text of the answer file reaches a shell, a command line, a path or a config file on the
nodes, and Ansible evaluates ``{{ }}`` in any inventory value: :func:`text` refuses control
characters and template delimiters in all of them, and each key's own check (its type) what
its use needs. The patterns the roles check too live in the catalogue (catalogue.yml:
patterns), matched whole here and there.
"""

from __future__ import annotations

import ipaddress
import re
import uuid as uuidlib
from collections.abc import Callable
from typing import Any

from installer import catalogue

#: name -> the catalogue's pattern, compiled (matched whole with ``fullmatch``)
PATTERNS: dict[str, re.Pattern[str]] = {
    name: re.compile(pattern) for name, pattern in catalogue.load().patterns.items()
}
_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)", re.IGNORECASE)
_URL = re.compile(
    r"https?://"
    r"([A-Za-z0-9._~%-]+(:[A-Za-z0-9._~%-]*)?@)?"  # user[:password]@
    r"([A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])"  # host name, IPv4 or [IPv6]
    r"(:[0-9]{1,5})?"
    r"(/[A-Za-z0-9._~%/+=,@:-]*)?"  # path: no quotes, spaces, ; $ ` ( ) or query
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_TEMPLATE = re.compile(r"\{\{|\{%|\{#")
_PARENT = re.compile(r"(^|/)\.\.(/|$)")


def text(value: str) -> str | None:
    """What every answer-file text must be: one line, and no Ansible template."""
    if match := _CONTROL.search(value):
        return (f"{value!r} contains the control character {match.group()!r} (a line break?); "
                "it would end the line of the shell or config file it is written to")
    if match := _TEMPLATE.search(value):
        return (f"{value!r} contains {match.group()!r}: Ansible would evaluate it as a "
                "template on the deploy host")
    return None


def _pattern(name: str, what: str) -> Callable[[str], str | None]:
    """The check of a text that must match the catalogue's pattern ``name`` whole."""
    def check(value: str) -> str | None:
        return None if PATTERNS[name].fullmatch(value) else f"{value!r} is not {what}"
    check.__name__ = name
    return check


locale = _pattern("locale", "a locale name like en_US.UTF-8")
interface = _pattern("interface", "a network interface name (1-15 letters, digits, '_', '.', "
                     "'-', not starting with '.' or '-')")
physnet = _pattern("physnet", "a physical network name (up to 64 letters, digits, '_', '.', "
                   "'-'; no ':' or ',', which neutron's mappings use)")
user = _pattern("user", "a user name (a letter or '_', then letters, digits, '_', '.', '-'; "
                "at most 32)")
key_path = _pattern("key_path", "a key file path stackinstall can pass to ssh (letters, "
                    "digits, '_', '.', '+', '@', '-', '/', a leading ~; no spaces or quotes)")
device = _pattern("device", "a block device path like /dev/sdb (under /dev/, letters, digits, "
                  "'_', '.', ':', '+', '-'; no '..')")
alias_name = _pattern("alias_name", "a shell alias name (letters, digits, '_', '.', '-', not "
                      "starting with '.' or '-')")
alias_command = _pattern("alias_command", "a command (one non-empty line)")
ini_section = _pattern("ini_section", "an INI section name (letters, digits, '_', '.', ':', "
                       "'-'; no brackets)")
ini_option = _pattern("ini_option", "an option name (letters, digits, '_', '.', '-'; no '=')")
django_setting = _pattern("django_setting", "a Django setting name (upper case, digits, '_')")


def hostname(value: str) -> str | None:
    if len(value) > 253 or not all(_LABEL.fullmatch(p) for p in value.split(".")):
        return f"{value!r} is not a valid hostname (letters, digits, '-' and '.')"
    if value.replace(".", "").isdigit():
        return f"{value!r} is not a valid hostname (all digits)"
    return None


def ip(value: str) -> str | None:
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return f"{value!r} is not an IP address"
    if isinstance(address, ipaddress.IPv6Address) and address.scope_id is not None:
        return f"{value!r} is an IPv6 address with a scope (%...); give the address alone"
    return None


def cidr(value: str) -> str | None:
    try:
        net = ipaddress.ip_network(value, strict=True)
    except ValueError as exc:
        if "host bits set" in str(exc):
            net = ipaddress.ip_network(value, strict=False)
            return f"{value!r} has host bits set (the network is {net})"
        return f"{value!r} is not a network in CIDR form (like 10.0.0.0/24)"
    if isinstance(net, ipaddress.IPv6Network) and "%" in value:
        return f"{value!r} is an IPv6 network with a scope (%...); give the network alone"
    return None


def hostname_or_ip(value: str) -> str | None:
    if ip(value) is None or hostname(value) is None:
        return None
    return f"{value!r} is neither a hostname nor an IP address"


def url(value: str) -> str | None:
    if value and not _URL.fullmatch(value):
        return (f"{value!r} is not an http:// or https:// URL of a host, an optional port and "
                "a path (no spaces, quotes, ; $ ` ( ) or query string)")
    return None


def port(value: Any) -> str | None:
    if not 1 <= value <= 65535:
        return f"{value} is not a TCP port (1-65535)"
    return None


def vni_range(value: str) -> str | None:
    m = PATTERNS["vni_range"].fullmatch(value)
    if not m or not 1 <= int(m[1]) <= int(m[2]) <= 16777215:
        return f"{value!r} is not a VNI range like 1:1000 (1 <= first <= last <= 16777215)"
    return None


def file_path(value: str) -> str | None:
    if _PARENT.search(value):
        return f"{value!r} climbs out with '..'"
    return None


def uuid(value: str) -> str | None:
    try:
        if str(uuidlib.UUID(value)) == value.lower():
            return None
    except ValueError:
        pass
    return f"{value!r} is not a UUID like 8f3c2b1e-4d5a-4c3b-9a7e-1f2d3c4b5a69"


def prompt(value: str) -> str | None:
    if not PATTERNS["prompt"].fullmatch(value):
        return (f"{value!r} is not a prompt stackinstall writes: bash would run a $(...) or "
                "`...` in it (or one that a \\NNN escape or the text of an escape after '$' "
                "makes) each time it shows the prompt; use plain text and \\u, \\h, \\w, "
                "\\$")
    return None


def ip_range(value: str) -> str | None:
    parts = value.split("-")
    if len(parts) != 2 or any(ip(p) for p in parts):
        return f"{value!r} is not a range FIRST-LAST of two IP addresses"
    return None


def has_linuxbridge(release: str) -> bool:
    """Whether neutron still has the linuxbridge driver and agent in ``release``
    (catalogue.yml: facts.neutron_linuxbridge)."""
    return bool(catalogue.load(release).facts["neutron_linuxbridge"])


def mechanism_driver(value: str, release: str) -> str | None:
    """The driver must exist in the release; Open vSwitch is proven only where it must be used.

    Epoxy has only openvswitch (the neutron role makes the provider bridge and uses Open
    vSwitch's userspace datapath where the kernel has no openvswitch module; deployed on the
    Debian 13 lab). Before Epoxy, the openvswitch path has never run: linuxbridge it is.
    """
    linuxbridge = has_linuxbridge(release)
    if value == "linuxbridge" and not linuxbridge:
        return (f"'linuxbridge' does not exist in {release}: neutron removed its driver and "
                "agent in 2025.1 (Epoxy); use 'openvswitch'")
    if value == "openvswitch" and linuxbridge:
        return (f"'openvswitch' has never run with {release}: the neutron role makes its "
                "provider bridge, but the path is proven only with "
                f"{', '.join(r for r in catalogue.releases() if not has_linuxbridge(r))} "
                "(Debian 13 lab); "
                "use 'linuxbridge', proven live with guests, floating IPs, security groups "
                "and volumes")
    return None


#: The check of each text type of the schema (installer/answers/schema.py ``Key.type``);
#: ``enum`` is checked against its choices. Every text key has one of these or an enum
#: (tests/contract/test_answer_input.py).
STRING_CHECKS: dict[str, Callable[[str], str | None]] = {
    "hostname": hostname,
    "ip": ip,
    "cidr": cidr,
    "hostname_or_ip": hostname_or_ip,
    "url": url,
    "locale": locale,
    "interface": interface,
    "physnet": physnet,
    "vni_range": vni_range,
    "user": user,
    "key_path": key_path,
    "file_path": file_path,
    "device": device,
    "uuid": uuid,
    "prompt": prompt,
    "ip_range": ip_range,
    "alias_name": alias_name,
    "alias_command": alias_command,
}
