"""The SSH-port probe: a TCP connect to loopback only."""

from __future__ import annotations

import socket

from installer.status.reach import reach_all, tcp_answers


def test_an_open_port_answers_and_a_closed_one_says_why() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        open_port = listener.getsockname()[1]
        with socket.socket() as closed:
            closed.bind(("127.0.0.1", 0))  # bound, never listening: refused
            closed_port = closed.getsockname()[1]
            assert tcp_answers("127.0.0.1", open_port) is None
            problem = tcp_answers("127.0.0.1", closed_port)
            assert problem is not None and "refused" in problem.lower()
            assert reach_all([("127.0.0.1", open_port), ("127.0.0.1", closed_port)])[0] is None
    assert reach_all([]) == []
