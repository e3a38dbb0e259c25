"""The smoke's connection to the cloud, and the one rule for repeating a call.

The connection is openstacksdk's, built from the post phase's ``clouds.yaml`` in the
deployment directory (the admin's credentials, keystone's public URL) and nothing else: no
environment variable and no other clouds.yaml on this host takes part.

A read or a delete is safe to repeat; it is repeated when the API could not be reached or
answered 502/503/504 (a worker restarting behind the load balancer). A create is never
repeated: the error is the step's failure.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from keystoneauth1.exceptions.connection import ConnectionError as ConnectError
from openstack import exceptions
from openstack.config.loader import OpenStackConfig
from openstack.connection import Connection

from installer.testbed.smoke.steps import StepFailed

T = TypeVar("T")
#: HTTP statuses of an API that is briefly away.
TRANSIENT_STATUS = frozenset({502, 503, 504})
ATTEMPTS = 3
PAUSE = 3.0


def connect(clouds_yaml: Path, cloud: str) -> Connection:
    """A connection as ``cloud`` of ``clouds_yaml``; a missing file or cloud is a StepFailed."""
    if not clouds_yaml.is_file():
        raise StepFailed(f"{clouds_yaml} is missing: the post phase writes the admin's "
                         "credentials there (stackinstall deploy FILE --phase post)")
    config = OpenStackConfig(config_files=[str(clouds_yaml)], vendor_files=[],
                             secure_files=[], load_envvars=False)
    try:
        region = config.get_one(cloud=cloud)
    except exceptions.ConfigException as exc:
        raise StepFailed(f"{clouds_yaml} has no usable cloud '{cloud}': {exc}") from exc
    return Connection(config=region)


def transient(exc: BaseException) -> bool:
    """True for an error after which the same read or delete may well work."""
    if isinstance(exc, ConnectError):
        return True
    return isinstance(exc, exceptions.HttpException) and exc.status_code in TRANSIENT_STATUS


def again(call: Callable[..., T], *args: Any, sleep: Callable[[float], None] = time.sleep,
          **kwargs: Any) -> T:
    """``call(*args, **kwargs)``, repeated after a transient error (reads and deletes only)."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return call(*args, **kwargs)
        except Exception as exc:
            if attempt == ATTEMPTS or not transient(exc):
                raise
            sleep(PAUSE)
    raise AssertionError("unreachable")
