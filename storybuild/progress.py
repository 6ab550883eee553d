"""Progress display: listeners of StepEvents.

`Progress` draws a live bar on a terminal (steps done/total, elapsed, an ETA from the
steps' durations recorded in their traces last time, what is running) with a line
above it for each step that finished; elsewhere (a pipe, a CI log) it writes one plain
line per event. `JsonLines` writes one JSON object per event, for tools.

The count shown is the number of steps settled at least once, so it only grows: a
step whose stored output turns out damaged is rebuilt without being counted twice.
Events arrive from the executor's thread and, for "waiting", from worker threads, so
drawing is serialised by a lock.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import threading
import time
from typing import Mapping, TextIO

from storybuild.events import StepEvent

SETTLED = ("built", "restored", "downloaded", "shared", "fresh", "failed", "skipped")
BAR_WIDTH = 20
TICK_SECONDS = 0.5  # how often the bar is redrawn between events on a terminal


def expected_seconds(planned) -> dict[str, float | None]:
    """Step id -> how long it took the last time it ran (None: never), for every step a
    render of `planned` (an api.Plan) will run: what the ETA adds up."""
    found: dict[str, float | None] = {}
    for decision in planned.decisions:
        if decision.runs:
            trace = planned.store.current_trace(decision.step.id)
            found[decision.step.id] = trace.seconds if trace is not None and trace.seconds > 0 else None
    return found


def kind_seconds(planned) -> dict[str, float]:
    """Step kind -> its rough estimate (StepKind.seconds), for steps that never ran
    before any step of their kind finished in this render."""
    from storybuild import kinds

    return {step.kind: kinds.kind(step.kind).seconds for step in planned.steps}


class Estimate:
    """Seconds of wall time left, from the expected seconds of the steps still to run.
    A step with no history counts as the mean of its kind's steps finished so far, else
    its kind's rough estimate (`defaults`), else the mean of any finished step; with
    none of these there is no estimate. Work runs in parallel at the rate measured so
    far (work seconds per wall second), or `parallel` before anything finished."""

    def __init__(self, expected: Mapping[str, float | None], parallel: int | None = None,
                 defaults: Mapping[str, float] | None = None):
        self.expected = dict(expected)
        self.defaults = dict(defaults or {})
        self.left = set(expected)
        self.parallel = max(1, parallel or os.cpu_count() or 1)
        self.took: dict[str, list[float]] = {}
        self.started: dict[str, float] = {}

    def update(self, event: StepEvent) -> None:
        """Note a step starting, or settling (and, when built, how long it took)."""
        if event.kind == "start":
            self.started[event.step] = event.elapsed
        elif event.kind in SETTLED:
            self.left.discard(event.step)
            self.started.pop(event.step, None)
            if event.seconds is not None and event.kind == "built":
                self.took.setdefault(_kind(event.step), []).append(event.seconds)

    def seconds_left(self, elapsed: float) -> float | None:
        """Wall seconds left at `elapsed` seconds into the render; None: nothing to go on."""
        work = 0.0
        for step in self.left:
            guess = self.expected.get(step) or self._mean(_kind(step))
            if guess is None:
                return None
            work += max(0.0, guess - max(0.0, elapsed - self.started.get(step, elapsed)))
        done = sum(sum(times) for times in self.took.values())
        rate = done / elapsed if done and elapsed > 0 else self.parallel
        return work / max(1.0, rate)

    def _mean(self, kind: str) -> float | None:
        if kind not in self.took and kind in self.defaults:
            return self.defaults[kind]
        times = self.took.get(kind) or [t for ts in self.took.values() for t in ts]
        return sum(times) / len(times) if times else None


class Progress:
    """The human display. `expected` (see expected_seconds) enables the ETA. Use as a
    context manager (or call close()) so the live bar is cleared when the render ends."""

    def __init__(self, stream: TextIO | None = None, interactive: bool | None = None,
                 expected: Mapping[str, float | None] | None = None, parallel: int | None = None,
                 defaults: Mapping[str, float] | None = None):
        self.stream = stream or sys.stderr
        self.interactive = self.stream.isatty() if interactive is None else interactive
        self.estimate = Estimate(expected, parallel, defaults) if expected is not None else None
        self.running: dict[str, float] = {}
        self._origin = time.monotonic()  # when the render's clock (event.elapsed) read 0
        self.settled: set[str] = set()
        self.total = 0
        self._executor_done = 0
        self._lock = threading.Lock()
        self._closed = threading.Event()

    @property
    def done(self) -> int:
        return len(self.settled)

    def planned(self, plan, jobs: int) -> None:
        """Session.render's hook, before any step runs: with the render's plan (an
        api.Plan) and its worker count, a live display gets its ETA."""
        if self.interactive and self.estimate is None:
            self.estimate = Estimate(expected_seconds(plan), jobs, kind_seconds(plan))

    def __call__(self, event: StepEvent) -> None:
        with self._lock:
            self.total = event.total
            self._origin = time.monotonic() - event.elapsed
            reopened = max(0, self._executor_done - event.done)
            self._executor_done = event.done
            if event.kind in SETTLED:
                self.settled.add(event.step)
            if self.estimate is not None:
                self.estimate.update(event)
            getattr(self, f"_on_{event.kind}", self._on_other)(event, reopened)

    def __enter__(self) -> "Progress":
        if self.interactive:  # the clock and the ETA move while a long step runs
            threading.Thread(target=self._tick, daemon=True, name="progress").start()
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    def close(self) -> None:
        self._closed.set()
        with self._lock:
            if self.interactive:
                self.stream.write("\r\x1b[K")
                self.stream.flush()

    def _tick(self) -> None:
        while not self._closed.wait(TICK_SECONDS):
            with self._lock:
                if self.total and not self._closed.is_set():
                    self.stream.write("\r\x1b[K" + self.bar())
                    self.stream.flush()

    # -- one handler per event kind ----------------------------------------------------
    def _on_start(self, event: StepEvent, _reopened: int) -> None:
        self.running[event.step] = event.elapsed
        self._line(event, "start", event.step, on_terminal=False)

    def _on_fresh(self, event: StepEvent, _reopened: int) -> None:
        self._line(event, "fresh", event.step, on_terminal=False)  # not worth a line on a terminal

    def _on_built(self, event: StepEvent, _reopened: int) -> None:
        self.running.pop(event.step, None)
        took = f" ({event.seconds:.1f}s)" if event.seconds is not None else ""
        self._line(event, "built", f"{event.step}{took}")

    def _on_downloaded(self, event: StepEvent, _reopened: int) -> None:
        self.running.pop(event.step, None)
        self._line(event, "fetched", event.step)

    def _on_shared(self, event: StepEvent, _reopened: int) -> None:
        self.running.pop(event.step, None)
        self._line(event, "shared", event.step)

    def _on_failed(self, event: StepEvent, _reopened: int) -> None:
        self.running.pop(event.step, None)
        self._line(event, "FAILED", f"{event.step}: {event.message}")

    def _on_skipped(self, event: StepEvent, _reopened: int) -> None:
        self._line(event, "skipped", f"{event.step} ({event.message})")

    def _on_damaged(self, event: StepEvent, reopened: int) -> None:
        self.running.pop(event.step, None)  # a download refused goes back to be decided
        redo = f"; {reopened} step{'s' * (reopened != 1)} to redo" if reopened else ""
        self._line(event, "DAMAGED", f"{event.step}: {event.message}{redo}")

    def _on_waiting(self, event: StepEvent, _reopened: int) -> None:
        self._line(event, "waiting", f"{event.step} {event.message}")

    def _on_other(self, event: StepEvent, _reopened: int) -> None:  # "restored", and kinds added later
        self._line(event, event.kind, event.step)

    # -- drawing -------------------------------------------------------------------------
    def _line(self, event: StepEvent, verb: str, text: str, on_terminal: bool = True) -> None:
        """One plain line per event off a terminal; on one, a line above the bar for
        what is worth reading, then the bar."""
        line = f"[{self.done}/{self.total}] {event.elapsed:5.1f}s {verb:<8} {text}"
        if not self.interactive:
            self.stream.write(line + "\n")
        else:
            self.stream.write("\r\x1b[K" + (line + "\n" if on_terminal else "") + self.bar())
        self.stream.flush()

    def bar(self) -> str:
        """The live line: `[#####...] 7/19 steps  12.3s  ETA 8s  running: voice/garden`."""
        elapsed = time.monotonic() - self._origin
        filled = BAR_WIDTH * self.done // self.total if self.total else 0
        parts = [f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {self.done}/{self.total} steps", f"{elapsed:.1f}s",
                 *self._outlook(elapsed)]
        width = shutil.get_terminal_size((100, 20)).columns
        return "  ".join(parts)[: width - 1]

    def status(self) -> str:
        """Where the render is, without the bar and the clock (for `watch`'s page):
        `7/19 steps  running: voice/garden`."""
        with self._lock:
            return "  ".join([f"{self.done}/{self.total} steps",
                              *self._outlook(time.monotonic() - self._origin)])

    def _outlook(self, elapsed: float) -> list[str]:
        """The ETA (when known) and the steps running, as parts of a line."""
        parts = []
        left = self.estimate.seconds_left(elapsed) if self.estimate is not None else None
        if left is not None:
            parts.append(f"ETA {format_seconds(left)}")
        if self.running:
            parts.append("running: " + ", ".join(self.running))
        return parts


def format_seconds(seconds: float) -> str:
    """ "8s", "1m05s", "1h02m": short, rounded up so an ETA never reads 0s too early."""
    whole = int(seconds) + (seconds % 1 > 0)
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m{whole % 60:02d}s"
    return f"{whole // 3600}h{whole % 3600 // 60:02d}m"


class JsonLines:
    """Writes each event as one JSON object on its own line (the StepEvent's fields), for
    tools; `done` is the executor's count, which goes down when `damaged` reopens steps."""

    def __init__(self, stream: TextIO | None = None):
        self.stream = stream or sys.stderr
        self._lock = threading.Lock()

    def __call__(self, event: StepEvent) -> None:
        with self._lock:
            self.stream.write(json.dumps(event.as_dict(), ensure_ascii=False) + "\n")
            self.stream.flush()

    def __enter__(self) -> "JsonLines":
        return self

    def __exit__(self, *_exc) -> None:
        pass


def _kind(step_id: str) -> str:
    return step_id.split("/", 1)[0]
