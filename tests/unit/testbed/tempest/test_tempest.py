"""verify --tempest: tempest.conf, the skip list, naming failures, results, and the run's flow.

The controller's side is scripted (the live run is recorded in the README's figures); the
subunit streams are real: one from python-subunit's encoder (data/unittest_sample.py), one
from tempest 33 on the lab (data/tempest-smoke.subunit, trimmed with subunit-filter).
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from installer.cli import main
from installer.errors import VerifyError
from installer.testbed.tempest import conf, subunit
from installer.testbed.tempest.results import failure_line, results, short_name, tally
from installer.testbed.tempest.run import FLAVORS, UNIT, Selection, TempestRun, run_script
from installer.testbed.tempest.skips import (
    DEFAULT_SKIP_LIST,
    SkipEntry,
    exclude_list_text,
    excluded,
    load_skip_list,
    parse_skip_list,
)
from installer.verify.result import FAIL, PASS
from tests.unit.verify.fakes import Scripted

DATA = Path(__file__).parent / "data"
SAMPLE = subunit.parse((DATA / "unittest-sample.subunit").read_bytes())
CREDENTIALS = ("tempest.api.identity.admin.v3.test_credentials.CredentialsTestJSON."
               "test_credentials_create_get_update_delete[id-7cd59bf9-bda4-4c72-9467-d21cab278355,"
               "smoke]")

# -- tempest.conf ---------------------------------------------------------------------------

INPUTS = conf.ConfInputs(
    cloud="lab", workspace="/root/stackinstall-tempest",
    image_path="/root/stackinstall-tempest/images/stackinstall-guest-0123456789ab.raw",
    flavor_ref="f256", flavor_ref_alt="f320", public_network_id="pub-id",
    cinder_backend="ceph", dashboard_url="http://10.213.0.11/horizon/",
)


def _settings(inputs: conf.ConfInputs) -> dict[str, str]:
    argv = conf.discover_argv(inputs)
    pairs = dict(conf.overrides(inputs))
    flat = [word for pair in conf.overrides(inputs) for word in pair]
    assert argv[-len(flat):] == flat  # positional "section.key value" pairs come last
    assert all(key.count(".") == 1 for key in pairs)  # discover-tempest-config's rule
    return pairs


def test_discovery_uses_the_admin_cloud_the_guest_image_and_the_external_network():
    argv = conf.discover_argv(INPUTS)
    assert argv[0] == "discover-tempest-config"
    options = {word: argv[i + 1] for i, word in enumerate(argv[:-1]) if word.startswith("--")}
    assert options["--os-cloud"] == "lab"
    assert options["--image"] == INPUTS.image_path
    assert options["--image-disk-format"] == "raw"
    assert options["--network-id"] == "pub-id"
    assert options["--out"] == "/root/stackinstall-tempest/etc/tempest.conf"
    assert "--no-default-deployer" in argv
    assert "--create" not in argv  # no demo users or m1.nano flavors
    assert "--debug" not in argv  # it would log the admin password


def test_the_settings_discovery_cannot_know_are_pinned():
    settings = _settings(INPUTS)
    assert {k: settings[k] for k in (
        "validation.run_validation", "validation.image_ssh_user", "validation.connect_method",
        "validation.auth_method", "network.floating_network_name", "network.public_network_id",
        "compute-feature-enabled.config_drive", "compute.flavor_ref", "compute.flavor_ref_alt",
        "volume.backend_names", "volume.storage_protocol", "volume-feature-enabled.backup",
        "auth.tempest_roles",
    )} == {
        "validation.run_validation": "true", "validation.image_ssh_user": "root",
        "validation.connect_method": "floating", "validation.auth_method": "keypair",
        "network.floating_network_name": "public", "network.public_network_id": "pub-id",
        "compute-feature-enabled.config_drive": "true", "compute.flavor_ref": "f256",
        "compute.flavor_ref_alt": "f320", "volume.backend_names": "ceph",
        "volume.storage_protocol": "ceph", "volume-feature-enabled.backup": "false",
        "auth.tempest_roles": "member",
    }
    assert settings["dashboard.login_url"] == "http://10.213.0.11/horizon/auth/login/"
    assert int(settings["validation.ssh_timeout"]) >= 300  # a TCG guest boots slowly
    # the type cinder is registered under, not tempest 43's default 'block-storage'
    assert settings["volume.catalog_type"] == "volumev3"


def test_lvm_backends_and_a_cloud_without_dashboard():
    settings = _settings(conf.ConfInputs(**{**INPUTS.__dict__, "cinder_backend": "loop",
                                                    "dashboard_url": None}))
    assert (settings["volume.backend_names"], settings["volume.storage_protocol"]) == (
        "lvm", "iSCSI")
    assert not any(key.startswith(("dashboard.", "service_available.")) for key in settings)


def test_flavors_fit_the_guest_and_differ_for_resize():
    assert all(ram >= 256 for _name, ram in FLAVORS)
    assert len({ram for _name, ram in FLAVORS}) == 2


# -- the skip list --------------------------------------------------------------------------

SKIPS = """# header prose: not a reason for anything

