"""stackinstall: a packstack-style OpenStack installer."""

import sys
from pathlib import Path

__version__ = "0.1.0"


def _ansible_root() -> Path:
    """Where roles/ and playbooks/ are: the checkout, or share/stackinstall of an install."""
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / "playbooks").is_dir():
        return checkout
    return Path(sys.prefix) / "share" / "stackinstall"


#: Directory holding roles/ and playbooks/ (the source tree, or the installed data files).
PROJECT_ROOT = _ansible_root()
