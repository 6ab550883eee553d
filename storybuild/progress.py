"""Progress display: a listener of StepEvents drawing one redrawn status line on a
terminal, and plain lines otherwise.

Events arrive from the executor's thread and, for "waiting", from worker threads,
so drawing is serialised by a lock.
"""

from __future__ import annotations

import shutil
import sys
import threading
import time
from typing import TextIO

from storybuild.events import StepEvent


class Progress:
    """Shows steps done out of the total and what is running. Use as a context
    manager (or call close()) so the live line is cleared when the render ends."""

    def __init__(self, stream: TextIO | None = None, interactive: bool | None = None):
        self.stream = stream or sys.stderr
        self.interactive = self.stream.isatty() if interactive is None else interactive
        self.running: dict[str, float] = {}
        self.started = time.monotonic()
        self.done = 0
        self.total = 0
        self._lock = threading.Lock()

    def __call__(self, event: StepEvent) -> None:
        with self._lock:
            self.done, self.total = event.done, event.total
            handler = getattr(self, f"_on_{event.kind}", None)
            if handler is not None:
                handler(event)

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    def close(self) -> None:
        if self.interactive:
            self.stream.write("\r\x1b[K")
            self.stream.flush()

    # -- one handler per event kind ----------------------------------------------------
    def _on_start(self, event: StepEvent) -> None:
        self.running[event.step] = time.monotonic()
        if self.interactive:
            self._redraw()
        else:
            self._emit(event, "start", event.step)

    def _on_waiting(self, event: StepEvent) -> None:
        self._emit(event, "waiting", f"{event.step} {event.message}")

    def _on_built(self, event: StepEvent) -> None:
        self.running.pop(event.step, None)
        took = f" ({event.seconds:.1f}s)" if event.seconds is not None else ""
        self._emit(event, "built", f"{event.step}{took}")

    def _on_restored(self, event: StepEvent) -> None:
        self._emit(event, "restored", event.step)

    def _on_downloaded(self, event: StepEvent) -> None:
        self.running.pop(event.step, None)
        self._emit(event, "fetched", event.step)

    def _on_fresh(self, _event: StepEvent) -> None:
        self._redraw()  # a step that needed nothing is not worth a line of its own

    def _on_failed(self, event: StepEvent) -> None:
        self.running.pop(event.step, None)
        self._emit(event, "FAILED", f"{event.step}: {event.message}")

    def _on_skipped(self, event: StepEvent) -> None:
        self._emit(event, "skipped", f"{event.step} ({event.message})")

    def _on_damaged(self, event: StepEvent) -> None:
        self.running.pop(event.step, None)  # a failed download goes back to be decided
        self._emit(event, "DAMAGED", f"{event.step}: {event.message}")

    # -- drawing -------------------------------------------------------------------------
    def _emit(self, event: StepEvent, verb: str, text: str) -> None:
        line = f"[{event.done}/{event.total}] {event.elapsed:5.1f}s {verb:<8} {text}"
        if self.interactive:
            self.stream.write("\r\x1b[K" + line + "\n")
            self._redraw()
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def _redraw(self) -> None:
        if not self.interactive:
            return
        names = ", ".join(self.running) or "-"
        line = f"[{self.done}/{self.total}] {time.monotonic() - self.started:5.1f}s  running: {names}"
        width = shutil.get_terminal_size((100, 20)).columns
        self.stream.write("\r\x1b[K" + line[: width - 1])
        self.stream.flush()