# Debian's keystone security update narrowed the credential update schema;
# tempest 33 still sends project_id and type
test_credentials_create_get_update_delete
tempest\\.scenario\\.test_x  # trailing reason
"""


def test_each_entry_keeps_its_reason_and_line():
    assert parse_skip_list(SKIPS) == [
        SkipEntry("test_credentials_create_get_update_delete",
                  "Debian's keystone security update narrowed the credential update schema; "
                  "tempest 33 still sends project_id and type", 5),
        SkipEntry("tempest\\.scenario\\.test_x", "trailing reason", 6),
    ]


@pytest.mark.parametrize(("text", "message"), [
    ("# prose\n\ntest_a\n", "has no reason"),
    ("test_a\n", "has no reason"),
    ("# reason\ntest_[a\n", "not a regular expression"),
])
def test_an_entry_without_reason_or_with_a_broken_regex_is_refused(text, message):
    with pytest.raises(VerifyError, match=message):
        parse_skip_list(text, "skip-list.txt")


def test_the_exclude_file_reads_back_the_same_way_stestr_reads_it():
    entries = parse_skip_list(SKIPS)
    text = exclude_list_text(entries)
    # stestr: everything after '#' is a comment, the rest is the regex
    assert [line.split("#")[0].strip() for line in text.splitlines()] == [
        e.pattern for e in entries]
    assert parse_skip_list(text) == [SkipEntry(e.pattern, e.reason, i)
                                     for i, e in enumerate(entries, start=1)]


def test_excluded_tests_are_found_by_search_like_stestr():
    entries = parse_skip_list(SKIPS)
    other = "tempest.api.compute.servers.test_create_server.ServersTestJSON.test_list_servers"
    found = excluded([CREDENTIALS, other], entries)
    assert list(found) == [CREDENTIALS]
    assert found[CREDENTIALS].line == 5


def test_an_entry_can_be_limited_to_releases_and_the_line_is_no_part_of_its_reason(tmp_path):
    text = ("# Debian 12's keystone narrowed the schema\n# releases: zed\ntest_a\n\n"
            "# no KVM here, guests too slow\n# releases: zed, epoxy\ntest_b\n\n"
            "# always\ntest_c\n")
    entries = parse_skip_list(text)
    assert [(e.pattern, e.reason, e.releases) for e in entries] == [
        ("test_a", "Debian 12's keystone narrowed the schema", ("zed",)),
        ("test_b", "no KVM here, guests too slow", ("zed", "epoxy")),
        ("test_c", "always", ()),
    ]
    path = tmp_path / "skip-list.txt"
    path.write_text(text)
    assert [e.pattern for e in load_skip_list(path, release="epoxy")] == ["test_b", "test_c"]
    assert [e.pattern for e in load_skip_list(path, release="zed")] == [
        "test_a", "test_b", "test_c"]
    assert len(load_skip_list(path)) == 3


def test_a_releases_line_alone_is_no_reason():
    with pytest.raises(VerifyError, match="has no reason"):
        parse_skip_list("# releases: zed\ntest_a\n")


@pytest.mark.parametrize("release", ["zed", "epoxy"])
def test_the_shipped_skip_list_is_short_and_every_entry_says_why(release):
    entries = load_skip_list(release=release)
    assert DEFAULT_SKIP_LIST.name == "skip-list.txt"
    assert len(entries) <= 3
    assert all(len(e.reason) > 20 for e in entries)


# -- naming failures ------------------------------------------------------------------------

def test_a_failure_is_named_by_its_test_without_tempests_attributes():
    assert short_name(CREDENTIALS) == ("tempest.api.identity.admin.v3.test_credentials."
                                      "CredentialsTestJSON."
                                      "test_credentials_create_get_update_delete")
    assert short_name("setUpClass (tempest.api.compute.servers.test_x.T)") == \
        "setUpClass (tempest.api.compute.servers.test_x.T)"


TEMPEST_TRACEBACK = """Traceback (most recent call last):
  File "/usr/lib/python3/dist-packages/tempest/api/identity/admin/v3/test_credentials.py", \
