"""The build folder on disk: its marker, and the rule that nothing is written through a link.

storybuild writes only under `<project>/build/`. Before it writes there it checks that
neither build/ nor any folder between build/ and the file is a symbolic link: a link
would make a render (or clean) write or delete wherever it points, outside the
project. The link itself is never followed or removed; the user decides.

When storybuild creates (or first uses) a build folder it writes
`build/.storybuild/MARKER`. `clean` touches only a build folder that has it, so
`storybuild clean` run in the wrong folder deletes nothing.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path, PurePath

from storybuild.atomic import write_atomic
from storybuild.errors import UnsafePathError, file_system_error
from storybuild.kinds import view_patterns

META = ".storybuild"
MARKER = "MARKER"
MARKER_TEXT = (b"This build folder was made by storybuild. `storybuild clean` removes only the files\n"
               b"storybuild made here (and, with --all, this .storybuild store); your own files stay.\n")
# Folders of the store that are written to: none of them may be a link either.
_META_FOLDERS = ("objects", "traces", "tmp", "validated")
# Views that belong to no step: the review page every render writes (review_publish).
PAGE_VIEWS = ("index.html",)


def is_view_path(rel: PurePath) -> bool:
    """True when `rel` (relative to build/) is a place storybuild links a view to: it
    matches, part for part, a view pattern some step kind declares."""
    if rel.name.startswith("."):
        return False
    return any(len(rel.parts) == len(PurePath(pattern).parts) and rel.match(pattern)
               for pattern in (*view_patterns(), *PAGE_VIEWS))


def refuse_symlinks(build_dir: Path, path: Path) -> None:
    """Raise UnsafePathError when build_dir, or any existing folder between it and
    `path` (which must lie under build_dir), is a symbolic link. `path` itself may
    be a link: files are replaced by rename, which never writes through one."""
    build_dir = Path(build_dir)
    folder = build_dir
    _refuse_link(folder)
    for part in Path(path).relative_to(build_dir).parts[:-1]:
        folder = folder / part
        _refuse_link(folder)


def _refuse_link(folder: Path) -> None:
    if os.path.islink(folder):
        raise UnsafePathError(
            f"refusing to write through a symbolic link: {folder} points to {os.readlink(folder)}; "
            "storybuild writes only inside the project, so make it a real folder (or remove it) and run again")


def prepare_build_dir(build_dir: Path) -> None:
    """Make build/ and build/.storybuild (if missing) and the marker; refuse links.
    File-system failures become one-line FileSystemErrors naming the path."""
    meta = Path(build_dir) / META
    for folder in (build_dir, meta, *(meta / name for name in _META_FOLDERS)):
        _refuse_link(folder)
    try:
        Path(build_dir).mkdir(exist_ok=True)
        meta.mkdir(exist_ok=True)
        if not is_marked(build_dir):
            write_atomic(meta / MARKER, MARKER_TEXT)
    except OSError as error:
        raise file_system_error(error) from None


def is_marked(build_dir: Path) -> bool:
    """True when build_dir is a real folder holding storybuild's marker file (no links)."""
    meta = Path(build_dir) / META
    try:
        return (stat.S_ISDIR(os.lstat(build_dir).st_mode) and stat.S_ISDIR(os.lstat(meta).st_mode)
                and stat.S_ISREG(os.lstat(meta / MARKER).st_mode))
    except OSError:
        return False


def validation_cache(build_dir: Path) -> Path | None:
    """Where the loader may remember that story.yaml validated: inside a marked build
    folder, or a new one (then `mark_new` marks it). None for a build/ storybuild did
    not make, or one reached through a link: status must not write there."""
    meta = Path(build_dir) / META
    if any(os.path.islink(p) for p in (build_dir, meta, meta / "validated")):
        return None
    if os.path.lexists(build_dir) and not is_marked(build_dir):
        return None
    return meta / "validated"


def mark_new(build_dir: Path) -> None:
    """Mark a build folder the loader just created for its cache. Best effort: a
    read-only checkout simply stays unmarked (and uncached)."""
    meta = Path(build_dir) / META
    if os.path.isdir(meta) and not os.path.islink(meta) and not is_marked(build_dir):
        try:
            write_atomic(meta / MARKER, MARKER_TEXT)
        except OSError:
            pass


def check_views(build_dir: Path, steps) -> None:
    """Refuse, before any step runs, when a folder on the way to a step's view is a
    link (store._link checks again at the moment of writing)."""
    for step in steps:
        for rel in step.views.values():
            refuse_symlinks(build_dir, Path(build_dir) / rel)
