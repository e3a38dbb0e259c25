"""``stackinstall image``: parse options, call :func:`installer.testbed.image.build.build_image`."""

from __future__ import annotations

import json
from pathlib import Path

import click

from installer.console import err, out, success
from installer.testbed.image.build import DEFAULT_CACHE, GuestImage, build_image


def as_dict(image: GuestImage) -> dict[str, object]:
    return {
        "path": str(image.path),
        "disk_format": image.disk_format,
        "size_bytes": image.size_bytes,
        "sha256": image.sha256,
        "kernel_version": image.kernel_version,
        "built": image.built,
        "cached": not image.built,
        "kernel": str(image.kernel),
        "initrd": str(image.initrd),
        "cmdline": image.cmdline,
        "key": image.key,
        "packages": dict(image.packages),
        "build_seconds": image.build_seconds,
    }


@click.group(help="The bootable guest disk image the functional smoke boots, built only from "
             "Debian 12 packages (kernel, busybox-static, dropbear).")
def image() -> None:
    """The guest image."""


@image.command(help="Build the guest image, or take it from the cache when the Debian package "
               "versions, the init script and the build code are unchanged.")
@click.option("--force", is_flag=True, help="Rebuild even when a cached image matches.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help=f"Image cache [default: {DEFAULT_CACHE}].")
def build(force: bool, as_json: bool, cache_dir: Path | None) -> None:
    with err.status("guest image: resolving Debian packages, building if needed"):
        result = build_image(cache_dir, force=force)
    if as_json:
        click.echo(json.dumps(as_dict(result), indent=2))
        return
    how = f"built in {result.build_seconds:.0f} s" if result.built else "from cache"
    success(f"guest image ({how})")
    out.print(f"path:    [path]{result.path}[/path]")
    out.print(f"size:    {result.size_bytes / 2**20:.1f} MiB ({result.disk_format})")
    out.print(f"sha256:  {result.sha256}")
    out.print(f"kernel:  {result.kernel_version}")
