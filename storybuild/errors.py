"""User-facing errors: one clear message, a documented exit code, never a traceback.

Exit codes: 1 a step failed or `status` found work to do, 2 bad input (story.yaml,
command line), 3 the project is locked by another render, 130 interrupted.
"""

from __future__ import annotations

import click


class StorybuildError(click.ClickException):
    """Base of every error shown to users; click prints `Error: <message>` and exits."""

    exit_code = 1


class InputError(StorybuildError):
    """The story file or the command line is wrong. Nothing was written."""

    exit_code = 2


class StoryValidationError(InputError):
    """story.yaml failed validation. `problems` are complete lines of the form
    `story.yaml:LINE:COL: path: message`, reported all at once."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))

    def format_message(self) -> str:
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        return f"{count} {noun} in the story file:\n" + "\n".join(self.problems)


class LockedError(StorybuildError):
    """Another storybuild process holds the project's lock."""

    exit_code = 3


class ProviderError(Exception):
    """A provider failed to produce a step's output. The message names what failed and
    why, in words a user can act on; it must never contain an API key."""


class MissingDependencyError(StorybuildError):
    """An optional package a chosen provider needs is not installed."""

    exit_code = 2
