"""Checks 1 and 2: the SSH key logs in; the login is root, or may become root by sudo."""

from __future__ import annotations

from installer.answers.model import Deployment, Node
from installer.preflight.checks.context import Context
from installer.preflight.facts import NodeProbe
from installer.preflight.findings import Finding, failed, passed


def login(deployment: Deployment, node: Node, probe: NodeProbe) -> Finding:
    ssh = deployment.ssh
    if node.local:
        return passed(node.name, "local connection", "this machine runs the commands itself",
                      "no SSH: the node is the machine stackinstall runs on")
    expected = f"{ssh.user}@{node.address}:{ssh.port} logs in with {ssh.private_key}"
    if probe.key_unusable:
        return failed(node.name, "ssh login", probe.login_error, expected,
                      "set ssh.private_key to a readable private key without a passphrase, "
                      f"or make one with ssh-keygen -t ed25519 -N '' -f {ssh.private_key}")
    if probe.unreachable:
        return failed(node.name, "ssh login", probe.login_error, expected,
                      f"start sshd on {node.name} (systemctl start ssh; sshd on RHEL), "
                      f"make {node.address}:{ssh.port} reachable from this host, or set "
                      "ssh.port / nodes[].address to where sshd listens")
    if probe.login_error:
        return failed(node.name, "ssh login", probe.login_error, expected,
                      f"put the public key in ~{ssh.user}/.ssh/authorized_keys on {node.name}, "
                      f"check that sshd listens on {node.address}:{ssh.port} and that "
                      "nodes[].address and ssh.* are right")
    return passed(node.name, "ssh login", f"logged in as {ssh.user} ({probe.host_key})",
                  expected)


def root_or_sudo(ctx: Context) -> list[Finding]:
    access = ctx.probe.access
    user = "this machine's user" if ctx.node.local else ctx.deployment.ssh.user
    name = ctx.node.name
    check = "root or sudo"
    if access is None or access.uid is None:
        return [failed(name, check, "id -u printed nothing", "uid 0, or passwordless sudo",
                       "make sure the login shell of ssh.user runs commands")]
    if access.uid == 0:
        return [passed(name, check, f"{user} is root", "root, or passwordless sudo")]
    if not ctx.deployment.ssh.become and not ctx.node.local:
        return [failed(name, check, f"{user} is uid {access.uid} and ssh.become is false",
                       "ssh.user root, or ssh.become: true with passwordless sudo",
                       "set ssh.become: true (and give the user passwordless sudo), "
                       "or ssh.user: root")]
    if access.sudo_rc == 0:
        return [passed(name, check, f"{user} is uid {access.uid}; sudo -n true works",
                       "passwordless sudo (ssh.become: true)")]
    why = access.sudo_output or f"exit code {access.sudo_rc}"
    return [failed(name, check, f"sudo -n true failed for {user}: {why}",
                   "passwordless sudo (ssh.become: true)",
                   f"install sudo and add '{user} ALL=(ALL) NOPASSWD: ALL' to "
                   f"/etc/sudoers.d/{user} on {name}")]
