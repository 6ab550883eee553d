"""Progress reporting: one redrawn status line on a terminal, plain lines otherwise.

The executor calls these methods from its main thread only, so no locking is needed.
"""

from __future__ import annotations

import shutil
import sys
import time
from typing import TextIO


class Progress:
    """Counts steps done out of `total` and shows what is running."""

    def __init__(self, total: int, stream: TextIO | None = None, interactive: bool | None = None):
        self.total = total
        self.done = 0
        self.stream = stream or sys.stderr
        self.interactive = self.stream.isatty() if interactive is None else interactive
        self.running: dict[str, float] = {}
        self.started = time.monotonic()

    def _elapsed(self) -> str:
        return f"{time.monotonic() - self.started:5.1f}s"

    def _emit(self, text: str) -> None:
        if self.interactive:
            self.stream.write("\r\x1b[K" + text + "\n")
            self._redraw()
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def _redraw(self) -> None:
        if not self.interactive:
            return
        names = ", ".join(self.running) or "-"
        line = f"[{self.done}/{self.total}] {self._elapsed()}  running: {names}"
        width = shutil.get_terminal_size((100, 20)).columns
        self.stream.write("\r\x1b[K" + line[: width - 1])
        self.stream.flush()

    def started_step(self, step_id: str) -> None:
        self.running[step_id] = time.monotonic()
        if self.interactive:
            self._redraw()
        else:
            self._emit(f"[{self.done}/{self.total}] {self._elapsed()} start    {step_id}")

    def finished(self, step_id: str, verb: str = "built") -> None:
        began = self.running.pop(step_id, None)
        self.done += 1
        took = f" ({time.monotonic() - began:.1f}s)" if began is not None else ""
        self._emit(f"[{self.done}/{self.total}] {self._elapsed()} {verb:<8} {step_id}{took}")

    def up_to_date(self) -> None:
        """Count a step that needed nothing; not worth a line of its own."""
        self.done += 1
        self._redraw()

    def failed(self, step_id: str, message: str) -> None:
        self.running.pop(step_id, None)
        self.done += 1
        self._emit(f"[{self.done}/{self.total}] {self._elapsed()} FAILED   {step_id}: {message}")

    def skipped(self, step_id: str, because: str) -> None:
        self.done += 1
        self._emit(f"[{self.done}/{self.total}] {self._elapsed()} skipped  {step_id} ({because})")

    def damaged(self, step_id: str, problem: str, reopened: int) -> None:
        """A settled step's stored output turned out damaged: it and `reopened` settled
        steps downstream of it go back to be decided (and counted) again."""
        self.done -= reopened
        self._emit(f"[{self.done}/{self.total}] {self._elapsed()} DAMAGED  {step_id}: {problem}")

    def close(self) -> None:
        if self.interactive:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
