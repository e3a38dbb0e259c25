"""The pytest plugin behind ``stackinstall verify`` and the roles' molecule verifiers.

The node checks are testinfra tests (``installer/verify/nodetests``) marked with
:func:`installer.verify.outcome.check`. This plugin (``-p installer.verify.plugin``):

- reads the nodes, their inventory groups, the deployment's variables and secrets, from a
  rendered deployment directory (``--deployment DIR``, what verify passes) or from the
  Ansible inventory that molecule hands testinfra (``--ansible-inventory``);
- parametrizes every check over those nodes (``node``) and deselects a check on a node of
  none of its groups, or in a deployment whose settings miss its ``when``, so a check
  exists only where it applies;
- gives each check ``host`` (testinfra over SSH with the inventory's options; under
  molecule, testinfra's own ``host`` fixture) and ``ctx`` (:class:`CheckContext`);
- keeps each node's checks on one xdist worker (``xdist_group``: one SSH master per node);
- turns each report into a verify result: the check's name and node in ``user_properties``,
  the message masked; where the JUnit is written, the node id becomes ``NODE::CHECK``, so
  pytest's own ``--junitxml`` writes ``classname=NODE name=CHECK`` as verify always did.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import testinfra

from installer.catalogue import selects
from installer.masking import Masker, load_secret_values
from installer.verify.context import CheckContext
from installer.verify.inventory import Connection, Inventory, NodeInfo, read_inventory
from installer.verify.outcome import MARK

#: ``user_properties`` keys a check's report carries.
CHECK, NODE, WHERE, SEQ, MESSAGE = "check", "node", "where", "seq", "message"


@dataclass(frozen=True)
class Deployment:
    inventory: Inventory
    nodes: tuple[NodeInfo, ...]
    secrets: dict[str, str]

    @property
    def mask(self) -> Masker:
        return Masker(self.secrets.values())


_DEPLOYMENT = pytest.StashKey["Deployment | None"]()
_HOSTS = pytest.StashKey["dict[str, Any]"]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("stackinstall", "stackinstall verify")
    group.addoption("--deployment", metavar="DIR",
                    help="check the nodes of this rendered deployment directory")
    group.addoption("--node", action="append", default=[], metavar="NAME",
                    help="only check this node (repeatable)")
    group.addoption("--control-dir", metavar="DIR",
                    help="directory for the SSH control sockets (one per node)")
    group.addoption("--local", action="store_true",
                    help="every node is this machine (testinfra's local backend), for the "
                         "plugin's own tests")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"{MARK}(name, groups, where): a stackinstall verify check, run on the "
        "nodes of any of groups")
    config.stash[_HOSTS] = {}
    if not hasattr(config, "workerinput"):  # xdist's workers keep pytest's node ids
        config.pluginmanager.register(_JunitNames(), "stackinstall-junit-names")


class _JunitNames:
    """In the process that writes the JUnit: a check's node id becomes ``NODE::CHECK``."""

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        props = dict(report.user_properties)
        if CHECK in props:
            report.nodeid = f"{props[NODE]}::{props[CHECK]}"


def deployment(config: pytest.Config) -> Deployment | None:
    """The nodes to check, read once per process; None when neither source is given."""
    if _DEPLOYMENT not in config.stash:
        config.stash[_DEPLOYMENT] = _read(config)
    return config.stash[_DEPLOYMENT]


def _read(config: pytest.Config) -> Deployment | None:
    limit = set(config.getoption("node") or ())
    directory = config.getoption("deployment")
    if directory:
        inventory = read_inventory(Path(directory))
        secrets = load_secret_values(Path(directory))
    elif getattr(config.option, "ansible_inventory", None):
        inventory, secrets = _from_ansible(config.option.ansible_inventory)
    else:
        return None
    nodes = tuple(n for n in inventory.nodes if not limit or n.name in limit)
    return Deployment(inventory, nodes, secrets)


def _from_ansible(path: str) -> tuple[Inventory, dict[str, str]]:
    """Molecule's inventory: its hosts, their groups, their variables (secrets among them)."""
    from testinfra.utils.ansible_runner import AnsibleRunner

    runner = AnsibleRunner(path)
    nodes, variables = [], {}
    for name in sorted(runner.get_hosts("all")):
        hostvars = runner.get_variables(name)
        variables = {k: v for k, v in hostvars.items() if k not in {"groups", "group_names"}}
        address = str(hostvars.get("node_address") or hostvars.get("ansible_host") or name)
        nodes.append(NodeInfo(name=name, address=address, roles=(),
                              groups=frozenset({"all", *hostvars.get("group_names", ())}),
                              connection=Connection(address=address)))
    secrets = {k: str(v) for k, v in variables.items() if k.endswith("_password")}
    return Inventory(tuple(nodes), variables), secrets


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    found = deployment(metafunc.config)
    if found is None or "node" not in metafunc.fixturenames:
        return
    metafunc.parametrize("node", found.nodes, ids=[n.name for n in found.nodes])


