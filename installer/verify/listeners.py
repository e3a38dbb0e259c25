"""A node's listening sockets (``ss -Hltnup``), and those on a wildcard address that the
catalogue does not allow (catalogue.yml: ``listeners``)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from installer.catalogue import Wildcard

#: What lists every TCP listener and UDP socket with its process, without a header.
COMMAND = "ss -Hltnup"
#: How ss writes an address that is no address in particular.
WILDCARDS = frozenset({"0.0.0.0", "::", "*"})
_PROCESS = re.compile(r'\("([^"]*)"')


@dataclass(frozen=True)
class Listener:
    protocol: str  # tcp | udp
    address: str  # without brackets or the %interface scope
    port: int
    process: str  # the names ss shows, comma-separated; "" when it shows none

    @property
    def wildcard(self) -> bool:
        return self.address in WILDCARDS

    def __str__(self) -> str:
        return f"{self.protocol} port {self.port} of {self.process or 'an unnamed process'} " \
               f"on {self.address}"


def _split(local: str) -> tuple[str, int] | None:
    address, _, port = local.rpartition(":")
    if not port.isdigit() or not address:
        return None
    address = address.split("%", 1)[0]  # 0.0.0.0%eth0: bound to a device, still any address
    if address.startswith("[") and address.endswith("]"):
        address = address[1:-1]
    return address, int(port)


def parse(text: str) -> list[Listener]:
    """The listeners of ``ss -Hltnup``'s output (lines it does not understand are skipped)."""
    found = []
    for line in text.splitlines():
        fields = line.split(None, 6)
        if len(fields) < 5 or fields[0] not in {"tcp", "udp"}:
            continue
        where = _split(fields[4])
        if where is None:
            continue
        names = _PROCESS.findall(fields[6]) if len(fields) > 6 else []
        found.append(Listener(fields[0], where[0], where[1], ",".join(dict.fromkeys(names))))
    return sorted(set(found), key=lambda x: (x.port, x.protocol, x.address, x.process))


def allowed(listener: Listener, wildcards: Iterable[Wildcard]) -> bool:
    """Whether ``listener`` may be where it is: not on a wildcard, or allowed there."""
    if not listener.wildcard:
        return True
    processes = listener.process.split(",") if listener.process else [""]
    return all(any(w.allows(p, listener.port) for w in wildcards) for p in processes)


def unexpected(listeners: Sequence[Listener], wildcards: Iterable[Wildcard]) -> list[Listener]:
    """The listeners on a wildcard address that no entry of ``wildcards`` allows."""
    rules = tuple(wildcards)
    return [x for x in listeners if not allowed(x, rules)]


def summary(listeners: Sequence[Listener]) -> str:
    """One line: how many, and which are on a wildcard (allowed ones, by then)."""
    wild = sorted({f"{x.port}/{x.protocol} {x.process}" for x in listeners if x.wildcard})
    text = f"{len(listeners)} listening sockets, the rest on the management address or loopback"
    return f"{text}; allowed on every address: {', '.join(wild)}" if wild else text
