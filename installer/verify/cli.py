"""CLI: ``stackinstall verify``."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import click

from installer.errors import UsageError
from installer.extras import testbed
from installer.verify.command import run_verify

if TYPE_CHECKING:
    from installer.testbed.smoke.image import GuestImage
    from installer.testbed.tempest.run import Selection

_FILE = click.Path(path_type=Path, dir_okay=False)


@click.command()
@click.argument("answers", type=_FILE)
@click.option("--secrets", type=_FILE, help="Secrets file (default: as the answer file says).")
@click.option("-o", "--output", "out_dir", type=click.Path(path_type=Path, file_okay=False),
              help="Deployment directory (default: deployments/<name> beside ANSWERS).")
@click.option("--junit", type=click.Path(path_type=Path, dir_okay=False),
              help="Also write the results as JUnit XML to this file.")
@click.option("--json", "as_json", is_flag=True,
              help="Print machine-readable JSON to stdout instead of the table.")
@click.option("--limit", "nodes", multiple=True, metavar="NODE",
              help="Only check this node (repeatable).")
@click.option("--smoke", is_flag=True,
              help="Also run the functional smoke: image, network, router, volume, a server "
                   "booted to ACTIVE, attach, then delete all of it.")
@click.option("--image", "image", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="With --smoke: boot this image file (qcow2 or raw: cirros, a distro cloud "
                   "image) instead of the built guest image.")
@click.option("--image-user", default="root", show_default=True, metavar="USER",
              help="With --image: the user to log into the guest as (cirros: cirros, Debian: "
                   "debian); commands that need root run under sudo.")
@click.option("--browser", is_flag=True,
              help="Also log in to the dashboard with a headless Chromium (screenshots kept "
                   "in <deployment>/verify/).")
@click.option("--tempest", is_flag=True,
              help="Also run upstream OpenStack's tempest on the controller: the smoke set, "
                   "one test at a time, minus tempest/skip-list.txt (about 15 min).")
@click.option("--tempest-regex", metavar="REGEX",
              help="With --tempest: run the tests whose id matches REGEX instead of the "
                   "smoke set.")
def verify(
    answers: Path,
    secrets: Path | None,
    out_dir: Path | None,
    junit: Path | None,
    as_json: bool,
    nodes: tuple[str, ...],
    smoke: bool,
    image: Path | None,
    image_user: str,
    browser: bool,
    tempest: bool,
    tempest_regex: str | None,
) -> None:
    """Check over SSH that every node runs what its roles need, as configured."""
    if browser:
        testbed("browser")  # without the test bed this fails here, before any check
    run_verify(answers, secrets, out_dir, junit=junit, as_json=as_json, nodes=nodes,
               smoke=smoke, browser=browser, tempest=_selection(tempest, tempest_regex),
               smoke_image=_smoke_image(smoke, image, image_user))


def _smoke_image(smoke: bool, image: Path | None, user: str) -> GuestImage | None:
    if image is None:
        if user != "root":
            raise UsageError("--image-user names the user of an --image, but --image is not "
                             "given", hint="add --image FILE, or drop --image-user")
        return None
    if not smoke:
        raise UsageError("--image is the image the smoke boots, but --smoke is not given",
                         hint="add --smoke")
    return testbed("smoke.image").operator_image(image, user)


def _selection(tempest: bool, regex: str | None) -> Selection | None:
    if regex is not None:
        if not tempest:
            raise UsageError("--tempest-regex selects tempest tests, but --tempest is not given",
                             hint="add --tempest")
        try:
            re.compile(regex)
        except re.error as exc:
            raise UsageError(f"--tempest-regex {regex!r} is not a regular expression: {exc}",
                             hint="tempest matches it with Python's re.search against test "
                                  "ids") from None
    return testbed("tempest.run").Selection(regex) if tempest else None
