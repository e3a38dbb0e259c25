"""The test bed (``installer/testbed``) is optional: the core loads it only when asked to.

``pip install stackinstall`` gives the installer (answers, render, deploy, preflight, status,
destroy, node, verify's node and API checks); ``pip install 'stackinstall[testbed]'`` adds
what only the test bed needs: the lab, the guest image, the smoke, the browser check and
tempest. The core reaches the test bed through :func:`testbed` only (tests/static checks
that), so a missing extra is one clean error instead of a traceback at start.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from installer.errors import StackInstallError

TESTBED_INSTALL = "pip install 'stackinstall[testbed]'"

#: Top-level Python packages that only the test bed imports (the ``testbed`` extra).
TESTBED_ONLY = frozenset({"selenium"})


def testbed(module: str) -> ModuleType:
    """``installer.testbed.<module>``, imported now; a missing test bed dependency is a
    :class:`StackInstallError` that names the extra to install."""
    name = f"installer.testbed.{module}"
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        if (exc.name or "").partition(".")[0] not in TESTBED_ONLY:
            raise  # not a missing extra: a fault of this installation
        raise StackInstallError(
            f"{name} needs the test bed, which is not installed here ({exc.name} is missing)",
            hint=f"install it with `{TESTBED_INSTALL}`",
        ) from None
