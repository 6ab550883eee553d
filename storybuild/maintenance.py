"""gc and pruning: with clean.py, the only code that deletes things.

Nothing here deletes a file storybuild did not make: views are recognised as hard
links of store objects, so a file a user put in build/ survives every command.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

from storybuild.buildfs import is_view_path
from storybuild.step import Step
from storybuild.keys import digest_file
from storybuild.kinds import view_patterns
from storybuild.plan import Decision
from storybuild.store import Store

def collect_garbage(store: Store, decisions: Sequence[Decision]) -> str:
    """Keep what the current story's steps (and the current views) refer to; delete the rest."""
    keep = {d.key for d in decisions if d.key is not None and store.trace(d.key) is not None}
    keep |= set(store.current().values())
    removed, freed = store.collect_garbage(keep)
    return f"removed {removed} stored object(s), freed {_human(freed)}"


def _human(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    for unit in ("KB", "MB", "GB"):
        size /= 1024
        if size < 1024:
            break
    return f"{size:.1f} {unit}"

def prune_stale_views(store: Store, steps: Sequence[Step]) -> int:
    """After a successful render, remove the views of steps the story no longer has
    (a deleted scene's folder, the video under an old title) and forget those steps.
    Returns how many files were removed; the store keeps their objects until gc."""
    in_use = {store.build_dir / rel for step in steps for rel in step.views.values()}
    removed = []
    for view in _view_candidates(store.build_dir):
        if view not in in_use and _is_store_view(store, view):
            view.unlink()
            removed.append(view)
    # Only folders this emptied go (a deleted scene's); an empty folder you made stays.
    emptied = {parent for view in removed for parent in view.parents if store.build_dir in parent.parents}
    for folder in sorted(emptied, key=lambda p: len(p.parts), reverse=True):
        if not any(folder.iterdir()):
            folder.rmdir()
    store.keep_current({step.id for step in steps})
    store.forget_views([rel for rel in store.view_records() if not os.path.lexists(store.build_dir / rel)])
    return len(removed)


def _view_candidates(build_dir: Path) -> list[Path]:
    """Files at view paths (a hard link you made elsewhere in build/ is not one)."""
    found = {path for pattern in view_patterns() for path in build_dir.glob(pattern) if path.is_file()}
    return sorted(p for p in found if is_view_path(p.relative_to(build_dir)))


def _is_store_view(store: Store, path: Path) -> bool:
    """True when `path` is a view storybuild made and nobody changed since: a hard link
    of the store object with its own digest, or a copy (a file system without hard
    links) still with the signature recorded when it was written."""
    try:
        info = os.stat(path)
        record = store.view_records().get(path.relative_to(store.build_dir).as_posix())
        if record is not None and record[1:] == [info.st_ino, info.st_size, info.st_mtime_ns]:
            return store.object_path(record[0]).is_file()
        if info.st_nlink < 2:
            return False
        target = store.object_path(digest_file(path))
        return target.exists() and os.path.samefile(path, target)
    except OSError:
        return False
