"""Where steps run: the runner the executor hands each step's work to.

The executor decides, schedules and stores; a runner only executes a callable and
returns a Future, and owns the clean-up of what it started (worker threads, their
ffmpeg children; a cluster's tasks). `LocalRunner` is the default: a thread pool in
this process. storybuild.dask_runner runs steps on a Dask cluster instead.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, Mapping, Protocol

Digests = Mapping[str, Mapping[str, str]]  # dep step id -> output name -> digest


class Runner(Protocol):
    """Runs step work. `submit` never blocks on the work itself; `shutdown` waits for
    what was submitted; `abandon` cancels what has not started and stops what runs,
    child processes included, so nothing outlives an interrupted render. `cores` are
    the cores local steps share (None: this machine's)."""

    jobs: int
    cores: int | None

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Future: ...
    def run_step(self, step: Any, digests: Digests, workdir: Path) -> Future | None:
        """Run `step` elsewhere, fetching its inputs by digest, and bring its output files
        into `workdir`; None when steps run here, through `submit`, on this store's files."""
    def shutdown(self) -> None: ...
    def abandon(self) -> None: ...


class LocalRunner:
    """`jobs` worker threads in this process. Their ffmpeg children are registered in
    storybuild.children, which `abandon` empties by killing them."""

    cores: int | None = None  # this machine's

    def __init__(self, jobs: int):
        self.jobs = max(1, jobs)
        self._pool = ThreadPoolExecutor(max_workers=self.jobs, thread_name_prefix="step")

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Future:
        return self._pool.submit(fn, *args)

    def run_step(self, step: Any, digests: Digests, workdir: Path) -> None:
        return None  # steps run here, through submit

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True)

    def abandon(self) -> None:
        from storybuild import children

        self._pool.shutdown(wait=False, cancel_futures=True)
        children.kill_all()
