"""Why keystone cannot issue tokens, seen on its own node.

Every API call authenticates first, so a keystone fault makes every API check fail with a
client error that names nothing. This looks at keystone itself: its unit, its fernet key
repository and its log, so that the failure points at keystone instead of clouds.yaml.
"""

from __future__ import annotations

import shlex
from typing import Any

from installer import catalogue
from installer.verify.probes import last_line

#: keystone's token key repository (keystone.conf [fernet_tokens] key_repository).
FERNET_KEYS = "/etc/keystone/fernet-keys"
#: keystone's logs (Debian's uWSGI app writes keystone-wsgi-public.log).
LOGS = "/var/log/keystone/*.log"


def diagnosis(host: Any, family: str) -> str | None:
    """What is wrong with keystone on ``host`` (its node), or None when nothing is seen."""
    found = []
    units = catalogue.load().components["keystone"].units[family]
    quoted = " ".join(shlex.quote(f"{u}.service") for u in units)
    states = host.run(f"systemctl is-active {quoted}").stdout.split()
    for unit, state in zip(units, states, strict=False):
        if state != "active":
            found.append(f"{unit} is {state} (journalctl -u {unit})")
    keys = host.run(f"ls -1 {FERNET_KEYS} 2>/dev/null | grep -c '^[0-9][0-9]*$'").stdout.strip()
    if keys == "0":  # grep -c prints 0 for a missing or empty directory
        found.append(f"its fernet key repository {FERNET_KEYS} has no key (restore it, or "
                     "re-create it with `stackinstall deploy FILE --phase services`, which "
                     "runs keystone-manage fernet_setup)")
    if found:
        error = last_line(host.run(
            f"grep -h ' ERROR ' {LOGS} 2>/dev/null | grep -E 'Error|Exception|exception' "
            "| tail -n 1").stdout)
        if error:
            found.append(f"last ERROR in {LOGS}: {error[-300:]}")
        return "keystone is the cause: " + "; ".join(found)
    return None
