"""``--json``: one JSON document on stdout, everything meant for people on stderr.

Inside :func:`json_stdout` every console (and ``print``) writes to stderr; the command
gives its document to the returned function, which writes it to the real stdout.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext, redirect_stdout
from typing import Any

Emit = Callable[[Any], None]


def dumps(data: Any) -> str:
    return json.dumps(data, indent=2, default=str)


@contextmanager
def json_stdout(enabled: bool = True) -> Iterator[Emit]:
    """Yield ``emit(data)``; when ``enabled``, stdout is stderr until the block ends."""
    real = sys.stdout

    def emit(data: Any) -> None:
        real.write(dumps(data) + "\n")
        real.flush()

    with redirect_stdout(sys.stderr) if enabled else nullcontext():
        yield emit
