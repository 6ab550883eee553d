"""Showing a stored object at a view path in build/: a hard link (a copy where the file
system has none, or when the store asks for copies), written beside the view and renamed
over it, never through a symbolic link, and never over a file of the user's.

Split from store.py, which records what each view shows (views.json); this module only
makes the file.
"""

from __future__ import annotations

import errno
import os
import secrets
import shutil
import stat
from pathlib import Path
from typing import Any

from storybuild.buildfs import refuse_symlinks
from storybuild.keys import digest_file


def link_file(store: Any, source: Path, view: Path) -> None:
    """Make `view` the object `source` (a hard link, or a copy where links fail).
    Refuses when a folder on the way is a symbolic link; never leaves its temp
    file behind."""
    refuse_symlinks(store.build_dir, view)
    try:
        if os.path.samefile(source, view):
            return  # already this object (rename onto the same inode would do nothing)
    except OSError:
        pass  # no view yet (or no object: the link below says so)
    view.parent.mkdir(parents=True, exist_ok=True)
    keep_user_file(store, view)
    # Unique per call: two steps never share a view, but an interrupted run must not
    # leave a name that a later one trips over.
    tmp = view.with_name(f".{view.name}.{secrets.token_hex(6)}.link")
    try:
        try:
            if store.copy_views:
                raise OSError(errno.EPERM, "copies asked for")
            os.link(source, tmp)
        except OSError:  # a file system without hard links: copy instead
            shutil.copyfile(source, tmp)
            os.chmod(tmp, 0o444)  # as read-only as a link to the object
        os.replace(tmp, view)
    except OSError as error:
        error.filename, error.filename2 = str(view), None  # name the view, not our temp name
        raise
    finally:
        tmp.unlink(missing_ok=True)

def keep_user_file(store: Any, view: Path) -> None:
    """Move a file of the user's out of a view's way instead of replacing it.

    A regular file at `view` whose bytes exist nowhere else (a single link, and
    not a stored object) is one the user saved there: it is renamed to
    `<stem>.yours<suffix>` (`.yours-2`, ... when taken), never overwritten, and
    the move is remembered in `set_aside` for the render's report."""
    try:
        info = os.lstat(view)
    except FileNotFoundError:
        return
    if not stat.S_ISREG(info.st_mode) or info.st_nlink > 1 or store.object_path(digest_file(view)).is_file():
        return  # a view (or a copy of one), or a file whose bytes live on under another name
    for number in range(1, 1000):
        aside = view.with_name(f"{view.stem}.yours{'' if number == 1 else f'-{number}'}{view.suffix}")
        try:
            os.link(view, aside)  # never replaces an existing file, unlike rename
            break
        except FileExistsError:
            continue
    else:
        raise FileExistsError(errno.EEXIST, "no free name to keep your file under", str(view))
    view.unlink()
    with store._lock:
        store.set_aside.append((view, aside))
