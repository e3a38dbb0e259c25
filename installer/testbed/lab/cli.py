"""`stackinstall lab ...`: parse options and call one function of the lab package per command."""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from pathlib import Path

import click
from rich.table import Table

from installer.console import out, success, warn
from installer.errors import UsageError
from installer.jsonout import dumps
from installer.testbed.lab import lifecycle, ssh, teardown, topology
from installer.testbed.lab.answerfile import plan_from_answer_file
from installer.testbed.lab.sources import SUITE_RELEASES, SUITES
from installer.testbed.lab.status import proxy_url, read_status, status_dict

_SAFETY = (
    "Lab traffic never leaves this machine: nodes live on private bridges the lab creates, "
    "get no default route, and nothing enables forwarding or NAT. While a lab is down its "
    "subnets are covered by an `unreachable` guard route (metric 65000); the guard is "
    "installed by `lab up` and deliberately stays after `lab down`."
)

_name_option = click.option(
    "--name", default="lab", show_default=True,
    help="Lab name (1-8 lower-case letters/digits); two labs with different names and "
    "subnets can coexist.",
)


@click.group(help="A multi-node OpenStack test bed on this machine (systemd-nspawn nodes).\n\n"
             + _SAFETY)
def lab() -> None:
    """The local lab."""


@lab.command(help="Create the lab's nodes (or start those that are stopped) and write an "
             "answer file and secrets file for it. Idempotent.\n\n" + _SAFETY)
@click.option("--nodes", "count", type=click.IntRange(1, 99), default=None,
              help="Number of nodes of the default topology [default: 4: openstack1 "
              "controller, openstack2 network, openstack3 compute, openstack4 storage].")
