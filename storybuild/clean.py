"""`storybuild clean`: remove what storybuild made under build/, and nothing else.

A file is storybuild's when it sits at a view path (the places the step kinds link
their outputs to, e.g. `<slug>.mp4`, `scenes/<id>/clip.mp4`, `cards/title.png`: see
kinds.view_patterns) and is a stored object: the same inode as one, or, where the
file system has no hard links, the same bytes. Everything else under build/ (your
notes, a file you saved over a view, symbolic links) is kept and listed. Links are
never followed, and only folders that clean itself emptied are removed.

clean works only on a build folder storybuild marked (buildfs.MARKER), never creates
a folder, and never deletes through a link.
"""

from __future__ import annotations

import os
import shutil
import stat
from dataclasses import dataclass, field
from pathlib import Path

from storybuild.buildfs import MARKER, META, is_marked, is_view_path
from storybuild.errors import InputError, UnsafePathError, file_system_error
from storybuild.keys import digest_file

_LISTED = 10  # kept files named in the message; the rest are counted


@dataclass
class Sweep:
    """What a clean did: paths removed and kept (as shown to the user)."""

    removed: list[Path] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)


def check_cleanable(project_dir: Path, build_dir: Path) -> bool:
    """Raise InputError/UnsafePathError (exit 2) unless build_dir is a real build folder
    storybuild marked; False when there is nothing to clean (no build/ in a project)."""
    if not project_dir.is_dir():
        reason = "no such folder" if not os.path.lexists(project_dir) else "it is not a folder"
        raise InputError(f"no storybuild project at {project_dir}: {reason}; nothing removed")
    if os.path.islink(build_dir):
        raise UnsafePathError(f"{build_dir} is a symbolic link (to {os.readlink(build_dir)}); clean never "
                              "deletes through a link, so nothing was removed")
    if not os.path.lexists(build_dir):
        if (project_dir / "story.yaml").is_file():
            return False
        raise InputError(f"no storybuild project at {project_dir}: it has no story.yaml and no build folder; "
                         "nothing removed")
    if not is_marked(build_dir):
        raise UnsafePathError(f"{build_dir} was not made by storybuild (it has no {META}/MARKER), so clean "
                              "removes nothing there; if storybuild did make it, run `storybuild render` once to mark it")
    return True


def sweep(build_dir: Path, everything: bool) -> Sweep:
    """Remove the views under build_dir, keep the rest, remove the folders this
    emptied; with `everything`, also the store (see _remove_store). Must run under
    the project lock."""
    result = Sweep()
    objects = _object_inodes(build_dir / META / "objects")
    for path, mode in _entries(build_dir):
        rel = path.relative_to(build_dir)
        if stat.S_ISREG(mode) and is_view_path(rel) and _is_stored(build_dir, path, objects):
            _remove(path.unlink, path)
            result.removed.append(path)
        else:
            result.kept.append(f"{path} (a symbolic link)" if stat.S_ISLNK(mode) else str(path))
    emptied = {parent for path in result.removed for parent in path.parents if build_dir in parent.parents}
    for folder in sorted(emptied, key=lambda p: len(p.parts), reverse=True):
        if not any(os.scandir(folder)):
            _remove(folder.rmdir, folder)
    if everything:
        _remove_store(build_dir)
    return result


def _remove_store(build_dir: Path) -> None:
    """Delete build/.storybuild but its marker; then, when nothing else is left in
    build/, the marker and build/ too (a build/ that keeps your files stays marked,
    so clean still recognises it)."""
    meta = build_dir / META
    for entry in os.scandir(meta):
        path = meta / entry.name
        if entry.name != MARKER:
            _remove(lambda: shutil.rmtree(path) if entry.is_dir(follow_symlinks=False) else path.unlink(), path)
    if [e.name for e in os.scandir(build_dir)] == [META] and [e.name for e in os.scandir(meta)] == [MARKER]:
        for path, action in ((meta / MARKER, (meta / MARKER).unlink), (meta, meta.rmdir), (build_dir, build_dir.rmdir)):
            _remove(action, path)


def message(result: Sweep, build_dir: Path, everything: bool) -> str:
    """The one-line report: how many outputs went, whether the store went, what stayed."""
    count = len(result.removed)
    text = f"removed {count} build output{'' if count == 1 else 's'}"
    if everything and not os.path.lexists(build_dir):  # nothing of yours was left in it
        text += f", the store and the empty folder {build_dir}"
    elif everything:
        text += f" and the store ({build_dir / META})"
    else:
        text += "; the store is kept, so the next render restores them"
    if result.kept:
        kept, names = len(result.kept), sorted(result.kept)
        listed = ", ".join(names[:_LISTED]) + (f" and {kept - _LISTED} more" if kept > _LISTED else "")
        text += f"; kept {kept} file{'' if kept == 1 else 's'} storybuild did not make: {listed}"
    return text


def _entries(build_dir: Path):
    """(path, lstat mode) of every non-folder entry under build_dir, the store
    excepted, depth first. Links to folders are entries, never entered."""
    stack = [build_dir]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as error:
            raise file_system_error(error, "read") from None
        for entry in entries:
            path = Path(folder, entry.name)
            if folder == build_dir and entry.name == META:
                continue
            if entry.is_dir(follow_symlinks=False):
                stack.append(path)
            else:
                yield path, entry.stat(follow_symlinks=False).st_mode


def _object_inodes(objects: Path) -> set[tuple[int, int]]:
    """(device, inode) of every stored object: views are usually hard links of them."""
    found = set()
    for path in objects.glob("*/*") if objects.is_dir() and not objects.is_symlink() else ():
        info = os.lstat(path)
        found.add((info.st_dev, info.st_ino))
    return found


def _is_stored(build_dir: Path, path: Path, objects: set[tuple[int, int]]) -> bool:
    info = os.lstat(path)
    if (info.st_dev, info.st_ino) in objects:
        return True
    # A copy (file systems without hard links): the store holds an object with its bytes.
    digest = digest_file(path)
    stored = build_dir / META / "objects" / digest[:2] / digest[2:]
    return stored.is_file() and os.lstat(stored).st_size == info.st_size


def _remove(action, path: Path) -> None:
    try:
        action()
    except OSError as error:
        error.filename = error.filename or str(path)
        raise file_system_error(error, "remove") from None
