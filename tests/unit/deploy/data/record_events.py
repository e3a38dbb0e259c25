"""Re-record the event fixtures: a real ansible-runner run of infra_failed_play.yml.

Run by hand (not collected by pytest):
    /opt/si-venv/bin/python tests/unit/deploy/data/record_events.py
The hosts use connection local plus one unreachable SSH host on 127.0.0.1:2.
"""

import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import ansible_runner

HERE = Path(__file__).parent


def main() -> None:
    events: list[dict] = []
    with tempfile.TemporaryDirectory() as pdd:
        env = {
            "ANSIBLE_HOST_KEY_CHECKING": "False",
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        }
        result = ansible_runner.run(
            private_data_dir=pdd,
            playbook=str(HERE / "infra_failed_play.yml"),
            inventory=str(HERE / "infra_failed_hosts.yml"),
            quiet=True,
            event_handler=lambda e: events.append(e) or True,
            suppress_env_files=True,
            envvars=env,
            ident="infra",
        )
        print(result.status, result.rc, result.stats)
        shutil.rmtree(pdd, ignore_errors=True)
    (HERE / "infra_failed_events.json").write_text(json.dumps(events, indent=1))


if __name__ == "__main__":
    main()
