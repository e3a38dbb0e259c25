"""Whether a node answers on its SSH port: one TCP connect to its address, nothing sent."""

from __future__ import annotations

import socket
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

TIMEOUT_S = 1.5


def tcp_answers(address: str, port: int, timeout: float = TIMEOUT_S) -> str | None:
    """None when a TCP connection to address:port opens within ``timeout``, else why not."""
    try:
        with socket.create_connection((address, port), timeout=timeout):
            return None
    except TimeoutError:
        return f"no answer within {timeout:g} s"
    except OSError as exc:
        return exc.strerror or str(exc)


def reach_all(targets: Sequence[tuple[str, int]],
              timeout: float = TIMEOUT_S) -> list[str | None]:
    """``tcp_answers`` for every (address, port) at once, in the order given."""
    if not targets:
        return []
    with ThreadPoolExecutor(max_workers=min(32, len(targets))) as pool:
        return list(pool.map(lambda t: tcp_answers(t[0], t[1], timeout), targets))
