"""A package proxy that stalls: it accepts connections on the lab bridge and leaves the ones
that arrive during its stall unanswered; later ones it forwards to the lab's real proxy.
What a hung mirror or proxy looks like to apt on a node, for the tests of the index refresh.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from dataclasses import dataclass, field


def _pump(source: socket.socket, sink: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := source.recv(65536):
            sink.sendall(data)
    with contextlib.suppress(OSError):
        sink.shutdown(socket.SHUT_WR)


@dataclass
class StallingProxy:
    """Listens on ``host`` (a free port); holds what arrives before ``stall_s`` has passed
    since the first connection (forever, when ``stall_s`` is None); forwards the rest to
    ``upstream`` (host, port)."""

    host: str
    upstream: tuple[str, int]
    stall_s: float | None = None
    held: int = 0
    forwarded: int = 0
    _sockets: list[socket.socket] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._server = socket.create_server((self.host, 0))
        self.port = self._server.getsockname()[1]
        self._first: float | None = None
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _stalling(self) -> bool:
        now = time.monotonic()
        self._first = self._first or now
        return self.stall_s is None or now - self._first < self.stall_s

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            self._sockets.append(client)
            if self._stalling():
                self.held += 1
                continue
            upstream = socket.create_connection(self.upstream)
            self._sockets.append(upstream)
            self.forwarded += 1
            threading.Thread(target=_pump, args=(client, upstream), daemon=True).start()
            threading.Thread(target=_pump, args=(upstream, client), daemon=True).start()

    def close(self) -> None:
        self._server.close()
        for sock in self._sockets:
            sock.close()

    def __enter__(self) -> StallingProxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