@click.option("--answers", "answers_file", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Create the nodes of this answer file's topology instead.")
@_name_option
@click.option("--subnet", default=None,
              help=f"Private management subnet [default: {topology.DEFAULT_MANAGEMENT_CIDR}; "
              "with --answers: its network.management_cidr]. Bridge .1, nodes .11, .12, ...")
@click.option("--provider-subnet", default=None,
              help="Private subnet of the provider bridge [default: the block right after "
              "the management subnet, e.g. 10.213.1.0/24].")
@click.option("--suite", type=click.Choice(SUITES), default=None,
              help="Debian suite of the nodes: "
              + ", ".join(f"{s} ({r})" for s, r in SUITE_RELEASES.items())
              + " [default: bookworm; with --answers: the suite of its deployment.release; "
              "an existing lab keeps its own]. The written answer file takes its release.")
@click.option("--vm", "vm_choice", default=None, metavar="NODES_OR_ROLES",
              help="Make these nodes qemu VMs instead of containers: node names or roles, "
              "comma-separated (e.g. compute,storage). A VM has real virtio disks (the "
              "second is /dev/vdb) and its own kernel; KVM if it really works, else TCG.")
@click.option("--vm-memory", type=click.IntRange(topology.MIN_VM_MEMORY_MIB), metavar="MIB",
              default=topology.DEFAULT_VM_MEMORY_MIB, show_default=True,
              help="Memory of each VM node, in MiB.")
@click.option("--vm-cpus", type=click.IntRange(1, topology.MAX_VM_CPUS),
              default=topology.DEFAULT_VM_CPUS, show_default=True, help="vCPUs of each VM node.")
@click.option("--vm-disk", type=click.IntRange(1), metavar="GIB",
              default=topology.DEFAULT_VM_DATA_DISK_GIB, show_default=True,
              help="Size of each VM node's data disk (/dev/vdb, sparse), in GiB.")
@click.option("--vm-cache/--no-vm-cache", default=True, show_default=True,
              help="Pre-install the packages of each VM node's roles into its image on this "
              "host (cached per suite and package set); the deploy still runs every step.")
@click.option("--install-missing", is_flag=True,
              help="apt-get install missing host packages (systemd-container, debootstrap, "
              "apt-cacher-ng) instead of failing.")
def up(count: int | None, answers_file: Path | None, name: str, subnet: str | None,
       provider_subnet: str | None, suite: str | None, vm_choice: str | None, vm_memory: int,
       vm_cpus: int, vm_disk: int, vm_cache: bool, install_missing: bool) -> None:
    if answers_file and (count or subnet):
        raise UsageError("--answers cannot be combined with --nodes or --subnet",
                         hint="the answer file defines the nodes and the management subnet")
    plan: topology.LabPlan | None = None
    if answers_file:
        plan = plan_from_answer_file(name, answers_file, provider_subnet, suite)
    elif count or subnet or provider_subnet or suite:
        plan = topology.plan_default(
            name, count or topology.DEFAULT_NODE_COUNT,
            subnet or topology.DEFAULT_MANAGEMENT_CIDR, provider_subnet)
        plan = replace(plan, suite=suite or plan.suite)
    if vm_choice:
        if plan is None:
            plan = topology.plan_default(name, topology.DEFAULT_NODE_COUNT,
                                         topology.DEFAULT_MANAGEMENT_CIDR)
        spec = topology.VmSpec(memory_mib=vm_memory, cpus=vm_cpus, data_disk_gib=vm_disk)
        plan = topology.with_vms(plan, vm_choice.split(","), spec)
    result = lifecycle.up(plan, name, install_missing=install_missing, vm_cache=vm_cache)
    if result.image_built:
        out.print("built the node image")
    if result.vm_image_built:
        out.print("built the VM node image")
    for node, variant in result.vm_images.items():
        out.print(f"{node}: VM image {variant}")
    if result.accel:
        out.print(f"VM nodes use {result.accel.name}: {result.accel.reason}")
    if result.virt_type:
        out.print(f"nova.virt_type {result.virt_type[0]}: {result.virt_type[1]}")
    if result.started:
        success(f"lab {name!r}: started {', '.join(result.started)}")
    if result.already_running:
        out.print(f"already running: {', '.join(result.already_running)}")
    for node, system in result.degraded.items():
        warn(f"{node}: systemd reports {system!r} (see `stackinstall lab ssh {node} -- "
             "systemctl --failed`)")
    paths = result.paths
    out.print(f"answer file:  [path]{paths.answers}[/path]"
              + ("" if result.answers_written else " (kept)"))
    out.print(f"secrets file: [path]{paths.secrets}[/path]")
    out.print(f"ssh key:      [path]{paths.private_key}[/path]")
    out.print(f"apt proxy:    {result.plan.proxy_url}")
    out.print(f"next: stackinstall lab status --name {name}   |   "
              f"stackinstall deploy {paths.answers}")


@lab.command(help="Show the lab's nodes: roles, address, state, systemd state and memory.")
@_name_option
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
def status(name: str, as_json: bool) -> None:
    st = read_status(name)
    if as_json:
        click.echo(dumps(status_dict(st)))
        return
    table = Table(title=f"lab {name} — {st.state.management_cidr}")
    for col in ("node", "kind", "roles", "address", "state", "systemd", "memory", "pid"):
        table.add_column(col, justify="right" if col in ("memory", "pid") else "left",
                         overflow="fold")
    for n in st.nodes:
        style = "ok" if n.state == "running" else "failed"
        mem = f"{n.memory / 2**20:.0f} MiB" if n.memory is not None else "-"
        kind = (f"vm {n.vm_spec['cpus']} vCPU {n.vm_spec['memory_mib']} MiB"
                if n.vm_spec else n.kind)
        table.add_row(n.name, kind, ",".join(n.roles), n.address, f"[{style}]{n.state}[/{style}]",
                      n.system, mem, str(n.pid or "-"))
    out.print(table)
    proxy = "running" if st.proxy_running else "[failed]stopped[/failed]"
    out.print(f"apt proxy {proxy_url(st)}: {proxy}")
    out.print(f"answer file: [path]{st.paths.answers}[/path]")
    if st.state.tearing_down:
        warn(f"lab {name!r} is being torn down: an earlier `lab down` did not finish; "
             f"run `stackinstall lab down --name {name}`")


@lab.command(name="ssh", context_settings={"ignore_unknown_options": True},
             help="Open a root shell on NODE, or run CMD there: lab ssh NODE -- CMD ...")
@_name_option
@click.argument("node")
@click.argument("command", nargs=-1, type=click.UNPROCESSED)
def ssh_cmd(name: str, node: str, command: tuple[str, ...]) -> None:
    from installer.testbed.lab.paths import LabPaths
    from installer.testbed.lab.state import load_state

    paths = LabPaths.for_lab(name)
    state = load_state(paths.state_file)
    if state is None:
        raise UsageError(f"there is no lab named {name!r}",
                         hint=f"create it with `stackinstall lab up --name {name}`")
    target = state.node(node)
    argv = ssh.ssh_argv(target.address, paths.private_key, paths.known_hosts, command,
                        tty=not command and sys.stdin.isatty())
    sys.stdout.flush()
    os.execvp(argv[0], argv)


@lab.command(help="Stop every node and remove every namespace, link, bridge, mount and "
             "process the lab made, and nothing else. The guard routes stay (by design); on "
             "an absent lab this only makes sure the guard exists.")
@_name_option
@click.option("--keep-image", is_flag=True,
              help="Keep the cached node image and the apt cache (fast next `lab up`).")
@click.option("--subnet", default=None,
              help="Subnet to guard if the lab does not exist "
              f"[default: {topology.DEFAULT_MANAGEMENT_CIDR} and its provider block].")
def down(name: str, keep_image: bool, subnet: str | None) -> None:
    cidr = str(topology.parse_private_cidr(subnet or topology.DEFAULT_MANAGEMENT_CIDR))
    guards = (cidr, topology.default_provider_cidr(cidr)) if subnet or name == "lab" else ()
    result = teardown.down(name, keep_image=keep_image, guard_cidrs=guards,
                           on_removed=lambda item: out.print(f"removed {item}"))
    if result.existed:
        success(f"lab {name!r} is down")
    else:
        out.print(f"there was no lab named {name!r}; guard routes ensured")
