"""Benchmark: how long `answers validate` takes on the four-node sample (prints figures).

Run: .venv/bin/python tests/bench/bench_answers.py
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from installer.answers import check  # noqa: E402
from installer.answers.secrets import fill  # noqa: E402


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        answers = Path(tmp) / "four-node.yml"
        shutil.copy(REPO / "answers" / "four-node.yml", answers)
        fill(Path(tmp) / "four-node.secrets.yml")
        runs = []
        for _ in range(200):
            start = time.perf_counter()
            problems = check(answers)[3]
            runs.append(time.perf_counter() - start)
            assert not problems, problems
        median_ms = statistics.median(runs) * 1000
        print(f"validate in-process (4 nodes, 200 runs): median {median_ms:.2f} ms,"
              f" max {max(runs) * 1000:.2f} ms")
        cli = Path(sys.executable).with_name("stackinstall")
        walls = []
        for _ in range(5):
            start = time.perf_counter()
            subprocess.run([str(cli), "answers", "validate", str(answers)], check=True,
                           capture_output=True)
            walls.append(time.perf_counter() - start)
        print(f"`stackinstall answers validate` wall time incl. interpreter start (5 runs): "
              f"median {statistics.median(walls)*1000:.0f} ms, max {max(walls)*1000:.0f} ms")


if __name__ == "__main__":
    main()
