"""``verify --tempest``: upstream OpenStack's test suite, run on the controller against the cloud.

On the first ``keystone`` node, as root, over the testinfra SSH host the other checks use:

1. install Debian's ``tempest`` and ``python3-tempestconf`` (and ``iputils-ping``: tempest
   pings floating IPs from there) when missing;
2. a workspace made by ``tempest init`` (:data:`WORKSPACE`);
3. the guest image (``installer/testbed/image``) copied there, two flavors of 256 and 320 MiB, the
   external network ``public``; tempest.conf written by ``discover-tempest-config`` with the
   admin cloud of the post phase's clouds.yaml and the settings of :mod:`conf`;
4. ``tempest run`` (the smoke set, or a regex) with ``--concurrency 1`` and the repository's
   skip list, started detached as the transient unit :data:`UNIT`, so a dropped SSH
   connection does not end it; its subunit stream is written as it runs;
5. the stream, logs and a password-masked tempest.conf copied into the verify artifacts
   (``tempest/``), parsed (:mod:`subunit`) into results (:mod:`results`) and a
   readable ``trace.log``, and the images and flavors made for the run deleted.

A step that fails before tests run gives one failed result ``tempest: <step>`` saying why.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import shlex
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from installer.testbed.tempest import subunit
from installer.testbed.tempest.conf import (
    CLOUDS_YAML,
    EXTERNAL_NETWORK,
    FLAVOR_ALT_RAM_MIB,
    FLAVOR_RAM_MIB,
    ConfInputs,
    discover_argv,
)
from installer.testbed.tempest.results import as_records, results, trace_text
from installer.testbed.tempest.skips import SkipEntry, exclude_list_text, excluded
from installer.verify import client
from installer.verify.probes import last_line
from installer.verify.result import FAIL, CheckResult

WORKSPACE = "/root/stackinstall-tempest"
PACKAGES = ("tempest", "python3-tempestconf", "iputils-ping")
UNIT = "stackinstall-tempest"
IMAGE_PREFIX = "stackinstall-guest-"
FLAVORS = (("si-tempest-256", FLAVOR_RAM_MIB), ("si-tempest-320", FLAVOR_ALT_RAM_MIB))
INSTALL_TIMEOUT_S = 1200
DISCOVER_TIMEOUT_S = 900
LIST_TIMEOUT_S = 600
CLIENT_TIMEOUT_S = 180
RUN_TIMEOUT_S = 3 * 3600.0
POLL_S = 20.0
WHERE = ("stackinstall verify --tempest; tempest/ in the verify artifacts (run.subunit, "
         "run.log, tempest.log.gz, discover.log, tempest.conf)")
#: Files copied back from the workspace: (remote, local name, is text to mask).
ARTIFACTS = (
    ("run.subunit", "run.subunit", False),
    ("logs/run.log", "run.log", True),
    ("logs/discover.log", "discover.log", True),
    ("etc/tempest.conf.masked", "tempest.conf", True),
    ("tempest.log.gz", "tempest.log.gz", True),
)


class StepFailed(Exception):
    """A set-up step did not work; the message says what was seen."""


@dataclass(frozen=True)
class Selection:
    """Which tests: tempest's smoke set (``--smoke``), or those matching a regex."""

    regex: str | None = None

    @property
    def label(self) -> str:
        return "smoke" if self.regex is None else f"regex {self.regex}"

    def args(self) -> list[str]:
        return ["--smoke"] if self.regex is None else ["--regex", self.regex]


