"""The error hierarchy: every failure a user can cause has a class and a readable message."""
from __future__ import annotations

from dataclasses import dataclass


class WorkbenchError(Exception):
    """Base class for every error the workbench raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a model, located as precisely as the input allows."""

    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f":{self.row}"
        if self.column:
            where += f":{self.column}"
        return f"{where}: {self.message}"


class ModelError(WorkbenchError):
    """Bad input: carries every problem found, so a user can fix them all in one pass."""

    def __init__(self, problems: list[Problem] | Problem | str):
        if isinstance(problems, str):
            problems = [Problem("<model>", None, None, problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems = list(problems)
        count = len(self.problems)
        heading = f"{count} problem{'s' if count != 1 else ''} in the model:"
        super().__init__("\n".join([heading, *(f"  {p}" for p in self.problems)]))


class InfeasibleError(WorkbenchError):
    """No portfolio satisfies every constraint; `explanation` says which ones conflict."""

    def __init__(self, message: str, explanation: list[str] | None = None):
        self.explanation = list(explanation or [])
        lines = [message, *(f"  - {line}" for line in self.explanation)]
        super().__init__("\n".join(lines))


class SolverError(WorkbenchError):
    """The solver is missing, crashed or returned a status we cannot trust."""
