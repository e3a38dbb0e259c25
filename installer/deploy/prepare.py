"""Load and validate the answer file, then render the deployment directory."""

from __future__ import annotations

from pathlib import Path

from installer.answers import Deployment, load
from installer.answers.report import show
from installer.errors import AnswerFileError
from installer.render import RenderResult, render


def load_and_render(
    answers: Path, secrets: Path | None, out_dir: Path | None
) -> tuple[Deployment, RenderResult]:
    """The validated model and the freshly rendered deployment directory.

    Validation problems are shown (file, line, key, fix) before the error propagates.
    """
    try:
        deployment = load(answers, secrets)
    except AnswerFileError as exc:
        show(exc.problems)  # type: ignore[arg-type]
        raise
    return deployment, render(deployment, out_dir)