def run_script(workspace: str, selection: Selection, exclude_list: str | None) -> str:
    """The script the transient unit runs: tempest, then its exit code (written last)."""
    argv = ["tempest", "run", *selection.args(), "--concurrency", "1", "--subunit"]
    if exclude_list:
        argv += ["--exclude-list", exclude_list]
    ws = shlex.quote(workspace)
    return (
        "#!/bin/sh\n"
        f"# written by stackinstall verify --tempest; runs as the unit {UNIT}\n"
        f"cd {ws} || exit 90\n"
        # tempest logs to ./tempest.log (etc/logging.conf of tempest init)
        "rm -f run.rc run.subunit tempest.log\n"
        # --subunit: the stream of exactly this run, written as it goes (a stopped run
        # keeps what finished); stderr has tempest's own messages
        f"{shlex.join(argv)} > run.subunit 2> logs/run.log\n"
        "rc=$?\n"
        'echo "$rc" > run.rc\n'
    )


@dataclass
class TempestRun:
    """One tempest run on the controller ``host`` (a testinfra host)."""

    host: Any
    cloud: str
    controller: str
    artifacts: Path
    upload: Callable[[Path, str], None]
    download: Callable[[str, Path], None]
    guest_image: Callable[[], Path]
    selection: Selection = field(default_factory=Selection)
    skip_list: list[SkipEntry] = field(default_factory=list)
    cinder_backend: str = "ceph"
    dashboard_url: str | None = None
    ca_file: str | None = None
    workspace: str = WORKSPACE
    mask: Callable[[str], str] = lambda text: text
    notify: Callable[[str], None] = lambda message: None
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    made: dict[str, str] = field(default_factory=dict)

    # -- plumbing -------------------------------------------------------------------------

    def sh(self, command: str, what: str, timeout: int = 300) -> str:
        """Run ``command`` as root in the workspace's environment; stdout, or StepFailed."""
        env = f"HOME=/root OS_CLIENT_CONFIG_FILE={CLOUDS_YAML}"
        got = self.host.run(f"{env} timeout {timeout} sh -c {shlex.quote(command)}")
        if got.rc == 124:
            raise StepFailed(f"{what}: no answer within {timeout} s")
        if got.rc != 0:
            said = last_line(got.stderr) or last_line(got.stdout) or f"exit status {got.rc}"
            raise StepFailed(f"{what}: {said}")
        return str(got.stdout)

    def os(self, args: str) -> Any:
        try:
            return client.openstack(self.host, self.cloud, args, timeout=CLIENT_TIMEOUT_S)
        except client.ClientError as exc:
            raise StepFailed(f"openstack {args}: {exc}") from exc

    def write(self, path: str, text: str) -> None:
        self.sh(f"printf '%s' {shlex.quote(text)} > {shlex.quote(path)}", f"write {path}")

    @property
    def ws(self) -> str:
        return shlex.quote(self.workspace)

    # -- set-up ---------------------------------------------------------------------------

    def install(self) -> None:
        query = self.host.run("dpkg-query -W -f='${Package} ${db:Status-Abbrev}\\n' "
                              + " ".join(PACKAGES) + " 2>/dev/null")
        installed = {line.split()[0] for line in query.stdout.splitlines()
                     if len(line.split()) > 1 and line.split()[1] == "ii"}
        missing = [p for p in PACKAGES if p not in installed]
        if not missing:
            return
        self.notify(f"tempest: installing {', '.join(missing)} on {self.controller}")
        install = ("DEBIAN_FRONTEND=noninteractive apt-get install -y -q "
                   f"-o DPkg::Lock::Timeout=300 {' '.join(missing)}")
        try:
            self.sh(install, "apt-get install", INSTALL_TIMEOUT_S)
        except StepFailed:  # stale package lists: refresh once and try again
            self.sh("apt-get update -q", "apt-get update", INSTALL_TIMEOUT_S)
            self.sh(install, "apt-get install", INSTALL_TIMEOUT_S)

    def init_workspace(self) -> None:
        ws = self.ws
        self.sh(f"test -f {ws}/.stestr.conf || tempest init {ws}", "tempest init")
        self.sh(f"mkdir -p {ws}/images {ws}/logs {ws}/etc {ws}/tempest_lock",
                "workspace directories")

    def stage_image(self) -> str:
        """Copy the guest image into the workspace (once per image); returns its path there."""
        try:
            local = self.guest_image()
        except Exception as exc:  # GuestImageError says which tool or package is missing
            hint = getattr(exc, "hint", None)
            raise StepFailed(f"build the guest image: {exc}"
                             + (f" ({hint})" if hint else "")) from exc
        digest = hashlib.sha256()
        with open(local, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        name = f"{IMAGE_PREFIX}{digest.hexdigest()[:12]}.raw"
        remote = f"{self.workspace}/images/{name}"
        self.made["image"] = name
        have = self.host.run(f"test -s {shlex.quote(remote)}")
        if have.rc != 0:
            staging = f"/tmp/{name}.part"
            try:
                self.upload(local, staging)
            except Exception as exc:  # scp's own message says why
                raise StepFailed(f"copy the guest image to {self.controller}: {exc}") from exc
            self.sh(f"mv {shlex.quote(staging)} {shlex.quote(remote)}", "guest image")
        # images of earlier guest builds, and tempestconf's copies of them, are not needed
        self.sh(f"find {self.ws}/images {self.ws}/etc -maxdepth 1 -name '{IMAGE_PREFIX}*' "
                f"! -name {shlex.quote(name)} -delete", "old guest images")
        return remote

    def flavors(self) -> tuple[str, str]:
        rows = self.os("flavor list --all") or []
        ids = []
        for name, ram in FLAVORS:
            found = next((r for r in rows if r.get("Name") == name), None)
            if found is None:
                found = self.os(f"flavor create --vcpus 1 --ram {ram} --disk 1 "
                                f"--property hw_rng:allowed=True {name}")
                found = {"ID": found["id"]}
            self.made[f"flavor:{name}"] = str(found["ID"])
            ids.append(str(found["ID"]))
        return ids[0], ids[1]

    def public_network(self) -> str:
        try:
            network = self.os(f"network show {EXTERNAL_NETWORK}")
        except StepFailed as exc:
            raise StepFailed(f"no external network '{EXTERNAL_NETWORK}' for floating IPs ({exc}): "
                             "set network.provider_cidr in the answer file and deploy (the post "
                             "phase creates it)") from exc
        if not (network.get("router:external") or network.get("is_router_external")):
            raise StepFailed(f"network '{EXTERNAL_NETWORK}' is not external")
        return str(network["id"])

    def configure(self, inputs: ConfInputs) -> None:
        self.notify(f"tempest: writing tempest.conf on {self.controller} "
                    "(discover-tempest-config)")
        argv = shlex.join(discover_argv(inputs))
        log = f"{self.ws}/logs/discover.log"
        try:
            self.sh(f"cd {self.ws} && {argv} > {log} 2>&1", "discover-tempest-config",
                    DISCOVER_TIMEOUT_S)
        except StepFailed as exc:
            tail = self.host.run(f"grep -v '^[[:space:]]' {log} | tail -n 1").stdout.strip()
            # python-tempestconf 3.5 (Debian 13) logs its traceback to tempest.log only
            tail = tail or self.host.run(
                f"grep -E ' ERROR [a-z_.]+ +[A-Za-z_.]+(Error|Exception|NotFound|Forbidden|"
                f"Unauthorized): ' {self.ws}/tempest.log | tail -n 1 "
                "| sed -E 's/.* ERROR [a-z_.]+ +//'").stdout.strip()
            raise StepFailed(f"{exc}{': ' + tail if tail else ''} "
                             "(see discover.log and tempest.log)") from exc
        self.sh(f"cd {self.ws} && sed -E 's/^([[:space:]]*[A-Za-z_]*password[[:space:]]*=).*/"
                "\\1 ***/' etc/tempest.conf > etc/tempest.conf.masked", "mask tempest.conf")

    def exclusions(self) -> tuple[str | None, Mapping[str, SkipEntry]]:
        """Write the exclude list; the selected tests it excludes (listed by tempest itself)."""
        path = f"{self.workspace}/skip-list.txt"
        if not self.skip_list:
            self.sh(f"rm -f {shlex.quote(path)}", "skip list")
            return None, {}
        self.write(path, exclude_list_text(self.skip_list))
        listing = self.sh(f"cd {self.ws} && tempest run {shlex.join(self.selection.args())} "
                          "--list-tests", "tempest run --list-tests", LIST_TIMEOUT_S)
        ids = [line.strip() for line in listing.splitlines()
               if line.strip() and " " not in line.strip() and "." in line]
        return path, excluded(ids, self.skip_list)

    # -- the run --------------------------------------------------------------------------

    def start(self, exclude_list: str | None) -> None:
        state = self.host.run(f"systemctl is-active {UNIT}").stdout.strip()
        if state in ("active", "activating", "deactivating", "reloading"):
            raise StepFailed(f"a tempest run is already in progress on {self.controller} "
                             f"(unit {UNIT}); wait for it or stop it: systemctl stop {UNIT}")
        if state == "failed":
            self.host.run(f"systemctl reset-failed {UNIT}")
        script = f"{self.workspace}/run.sh"
        self.write(script, run_script(self.workspace, self.selection, exclude_list))
        self.sh(f"systemd-run --unit={UNIT} --collect --quiet "
                f"--property=WorkingDirectory={self.ws} --setenv=HOME=/root "
                f"--setenv=OS_CLIENT_CONFIG_FILE={CLOUDS_YAML} /bin/sh {shlex.quote(script)}",
                "systemd-run")

    def wait(self) -> tuple[int | None, str]:
        """Wait for the unit; (tempest's exit status or None, a note when it did not end)."""
        deadline = self.clock() + RUN_TIMEOUT_S
        rc_file = f"{self.ws}/run.rc"
        while True:
            done = self.host.run(f"cat {rc_file} 2>/dev/null")
            if done.rc == 0 and done.stdout.strip().lstrip("-").isdigit():
                return int(done.stdout.strip()), ""
            state = self.host.run(f"systemctl is-active {UNIT}").stdout.strip()
            if state not in ("active", "activating", "deactivating", "reloading"):
                return None, f"the tempest unit ended without an exit status ({state})"
            if self.clock() > deadline:
                self.host.run(f"systemctl stop {UNIT}")
                return None, f"stopped after {RUN_TIMEOUT_S / 3600:.0f} h without finishing"
            self.sleep(POLL_S)

    def fetch(self) -> Path:
        """Copy the stream and logs into ``<artifacts>/tempest``; returns that directory."""
        out = self.artifacts / "tempest"
        out.mkdir(parents=True, exist_ok=True)
        out.chmod(0o700)
        self.host.run(f"cd {self.ws} && rm -f tempest.log.gz && test -f tempest.log && "
                      "gzip -c tempest.log > tempest.log.gz")
        for remote, name, text in ARTIFACTS:
            path = f"{self.workspace}/{remote}"
            if self.host.run(f"test -f {shlex.quote(path)}").rc != 0:
                continue
            local = out / name
            self.download(path, local)
            if text:
                _mask_file(local, self.mask)
        return out

    def cleanup(self) -> str:
        """Delete the images and flavors made for the run; a note of what could not be."""
        left = []
        image = self.made.get("image")
        if image:
            for name in (image, f"{image}_alt"):
                rows = self._quiet(f"image list --name {shlex.quote(name)}") or []
                for row in rows:
                    if self._quiet(f"image delete {row['ID']}", as_json=False) is None:
                        left.append(f"image {name}")
        for key, flavor in self.made.items():
            if key.startswith("flavor:") and \
                    self._quiet(f"flavor delete {flavor}", as_json=False) is None:
                left.append(f"flavor {key.removeprefix('flavor:')}")
        return f"left behind (delete by hand): {', '.join(left)}" if left else ""

    def _quiet(self, args: str, as_json: bool = True) -> Any:
        try:
            got = client.openstack(self.host, self.cloud, args, timeout=CLIENT_TIMEOUT_S,
                                   as_json=as_json)
        except client.ClientError:
            return None
        return got if as_json else (got or "ok")

    # -- all of it ------------------------------------------------------------------------

    def run(self) -> list[CheckResult]:
        started = self.clock()
        step = "install packages"
        try:
            self.install()
            step = "workspace"
            self.init_workspace()
            step = "guest image"
            image = self.stage_image()
            step = "flavors"
            flavor, flavor_alt = self.flavors()
            step = "external network"
            network = self.public_network()
            step = "configure"
            self.configure(ConfInputs(
                cloud=self.cloud, workspace=self.workspace, image_path=image,
                flavor_ref=flavor, flavor_ref_alt=flavor_alt, public_network_id=network,
                cinder_backend=self.cinder_backend, dashboard_url=self.dashboard_url,
                ca_file=self.ca_file))
            step = "skip list"
            exclude_list, skipped_by_list = self.exclusions()
            step = "run"
            about = " (about 15 min on the lab)" if self.selection.regex is None else ""
            self.notify(f"tempest: running the {self.selection.label} tests on "
                        f"{self.controller}, one at a time{about}")
            run_started = self.clock()
            self.start(exclude_list)
            rc, note = self.wait()
            run_seconds = self.clock() - run_started
        except Exception as exc:  # a step that failed or crashed (e.g. SSH gone) is reported
            said = str(exc) if isinstance(exc, StepFailed) else f"{type(exc).__name__}: {exc}"
            out = [CheckResult(f"tempest: {step}", self.controller, FAIL, said, WHERE,
                               self.clock() - started)]
            if leftover := self.cleanup():
                out.append(CheckResult("tempest: clean up", self.controller, FAIL, leftover,
                                       WHERE))
            return out
        return self._report(rc, note, run_seconds, skipped_by_list)

    def _report(self, rc: int | None, note: str, seconds: float,
                skipped_by_list: Mapping[str, SkipEntry]) -> list[CheckResult]:
        notes = [note] if note else []
        try:
            out = self.fetch()
        except Exception as exc:  # the run happened; say that its files did not come back
            out = self.artifacts / "tempest"
            out.mkdir(parents=True, exist_ok=True)
            notes.append(f"artifacts not copied: {exc}")
        stream_file = out / "run.subunit"
        data = stream_file.read_bytes() if stream_file.is_file() else b""
        try:
            stream = subunit.parse(data)
        except subunit.SubunitError as exc:
            stream = subunit.Stream()
            notes.append(str(exc))
        if not stream.tests:
            log = out / "run.log"
            said = last_line(log.read_text(errors="replace")) if log.is_file() else ""
            notes.append(f"tempest exited {rc}: {said or 'no output'}")
        notes.append(f"artifacts: {out}")
        (out / "results.json").write_text(
            json.dumps(as_records(stream, skipped_by_list), indent=2) + "\n", encoding="utf-8")
        (out / "trace.log").write_text(self.mask(trace_text(stream)), encoding="utf-8")
        found = results(stream, node=self.controller, label=self.selection.label, where=WHERE,
                        duration_s=seconds, excluded=skipped_by_list, notes=tuple(notes))
        if leftover := self.cleanup():
            found.append(CheckResult("tempest: clean up", self.controller, FAIL, leftover,
                                     WHERE))
        return found


def _mask_file(path: Path, mask: Callable[[str], str]) -> None:
    """Mask secret values in a copied text file (gzip-compressed when it ends in .gz)."""
    if path.suffix == ".gz":
        with gzip.open(path, "rt", encoding="utf-8", errors="replace") as handle:
            text = handle.read()
        masked = mask(text)
        if masked != text:
            with gzip.open(path, "wt", encoding="utf-8") as handle:
                handle.write(masked)
        return
    text = path.read_text(encoding="utf-8", errors="replace")
    masked = mask(text)
    if masked != text:
        path.write_text(masked, encoding="utf-8")
