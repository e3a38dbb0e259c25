"""stackinstall: a packstack-style OpenStack installer."""

from pathlib import Path

__version__ = "0.1.0"

#: Root of the source tree that ships roles/ and playbooks/ next to the package.
PROJECT_ROOT = Path(__file__).resolve().parent.parent
