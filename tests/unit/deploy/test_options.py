from pathlib import Path

from installer.deploy.options import RunOptions, runner_kwargs
from installer.deploy.settings import ansible_env


def _kwargs(options: RunOptions) -> dict:
    return runner_kwargs(
        options,
        playbook=Path("/p/infra.yml"),
        inventory=Path("/d/inventory"),
        private_data_dir=Path("/d/runs/x"),
        ident="infra",
        envvars={"A": "1"},
        fact_cache=Path("/d/facts"),
    )


def test_defaults_pass_no_filters_and_no_extravars():
    kw = _kwargs(RunOptions())
    assert kw["playbook"] == "/p/infra.yml"
    assert kw["inventory"] == "/d/inventory"
    assert kw["ident"] == "infra"
    assert kw["suppress_env_files"] is True
    assert kw["quiet"] is True
    assert kw["fact_cache"] == "/d/facts"
    for absent in ("limit", "tags", "cmdline", "extravars", "passwords", "verbosity"):
        assert absent not in kw


def test_limit_tags_check_diff_verbosity_are_passed_through():
    kw = _kwargs(
        RunOptions(limit="openstack1", tags=("mariadb", "chrony"), check=True, diff=True,
                   verbosity=2, forks=7)
    )
    assert kw["limit"] == "openstack1"
    assert kw["tags"] == "mariadb,chrony"
    assert kw["cmdline"] == "--check --diff"
    assert kw["verbosity"] == 2
    assert kw["forks"] == 7


def test_environment_keeps_host_key_checking_and_caches_facts():
    env = ansible_env()
    assert env["ANSIBLE_HOST_KEY_CHECKING"] == "True"
    assert env["ANSIBLE_PIPELINING"] == "True"
    assert env["ANSIBLE_CACHE_PLUGIN"] == "jsonfile"
    assert env["ANSIBLE_ROLES_PATH"].endswith("/roles")
    assert env["ANSIBLE_DISPLAY_ARGS_TO_STDOUT"] == "False"


def test_upgrade_passes_always_to_the_base_role_for_this_run_only():
    assert _kwargs(RunOptions(upgrade=True))["cmdline"] == "-e base_upgrade=always"
    assert "cmdline" not in _kwargs(RunOptions(upgrade=False))


def test_mitogen_is_the_default_strategy_and_its_plugins_exist():
    env = _kwargs(RunOptions())["envvars"]
    assert env["ANSIBLE_STRATEGY"] == "mitogen_linear"
    assert (Path(env["ANSIBLE_STRATEGY_PLUGINS"]) / "mitogen_linear.py").is_file()
    assert env["A"] == "1"  # the caller's settings stay


def test_linear_strategy_is_ansibles_own():
    env = _kwargs(RunOptions(strategy="linear"))["envvars"]
    assert env["ANSIBLE_STRATEGY"] == "linear"
    assert "ANSIBLE_STRATEGY_PLUGINS" not in env


def test_mitogen_missing_is_a_deploy_error_naming_the_way_out(monkeypatch):
    import importlib.util

    import pytest

    from installer.deploy import settings
    from installer.errors import DeployError

    real = importlib.util.find_spec
    monkeypatch.setattr(settings.importlib.util, "find_spec",
                        lambda name: None if name == "ansible_mitogen" else real(name))
    with pytest.raises(DeployError) as caught:
        settings.strategy_env("mitogen")
    assert "--strategy linear" in caught.value.hint
