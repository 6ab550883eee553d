"""What a render reports while it runs: one StepEvent per thing that happened to a step.

The executor emits events; listeners (the terminal display, JSON lines for tools, the
watch server, a program using the library API) consume them. Events are emitted from
the executor's thread, except "waiting", which a provider emits from the worker thread
running its step (a rate-limited call saying how long it sleeps): a listener must be
safe to call from several threads.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Callable, Iterator

#: Every kind of event, in the order a step can go through them.
KINDS = ("start", "waiting", "built", "restored", "downloaded", "shared", "fresh", "failed", "skipped", "damaged")


@dataclass(frozen=True)
class StepEvent:
    """`step` (a step id) reached `kind` (one of KINDS).

    done/total: steps settled so far out of all steps of the render (`damaged` sends
    settled steps back, so `done` can go down then); elapsed: seconds since the render
    started; seconds: the step's own duration when it finished running (built, failed);
    message: the failure, skip reason, damage found or wait notice, one line.
    """

    kind: str
    step: str
    done: int
    total: int
    elapsed: float
    seconds: float | None = None
    message: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


Listener = Callable[[StepEvent], None]


def ignore(_event: StepEvent) -> None:
    """The listener of a render nobody watches."""


def tee(*listeners: Listener) -> Listener:
    """One listener that hands each event to every one of `listeners`, in order."""
    def listen(event: StepEvent) -> None:
        for listener in listeners:
            listener(event)
    return listen


_scope = threading.local()


@contextmanager
def step_scope(step_id: str, notify: Callable[[str, str], None]) -> Iterator[None]:
    """While a worker runs `step_id`, let code deep inside it (a provider) report a
    notice through `notify(step_id, message)` without knowing the step or the executor."""
    _scope.current = (step_id, notify)
    try:
        yield
    finally:
        _scope.current = None


def waiting(message: str) -> None:
    """Report that the running step waits (e.g. "rate limited, retrying in 36 s, try 2 of 6").
    Does nothing outside a step (a provider used directly, as `init` does)."""
    current = getattr(_scope, "current", None)
    if current is not None:
        step_id, notify = current
        notify(step_id, message)
