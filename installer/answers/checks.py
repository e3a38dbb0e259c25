"""Value checks for single answer-file settings; each returns an error text or None."""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from installer import catalogue

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$", re.IGNORECASE)
_LOCALE = re.compile(r"^(C|POSIX|[a-z]{2,3}_[A-Z]{2})(\.(UTF-8|utf8))?(@[a-z]+)?$")
_URL = re.compile(r"^https?://[^\s/:]+(:\d{1,5})?(/\S*)?$")
_IFACE = re.compile(r"^[A-Za-z0-9_.:@-]{1,15}$")


def hostname(value: str) -> str | None:
    if len(value) > 253 or not all(_LABEL.match(p) for p in value.split(".")):
        return f"{value!r} is not a valid hostname"
    if value.replace(".", "").isdigit():
        return f"{value!r} is not a valid hostname (all digits)"
    return None


def ip(value: str) -> str | None:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return f"{value!r} is not an IP address"
    return None


def cidr(value: str) -> str | None:
    try:
        ipaddress.ip_network(value, strict=True)
    except ValueError as exc:
        if "host bits set" in str(exc):
            net = ipaddress.ip_network(value, strict=False)
            return f"{value!r} has host bits set (the network is {net})"
        return f"{value!r} is not a network in CIDR form (like 10.0.0.0/24)"
    return None


def hostname_or_ip(value: str) -> str | None:
    if ip(value) is None or hostname(value) is None:
        return None
    return f"{value!r} is neither a hostname nor an IP address"


def url(value: str) -> str | None:
    if value and not _URL.match(value):
        return f"{value!r} is not an http:// or https:// URL"
    return None


def locale(value: str) -> str | None:
    if not _LOCALE.match(value):
        return f"{value!r} is not a locale name like en_US.UTF-8"
    return None


def interface(value: str) -> str | None:
    if not _IFACE.match(value):
        return f"{value!r} is not a network interface name (1-15 characters, no spaces or /)"
    return None


def port(value: Any) -> str | None:
    if not 1 <= value <= 65535:
        return f"{value} is not a TCP port (1-65535)"
    return None


def vni_range(value: str) -> str | None:
    m = re.fullmatch(r"(\d+):(\d+)", value)
    if not m or not 1 <= int(m[1]) <= int(m[2]) <= 16777215:
        return f"{value!r} is not a VNI range like 1:1000 (1 <= first <= last <= 16777215)"
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


STRING_CHECKS = {
    "hostname": hostname,
    "ip": ip,
    "cidr": cidr,
    "hostname_or_ip": hostname_or_ip,
    "url": url,
    "locale": locale,
}

#: Extra checks for particular keys, beyond their type.
KEY_CHECKS = {
    "network.provider_interface": interface,
    "network.vni_range": vni_range,
}
