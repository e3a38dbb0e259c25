"""Bootstrap phase: hostname, name resolution, locale and aliases, package repositories."""

from __future__ import annotations

from typing import Any

from installer.verify.context import CheckContext
from installer.verify.outcome import check, fail, verdict
from installer.verify.probes import last_line

ALL = ("all",)


@check("hostname", groups=ALL, where="roles/base, /etc/hostname")
def test_hostname(host: Any, ctx: CheckContext) -> None:
    actual = host.check_output("hostname").strip()
    if actual != ctx.node.name:
        fail(f"hostname is {actual!r}, expected {ctx.node.name!r}")
    ctx.passed(actual)


@check("/etc/hosts", groups=ALL, where="roles/base, /etc/hosts")
def test_etc_hosts(host: Any, ctx: CheckContext) -> None:
    wrong = []
    lines = [line.split("#")[0].split()
             for line in host.file("/etc/hosts").content_string.splitlines()]
    for node in ctx.inventory.nodes:
        listed = [" ".join(fields) for fields in lines if node.name in fields[1:]]
        if len(listed) > 1:
            wrong.append(f"{node.name} is listed {len(listed)} times ({'; '.join(listed)}), "
                         "expected once, in the block the base role manages")
        addresses = host.addr(node.name).ipv4_addresses
        if node.address not in addresses:
            seen = ", ".join(sorted(addresses)) or "nothing"
            wrong.append(f"{node.name} resolves to {seen}, expected {node.address}")
    verdict(ctx, wrong, f"{len(ctx.inventory.nodes)} nodes resolve")


@check("locale", groups=ALL, where="roles/locale, /etc/profile.d/stackinstall.sh")
def test_login_locale(host: Any, ctx: CheckContext) -> None:
    out = host.run("bash -lc locale").stdout
    values = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
    expected = {"LANG": ctx.var("locale_lang")}
    if ctx.var("locale_lc_all"):
        expected["LC_ALL"] = ctx.var("locale_lc_all")
    wrong = [
        f"{key} is {values.get(key, '').strip(chr(34)) or 'unset'}, expected {value}"
        for key, value in expected.items()
        if value and values.get(key, "").strip('"') != value
    ]
    if wrong:
        fail("login shell: " + "; ".join(wrong))
    ctx.passed(", ".join(f"{k}={v}" for k, v in expected.items()))


@check("login aliases", groups=ALL, where="roles/locale, /etc/profile.d/stackinstall.sh")
def test_login_aliases(host: Any, ctx: CheckContext) -> None:
    aliases: dict[str, str] = ctx.var("locale_aliases") or {}
    if not aliases:
        ctx.passed("no aliases configured")
        return
    out = host.run("bash -lic 'alias' 2>/dev/null").stdout
    defined = {}
    for line in out.splitlines():
        if line.startswith("alias ") and "=" in line:
            name, value = line[len("alias ") :].split("=", 1)
            defined[name] = value.strip("'\"")
    wrong = [
        f"alias {name} is {defined.get(name, 'missing')}, expected {command}"
        for name, command in sorted(aliases.items())
        if defined.get(name) != command
    ]
    if wrong:
        fail("interactive login shell: " + "; ".join(wrong))
    ctx.passed(", ".join(f"{n}={c}" for n, c in sorted(aliases.items())))


@check("package repositories", groups=ALL, where="roles/repos, /etc/apt/sources.list.d")
def test_repositories(host: Any, ctx: CheckContext) -> None:
    if not host.exists("apt-get"):
        result = host.run("dnf -q repolist --enabled")
        if result.rc != 0 or not result.stdout.strip():
            fail(f"no enabled dnf repository: {last_line(result.stderr)}")
        ctx.passed(f"{len(result.stdout.splitlines()) - 1} dnf repositories")
        return
    policy = host.run("apt-cache policy")
    origins = [
        line.split()[1]
        for line in policy.stdout.splitlines()
        if len(line.split()) > 2 and line.split()[1].startswith(("http://", "https://"))
    ]
    if policy.rc != 0 or not origins:
        fail("apt knows no repository (apt-cache policy lists none); run apt-get update")
    mirror = str(ctx.var("repos_mirror") or "")
    if mirror and not any(url.startswith(mirror.rstrip("/")) for url in origins):
        fail(f"apt does not use the mirror {mirror}")
    proxy = str(ctx.var("repos_proxy") or "")
    if proxy:
        dump = host.run("apt-config dump Acquire::http::Proxy").stdout
        if proxy not in dump:
            shown = last_line(dump) or "no proxy"
            fail(f"apt proxy is {shown}, expected {proxy}")
    ctx.passed(f"{len(set(origins))} apt origins" + (f", proxy {proxy}" if proxy else ""))
