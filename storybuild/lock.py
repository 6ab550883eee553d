"""One render (or gc/clean) at a time per project: an advisory lock on build/.storybuild/lock.

flock is released by the kernel when the process dies, so a killed render never leaves
a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from storybuild.errors import LockedError


@contextmanager
def project_lock(meta_dir: Path) -> Iterator[None]:
    meta_dir.mkdir(parents=True, exist_ok=True)
    path = meta_dir / "lock"
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise LockedError(f"another storybuild is working on this project (pid {holder}); "
                              "wait for it to finish") from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)