line 70, in test_credentials_create_get_update_delete
    update_body = self.creds_client.update_credential(
                  ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "/usr/lib/python3/dist-packages/tempest/lib/common/rest_client.py", line 979, in \
_error_checker
    raise exceptions.BadRequest(resp_body, resp=resp)
tempest.lib.exceptions.BadRequest: Bad request
Details: {'code': 400, 'message': "Invalid input for field 'credential': Additional \
properties are not allowed ('project_id', 'type' were unexpected)", 'title': 'Bad Request'}
"""

CHAINED = """Traceback (most recent call last):
  File "a.py", line 1, in f
    connect()
socket.timeout: timed out

During handling of the above exception, another exception occurred:

Traceback (most recent call last):
  File "tempest/lib/common/ssh.py", line 131, in _get_ssh_connection
    raise exceptions.SSHTimeout(host=self.host,
tempest.lib.exceptions.SSHTimeout: Connection to the 10.213.1.150 via SSH timed out.
User: root, Password: None
"""


def test_the_failures_last_meaningful_line_is_the_final_exception_with_its_details():
    assert failure_line(TEMPEST_TRACEBACK) == (
        "tempest.lib.exceptions.BadRequest: Bad request Details: {'code': 400, 'message': "
        "\"Invalid input for field 'credential': Additional properties are not allowed "
        "('project_id', 'type' were unexpected)\", 'title': 'Bad Request'}")
    assert failure_line(CHAINED) == ("tempest.lib.exceptions.SSHTimeout: Connection to the "
                                     "10.213.1.150 via SSH timed out. User: root, Password: None")
    assert failure_line("no traceback here\nlast words\n\n") == "last words"
    long = "Traceback (most recent call last):\n  File x\nValueError: " + "x" * 1000
    assert len(failure_line(long)) == 400 and failure_line(long).endswith("...")


# -- results --------------------------------------------------------------------------------

def _by_name(found):
    return {r.check: r for r in found}


def test_each_failed_test_is_a_failed_result_and_the_summary_counts_all():
    found = results(SAMPLE, node="openstack1", label="smoke", where="w", duration_s=600)
    by = _by_name(found)
    assert by["tempest: sample_tests.Passing.test_fails"].status == FAIL
    assert by["tempest: sample_tests.Passing.test_fails"].message == \
        "RuntimeError: Bad request Details: {'code': 400}"
    assert by["tempest: setUpClass (sample_tests.BrokenClass)"].message == \
        "ValueError: no flavor with 256 MiB"
    summary = found[-1]
    assert summary.check == "tempest: 2 passed, 2 failed, 1 skipped (smoke)"  # xfail passes
    assert summary.status == FAIL
    assert "skipped: sample_tests.Passing.test_skipped (Config drive is not available)" in \
        summary.message
    assert all(r.node == "openstack1" for r in found)


def _only(stream: subunit.Stream, *ids: str) -> subunit.Stream:
    return subunit.Stream({i: t for i, t in stream.tests.items() if i in ids})


def test_the_summary_passes_only_without_failures_and_with_something_passed():
    clean = _only(SAMPLE, "sample_tests.Passing.test_ok", "sample_tests.Passing.test_skipped")
    (summary,) = results(clean, node="c", label="smoke", where="w", duration_s=1)
    assert (summary.check, summary.status) == ("tempest: 1 passed, 0 failed, 1 skipped (smoke)",
                                               PASS)
    only_skips = _only(SAMPLE, "sample_tests.Passing.test_skipped")
    assert results(only_skips, node="c", label="smoke", where="w", duration_s=1)[-1].status == \
        FAIL
    (nothing,) = results(subunit.Stream(), node="c", label="regex foo", where="w", duration_s=1)
    assert (nothing.check, nothing.status) == ("tempest: 0 passed, 0 failed, 0 skipped "
                                               "(regex foo)", FAIL)
    assert "no test ran" in nothing.message


def test_skip_list_exclusions_count_as_skipped_with_their_reason_never_as_passed():
    clean = _only(SAMPLE, "sample_tests.Passing.test_ok")
    entry = SkipEntry("test_credentials", "keystone narrowed the schema", 9)
    found = results(clean, node="c", label="smoke", where="w", duration_s=1,
                    excluded={CREDENTIALS: entry})
    summary = found[-1]
    assert summary.check == "tempest: 1 passed, 0 failed, 1 skipped (smoke)"
    assert ("excluded by the skip list: tempest.api.identity.admin.v3.test_credentials."
            "CredentialsTestJSON.test_credentials_create_get_update_delete (skip list line 9: "
            "keystone narrowed the schema)") in summary.message
    assert not any("credentials" in r.check for r in found)
    counted = tally(clean, {CREDENTIALS: entry})
    assert [t.test_id for t in counted.passed] == ["sample_tests.Passing.test_ok"]
    assert counted.excluded == [(short_name(CREDENTIALS),
                                 "skip list line 9: keystone narrowed the schema")]


TEMPEST = subunit.parse((DATA / "tempest-smoke.subunit").read_bytes())  # data/trim_subunit.py


def test_a_real_tempest_stream_is_counted_like_tempest_counts_it():
    found = results(TEMPEST, node="openstack1", label="smoke", where="w", duration_s=2023.8)
    by = _by_name(found)
    summary = found[-1]
    # setUpClass rows are what tempest reports for a whole class: one failure, one skip
    assert (summary.check, summary.status) == (
        "tempest: 2 passed, 2 failed, 1 skipped (smoke)", FAIL)
    assert summary.message.startswith("2 passed, 2 failed, 1 skipped in 33.7 min; skipped: "
                                      "setUpClass (tempest.api.object_storage."
                                      "test_account_services.AccountTest) (AccountTest skipped "
                                      "as swift is not available)")
    credentials = by["tempest: " + short_name(CREDENTIALS)]
    assert credentials.message.startswith(
        "tempest.lib.exceptions.BadRequest: Bad request Details: {'code': 400, 'message': "
        "'Additional properties are not allowed ('project_id', 'type' were unexpected) "
        "Failed validating 'additionalProperties' in schema:")
    assert 0.05 < credentials.duration_s < 0.06
    addresses = by["tempest: setUpClass (tempest.api.compute.servers.test_server_addresses."
                   "ServerAddressesTestJSON)"]
    assert addresses.message.startswith("tempest.lib.exceptions.TimeoutException: Request timed "
                                        "out Details: (ServerAddressesTestJSON:setUpClass) "
                                        "Server e7c46d3f")
    assert len(found) == 3


def test_the_real_credentials_failure_is_excluded_by_the_shipped_skip_list():
    ids = [t for t in TEMPEST.tests if "[" in t]
    assert list(excluded(ids, load_skip_list())) == [CREDENTIALS]


def test_unexpected_successes_and_unfinished_tests_fail():
    stream = subunit.Stream({
        "a.T.test_u": subunit.TestResult("a.T.test_u", "uxsuccess"),
        "a.T.test_i": subunit.TestResult("a.T.test_i", "inprogress"),
    })
    by = _by_name(results(stream, node="c", label="smoke", where="w", duration_s=1))
    assert "unexpected success" in by["tempest: a.T.test_u"].message
    assert "did not finish" in by["tempest: a.T.test_i"].message


# -- the run on the controller --------------------------------------------------------------

class Controller(Scripted):
    """The smoke tests' scripted host, with a look-up of the commands it ran."""

    def ran(self, fragment: str) -> list[str]:
        return [c for c in self.commands if fragment in c]


CLOUD = [
    ("dpkg-query", 0, "tempest ii \npython3-tempestconf ii \niputils-ping ii \n"),
    ("test -s", 1, ""),
    ("flavor list", 0, [{"ID": "f256", "Name": "si-tempest-256"}]),
    ("flavor create", 0, {"id": "f320"}),
    ("network show public", 0, {"id": "pub-id", "router:external": True}),
    ("systemctl is-active", 0, "inactive"),
    ("cat /root/stackinstall-tempest/run.rc", 0, "1\n"),
    ("image list --name", 0, [{"ID": "img1"}]),
]


def _run(tmp_path, answers, **kwargs):
    host = Controller(answers)
    uploads, downloads = [], []
    image = tmp_path / "disk.raw"
    image.write_bytes(b"guest")

    def download(remote: str, local: Path) -> None:
        downloads.append(remote)
        if remote.endswith("run.subunit"):
            local.write_bytes((DATA / "unittest-sample.subunit").read_bytes())
        else:
            local.write_text(f"log of {remote} with s3cret inside\n")

    run = TempestRun(
        host=host, cloud="lab", controller="openstack1", artifacts=tmp_path / "art",
        upload=lambda local, remote: uploads.append((local, remote)), download=download,
        guest_image=lambda: image, mask=lambda text: text.replace("s3cret", "***"),
        sleep=lambda s: None, **kwargs)
    return run, host, uploads, downloads


def test_a_run_sets_up_runs_detached_and_reports_the_stream(tmp_path):
    run, host, uploads, downloads = _run(tmp_path, CLOUD)
    found = run.run()
    # installed already: no apt-get; workspace made by tempest init
    assert not host.ran("apt-get")
    assert host.ran("tempest init /root/stackinstall-tempest")
    # the image went up once, named by its content
    ((_local, staged),) = uploads
    assert re.fullmatch(r"/tmp/stackinstall-guest-[0-9a-f]{12}\.raw\.part", staged)
    # only the missing flavor was made, big enough, with the RNG allowed
    (create,) = host.ran("flavor create")
    assert "--ram 320" in create and "hw_rng:allowed=True" in create
    (discover,) = host.ran("discover-tempest-config")
    assert "--network-id pub-id" in discover and "compute.flavor_ref f256" in discover
    (start,) = host.ran("systemd-run")
    assert f"--unit={UNIT}" in start and "--collect" in start
    script = next(c for c in host.commands if "run.sh" in c and "printf" in c)
    assert "--concurrency 1" in script and "--smoke" in script
    assert "--exclude-list" not in script  # the skip list is empty
    # the stream and logs came back, secrets masked; the run's images and flavors went
    assert any(d.endswith("/run.subunit") for d in downloads)
    assert "***" in (tmp_path / "art/tempest/run.log").read_text()
    records = json.loads((tmp_path / "art/tempest/results.json").read_text())
    assert {r["status"] for r in records} == {"fail", "success", "skip", "xfail"}
    trace = (tmp_path / "art/tempest/trace.log").read_text()
    assert "FAIL: sample_tests.Passing.test_fails" in trace
    assert "RuntimeError: Bad request" in trace
    assert host.ran("image delete img1") and host.ran("flavor delete f320")
    assert host.ran("flavor delete f256")
    assert found[-1].check == "tempest: 2 passed, 2 failed, 1 skipped (smoke)"
    assert "artifacts: " in found[-1].message


def test_a_discovery_that_fails_says_the_error_tempest_log_has(tmp_path):
    answers = [("discover-tempest-config", 1, "exit 1"),
               ("grep -v '^[[:space:]]' /root/stackinstall-tempest/logs/discover.log", 0, ""),
               ("tempest.log", 0, "tempest.lib.exceptions.EndpointNotFound: Endpoint not found\n"),
               *CLOUD]
    run, _host, _u, _d = _run(tmp_path, answers)
    (found, *_rest) = run.run()
    assert found.check == "tempest: configure" and found.status == "fail"
    assert found.message.endswith(": tempest.lib.exceptions.EndpointNotFound: Endpoint not "
                                  "found (see discover.log and tempest.log)")


def test_missing_packages_are_installed_without_questions(tmp_path):
    answers = [("dpkg-query", 0, "tempest ii \n"), *CLOUD[1:]]
    run, host, _u, _d = _run(tmp_path, answers)
    run.run()
    (install,) = host.ran("apt-get install")
    assert "DEBIAN_FRONTEND=noninteractive" in install
    assert "python3-tempestconf iputils-ping" in install and " -y " in install


def test_the_skip_list_is_handed_to_tempest_and_its_tests_reported_skipped(tmp_path):
    entry = SkipEntry("test_credentials_create", "keystone narrowed the schema", 7)
    answers = [("--list-tests", 0, f"some warning line\n{CREDENTIALS}\na.b.T.test_c\n"), *CLOUD]
    run, host, _u, _d = _run(tmp_path, answers, skip_list=[entry],
                             selection=Selection("tempest.api.identity"))
    found = run.run()
    script = next(c for c in host.commands if "run.sh" in c and "printf" in c)
    assert "--exclude-list /root/stackinstall-tempest/skip-list.txt" in script
    assert "--regex tempest.api.identity" in script
    assert found[-1].check == "tempest: 2 passed, 2 failed, 2 skipped (regex tempest.api.identity)"
    assert "skip list line 7: keystone narrowed the schema" in found[-1].message


def test_a_set_up_step_that_fails_is_one_failed_result_and_cleans_up(tmp_path):
    answers = [("network show public", 1, "No Network found for public"), *CLOUD]
    run, host, _u, _d = _run(tmp_path, answers)
    found = run.run()
    assert [(r.check, r.status) for r in found] == [("tempest: external network", FAIL)]
    assert "network.provider_cidr" in found[0].message
    assert not host.ran("systemd-run")
    assert host.ran("flavor delete f320")


def test_a_crash_in_a_step_is_a_failed_result_not_a_traceback(tmp_path):
    run, host, _u, _d = _run(tmp_path, CLOUD)

    def broken(command):
        if "tempest init" in command:
            raise RuntimeError("ssh: connect to host 10.213.0.11 port 22: Connection refused")
        return Controller.run(host, command)

    host.run = broken
    (result,) = run.run()
    assert (result.check, result.status) == ("tempest: workspace", FAIL)
    assert result.message == ("RuntimeError: ssh: connect to host 10.213.0.11 port 22: "
                              "Connection refused")


def test_a_run_already_in_progress_is_not_started_twice(tmp_path):
    answers = [("systemctl is-active", 0, "active\n"), *CLOUD]
    run, host, _u, _d = _run(tmp_path, answers)
    (result,) = run.run()
    assert result.check == "tempest: run" and "already in progress" in result.message
    assert not host.ran("systemd-run")


def test_the_run_script_keeps_this_runs_own_stream():
    script = run_script("/root/w", Selection(), "/root/w/skip-list.txt")
    line = next(line for line in script.splitlines() if line.startswith("tempest run"))
    assert shlex.split(line)[:8] == ["tempest", "run", "--smoke", "--concurrency", "1",
                                     "--subunit", "--exclude-list", "/root/w/skip-list.txt"]
    assert line.endswith("> run.subunit 2> logs/run.log")
    assert script.rstrip().endswith('echo "$rc" > run.rc')  # written last: the run is over


# -- the command line -----------------------------------------------------------------------

def test_a_tempest_regex_needs_tempest_and_must_compile(four_node):
    alone = CliRunner().invoke(main, ["verify", str(four_node), "--tempest-regex", "identity"])
    assert alone.exit_code == 2 and "--tempest" in alone.output
    broken = CliRunner().invoke(main, ["verify", str(four_node), "--tempest",
                                       "--tempest-regex", "test_[a"])
    assert broken.exit_code == 2 and "not a regular expression" in broken.output
