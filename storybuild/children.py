"""Child processes that steps start (ffmpeg), registered while they run.

The runner that owns a render's workers stops them all when the render is abandoned
(Ctrl-C, SIGTERM, a store that cannot be written): without this a killed render would
leave encoders running. A tiny module with no imports of its own, so a runner can use
it without importing the media code a worker may be importing at that very moment.
"""

from __future__ import annotations

import subprocess
import threading

running: set[subprocess.Popen] = set()
lock = threading.Lock()


def register(process: subprocess.Popen) -> None:
    """Remember `process` until `unregister`: `kill_all` will stop it."""
    with lock:
        running.add(process)


def unregister(process: subprocess.Popen) -> None:
    with lock:
        running.discard(process)


def kill_all() -> int:
    """Kill every registered process still running. Returns how many were signalled.
    Safe to call from any thread."""
    with lock:
        processes = list(running)
    for process in processes:
        try:
            process.kill()
        except OSError:
            pass  # already gone
    return len(processes)
