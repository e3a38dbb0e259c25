"""One exception hierarchy; the CLI turns each into a clean message and its exit code."""

from __future__ import annotations


class StackInstallError(Exception):
    """Base of every error the operator should see as a message, not a traceback."""

    exit_code: int = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class UsageError(StackInstallError):
    """The command line itself is wrong."""

    exit_code = 2


class AnswerFileError(StackInstallError):
    """The answer file or secrets file is invalid; carries every problem found."""

    exit_code = 3

    def __init__(self, message: str, problems: list[object] | None = None) -> None:
        super().__init__(message)
        self.problems = list(problems or [])


class FileExistsRefusal(StackInstallError):
    """We refuse to overwrite something the operator already has."""

    exit_code = 4


class LabError(StackInstallError):
    """The local lab could not be created, inspected or removed."""

    exit_code = 5


class PreflightFailed(StackInstallError):
    """``stackinstall preflight`` (or deploy's preflight) found problems; carries the report."""

    exit_code = 6

    def __init__(self, message: str, *, report: object, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.report = report


class DeployError(StackInstallError):
    """Ansible reported a failure or unreachable host."""

    exit_code = 7


class DeployFailed(DeployError):
    """A phase of a deploy run failed; carries the run summary (summary.json's content)."""

    def __init__(self, message: str, *, summary: dict[str, object],
                 hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.summary = summary


class VerifyError(StackInstallError):
    """One or more verification checks failed."""

    exit_code = 8


class GuestImageError(StackInstallError):
    """The bootable guest image could not be built (host tools, Debian packages, files)."""

    exit_code = 9


class BackupError(StackInstallError):
    """A backup could not be made, or a backup cannot be restored (refused or damaged)."""

    exit_code = 10