def _applies(item: pytest.Item) -> bool:
    """A check runs on a node of one of its groups, where the deployment meets its ``when``."""
    mark = item.get_closest_marker(MARK)
    node = _node(item)
    if mark is None or node is None:
        return True
    found = deployment(item.config)
    settings = found.inventory.variables if found is not None else {}
    return (bool(set(mark.kwargs["groups"]) & node.groups)
            and selects(mark.kwargs.get("when") or {}, settings))


def _node(item: pytest.Item) -> NodeInfo | None:
    callspec = getattr(item, "callspec", None)
    return callspec.params.get("node") if callspec is not None else None


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Only the checks of a node's groups; each node's checks on one xdist worker."""
    keep = [i for i in items if _applies(i)]
    dropped = [i for i in items if not _applies(i)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
    items[:] = keep
    for seq, item in enumerate(items):
        node = _node(item)
        item.stash[_SEQ] = seq
        if node is not None:
            item.add_marker(pytest.mark.xdist_group(node.name))


_SEQ = pytest.StashKey[int]()


def _host_of(node: NodeInfo, config: pytest.Config) -> Any:
    """testinfra's host for ``node``, or why it cannot be reached (made once per process)."""
    hosts = config.stash[_HOSTS]
    if node.name not in hosts:
        hosts[node.name] = (testinfra.get_host("local://") if config.getoption("local")
                            else _connect(node, config.getoption("control_dir")))
    return hosts[node.name]


@pytest.fixture
def host(node: NodeInfo, request: pytest.FixtureRequest) -> Any:
    """testinfra's host for ``node`` over SSH (made and reached once per process)."""
    made = _host_of(node, request.config)
    if isinstance(made, str):
        pytest.fail(made, pytrace=False)
    return made


@pytest.fixture
def peer(request: pytest.FixtureRequest) -> Callable[[NodeInfo], Any]:
    """For a check that compares its node with others: the testinfra host of another node,
    or a string saying why it cannot be reached."""
    return lambda other: _host_of(other, request.config)


def _connect(node: NodeInfo, control_dir: str | None) -> Any:
    """A reachable testinfra host, or the reason it is not (every check of the node fails
    with it, as one try)."""
    from installer.verify.connect import make_host

    sockets = Path(control_dir) if control_dir else Path("/tmp")
    try:
        made = make_host(node.connection, sockets / node.name)
        reach = made.run("true")
        if reach.rc != 0:
            raise RuntimeError(reach)
    except Exception as exc:
        return f"cannot reach {node.name} over SSH: {describe(exc)}"
    return made


@pytest.fixture
def ctx(node: NodeInfo, request: pytest.FixtureRequest,
        record_property: Any) -> CheckContext:
    found = deployment(request.config)
    if found is None:
        raise pytest.UsageError("no nodes: pass --deployment DIR (or --ansible-inventory)")
    return CheckContext(node=node, inventory=found.inventory, secrets=found.secrets,
                        record=lambda message: record_property(MESSAGE, message))


def describe(exc: BaseException) -> str:
    """One line for an exception a check did not expect."""
    text = str(exc).strip()
    # testinfra raises RuntimeError(CommandResult) when ssh itself fails (exit 255).
    stderr = getattr(exc.args[0], "stderr", None) if exc.args else None
    if stderr:
        text = f"SSH failed: {str(stderr).strip().splitlines()[-1]}"
    return text.splitlines()[-1] if text else type(exc).__name__


def _problem(excinfo: pytest.ExceptionInfo[BaseException]) -> str:
    """What a failed or blocked check says: its own message, else the unexpected error."""
    value = excinfo.value
    if isinstance(value, pytest.fail.Exception | pytest.skip.Exception):
        return str(value.msg)
    if isinstance(value, AssertionError):
        text = str(value).strip()
        return text.splitlines()[0] if text else "assertion failed"
    return f"check could not run: {describe(value)}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[Any]:
    report = yield
    mark, node = item.get_closest_marker(MARK), _node(item)
    found = deployment(item.config)
    if mark is None or node is None or found is None:
        return report
    mask = found.mask
    name = str(mark.args[0])
    props = [(CHECK, name), (NODE, node.name), (WHERE, mark.kwargs.get("where", "")),
             (SEQ, item.stash.get(_SEQ, 0))]
    if call.excinfo is not None and (report.failed or report.skipped):
        problem = mask(_problem(call.excinfo))
        props.append((MESSAGE, problem))
        if report.failed:
            report.longrepr = problem
        elif isinstance(report.longrepr, tuple):
            path, line, _ = report.longrepr
            report.longrepr = (path, line, problem)
    report.user_properties = [(k, mask(v) if isinstance(v, str) else v)
                              for k, v in [*report.user_properties, *props]]
    return report
