import json
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def failed_events() -> list[dict]:
    """Events of a real ansible-runner run of data/infra_failed_play.yml (see record_events.py)."""
    return json.loads((DATA / "infra_failed_events.json").read_text())
