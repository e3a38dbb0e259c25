"""Checks 3 and 11: the OS family and version install the answer file's release; python3."""

from __future__ import annotations

from installer.preflight.checks.context import Context
from installer.preflight.findings import Finding, failed, passed
from installer.preflight.platforms import platforms_for, releases_for


def os_and_release(ctx: Context) -> list[Finding]:
    dep = ctx.deployment
    platform = ctx.platform
    name, check = ctx.node.name, "os and release"
    supported = platforms_for(dep.distro, dep.release)
    expected = (f"an OS that installs {dep.release} (deployment.distro {dep.distro}): "
                f"{', '.join(supported) or 'none'}")
    found = f"{platform.label} ({platform.family} {platform.version})"
    if dep.distro not in ("auto", platform.family):
        return [failed(name, check, found, expected,
                       f"set deployment.distro: {platform.family} (or auto), or install "
                       f"{dep.distro} on {name}")]
    releases = releases_for(platform.family, platform.version)
    if dep.release in releases:
        return [passed(name, check, f"{found}, installs {dep.release}", expected)]
    if releases:
        fix = (f"set deployment.release to one of {', '.join(releases)}, or install "
               f"{' or '.join(supported) or 'a supported OS'} on {name}")
    else:
        fix = f"install {' or '.join(supported) or 'a supported OS'} on {name}"
    installs = ", ".join(releases) or "no supported release"
    return [failed(name, check, f"{found}: installs {installs}", expected, fix)]


def python3(ctx: Context) -> list[Finding]:
    if ctx.facts.python3:
        return [passed(ctx.node.name, "python3", f"python3 {ctx.facts.python3}",
                       "python3 (Ansible runs its modules with it)")]
    return [failed(ctx.node.name, "python3", "no python3 on PATH",
                   "python3 (Ansible runs its modules with it)",
                   "install python3 (apt-get install python3 / dnf install python3)")]
