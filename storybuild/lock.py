"""One render (or gc/clean) at a time per project: an advisory lock on build/.storybuild/lock.

flock is released by the kernel when the process dies, so a killed render never leaves
a stale lock behind. Taking the lock is the first write of a command, so it is also
where the build folder is prepared (and checked for links): see buildfs.
"""

from __future__ import annotations

import fcntl
import os
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from storybuild.buildfs import prepare_build_dir
from storybuild.errors import LockedError, file_system_error


_threads = threading.local()


def _held() -> set[str]:
    """The lock folders this thread holds: a nested project_lock() of one of them
    re-enters instead of failing against itself (flock is per open file)."""
    if not hasattr(_threads, "held"):
        _threads.held = set()
    return _threads.held


@contextmanager
def project_lock(meta_dir: Path) -> Iterator[None]:
    """Hold the project's lock for the block (re-entrant within one thread: `watch`
    holds it around its renders). Raises LockedError (exit 3) when another
    process holds it, UnsafePathError when build/ is reached through a link, and a
    one-line FileSystemError when the lock file cannot be created or locked."""
    held = _held()
    name = os.path.abspath(meta_dir)
    if name in held:  # this thread holds it already (watch holds it around its renders)
        yield
        return
    prepare_build_dir(meta_dir.parent)
    path = meta_dir / "lock"
    try:
        # O_NOFOLLOW: a link planted at the lock's place must not make us write elsewhere.
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    except OSError as error:
        raise file_system_error(error, "open the lock file") from None
    with os.fdopen(fd, "r+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = handle.read().strip() or "another process"
            raise LockedError(f"another storybuild is working on this project (pid {holder}); "
                              "wait for it to finish") from None
        except OSError as error:
            error.filename = error.filename or str(path)
            raise file_system_error(error, "lock") from None
        try:
            handle.truncate()
            handle.write(str(os.getpid()))
            handle.flush()
        except OSError:
            pass  # the pid is only a courtesy for the "locked" message; the flock is what counts
        held.add(name)
        try:
            yield
        finally:
            held.discard(name)
            try:
                handle.seek(0)
                handle.truncate()
            except OSError:
                pass
            fcntl.flock(handle, fcntl.LOCK_UN)
