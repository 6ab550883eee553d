"""clean and gc: the only commands that delete things."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Sequence

from storybuild.plan import Decision
from storybuild.store import Store

META = ".storybuild"


def clean(build_dir: Path, everything: bool) -> str:
    """Remove the friendly outputs under build/ (and the store too with `everything`)."""
    if not build_dir.is_dir():
        return "nothing to clean"
    removed = 0
    for entry in build_dir.iterdir():
        if entry.name == META and not everything:
            continue
        if entry.is_dir():
            shutil.rmtree(entry)
        else:
            entry.unlink()
        removed += 1
    if everything:
        return f"removed {build_dir}"
    Store(build_dir).forget_current()
    return f"removed {removed} build output(s); the store is kept, so the next render restores them"


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
        if size < 1024 or unit == "GB":
            return f"{size:.1f} {unit}"
    raise AssertionError("unreachable")
