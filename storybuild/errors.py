"""User-facing errors: one clear message, a documented exit code, never a traceback.

Exit codes: 1 a step failed, `status` found work to do, or the file system refused
(full disk, read-only, permission denied); 2 bad input (story.yaml, command line, a
path storybuild will not write through), 3 the project is locked by another render,
130 interrupted.
"""

from __future__ import annotations

import errno

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


class FileSystemError(StorybuildError):
    """The file system refused a read or write. The message is one line naming the
    path, what went wrong and what to do (see `describe_os_error`)."""

    exit_code = 1


class UnsafePathError(InputError):
    """A path under build/ is a symbolic link (or build/ is not storybuild's), so
    writing or deleting there could touch files outside the project. Nothing was written."""


# errno -> (what went wrong, what to do). Only the causes a user can act on are named;
# anything else is reported with the system's own words.
_ADVICE = {
    errno.ENOSPC: ("the disk is full", "free some space (`storybuild gc` deletes stored files the story "
                                       "no longer uses) and run the command again"),
    errno.EDQUOT: ("the disk quota is exceeded", "free some space and run the command again"),
    errno.EROFS: ("the file system is read-only", "run the command on a writable copy of the project "
                                                  "(`storybuild status` works read-only)"),
    errno.EACCES: ("permission denied", "check that you may write to that folder (its owner and mode)"),
    errno.EPERM: ("operation not permitted", "check that you may write to that folder (its owner and mode)"),
    errno.ENOTDIR: ("a file is where a folder is expected", "move that file out of the way"),
    errno.EISDIR: ("a folder is where a file is expected", "move that folder out of the way"),
    errno.ELOOP: ("it is a symbolic link", "replace the link with a real file or folder"),
}


def describe_os_error(error: OSError, action: str | None = "write", where: object = None) -> str:
    """One line for a file-system error: `cannot <action> <path>: <cause>; <what to do>`
    (`<path>: <cause>; <what to do>` without an action). The path is the one the
    failing call named (the project path as the user typed it, joined with
    storybuild's own relative names), else `where`, else the build folder."""
    path = error.filename if error.filename is not None else (where or "the build folder")
    cause, advice = _ADVICE.get(error.errno, (error.strerror or str(error), "fix it and run the command again"))
    return f"{'cannot ' + action + ' ' if action else ''}{path}: {cause}; {advice}"


def file_system_error(error: OSError, action: str | None = "write", where: object = None) -> FileSystemError:
    """The FileSystemError to raise for `error` (use `raise ... from None`)."""
    return FileSystemError(describe_os_error(error, action, where))
