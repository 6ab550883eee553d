"""Steps on a Dask cluster: `render --executor dask` (a LocalCluster of worker
processes on this machine) or `--executor tcp://scheduler:8786` (a running cluster).

The client keeps everything that decides: the plan, the keys, the local store's
bookkeeping (traces, views, current.json). A worker gets only the step, the digests of
its inputs and the story; it fetches the inputs from the shared store (verified by
digest), runs the step's action with providers it keeps loaded between steps, uploads
the outputs to the shared store and answers with their digests. The client then
fetches those outputs into its own store, exactly as a local step's files are stored.

The shared store is the remote store (--remote); a LocalCluster without one exchanges
files through a folder in build/.storybuild/exchange (its workers share this disk).
"""

from __future__ import annotations

import os
import tempfile
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable

from storybuild.errors import InputError, MissingDependencyError
from storybuild.runner import Digests


class DaskRunner:
    """A Runner whose steps run on Dask workers (see the module docstring). `submit`
    runs client-side work (downloads) in local threads; `run_step` runs a step remotely."""

    def __init__(self, address: str, project: Any, store: Any, remote: Any = None):
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError:
            raise MissingDependencyError("--executor dask needs Dask: pip install 'storybuild[dask]'") from None
        if remote is None and address != "dask":
            raise InputError(f"--executor {address}: workers on other machines need a shared store; "
                             "pass --remote URL (s3://..., or file:// on a shared drive)")
        self._exchange = None
        if remote is None:
            from storybuild.store_remote import Remote

            self._exchange = store.meta / "exchange"  # copies of this render's files: removed after it
            remote = Remote(self._exchange.resolve().as_uri())
        self.cluster = None
        if address == "dask":
            self.cluster = LocalCluster(n_workers=os.cpu_count() or 1, threads_per_worker=1, processes=True,
                                        dashboard_address=None, host="127.0.0.1")
            self.client = Client(self.cluster)
        else:
            self.client = Client(address)
        self.project, self.store, self.remote = project, store, remote
        self.url = remote.url
        self.jobs = max(1, sum(self.client.nthreads().values()))
        self.cores = self.jobs  # a step's cores are the cluster's, not this machine's
        self._local = ThreadPoolExecutor(max_workers=self.jobs + 2, thread_name_prefix="dask-client")
        self._futures: set[Any] = set()
        self._lock = threading.Lock()

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Future:
        return self._local.submit(fn, *args)

    def run_step(self, step: Any, digests: Digests, workdir: Path) -> Future:
        """Run `step` on a worker; the Future gives its output files, fetched into `workdir`."""
        return self._local.submit(self._run_remotely, step, digests, workdir)

    def _run_remotely(self, step: Any, digests: Digests, workdir: Path) -> dict[str, Path]:
        for outputs in digests.values():  # the worker reads its inputs from the shared store
            for digest in outputs.values():
                self.remote.put_object(self.store.object_path(digest), digest)
        future = self.client.submit(run_on_worker, step, digests, self.project, self.url, pure=False)
        with self._lock:
            self._futures.add(future)
        try:
            produced = future.result()
        finally:
            with self._lock:
                self._futures.discard(future)
        files = {}
        for name, digest in produced.items():
            files[name] = workdir / name
            self.remote.fetch_object(digest, files[name], name)
        return files

    def shutdown(self) -> None:
        self._local.shutdown(wait=True)
        self._close()

    def abandon(self) -> None:
        with self._lock:
            futures = list(self._futures)
        self.client.cancel(futures)
        self._local.shutdown(wait=False, cancel_futures=True)
        self._close()

    def _close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()
        if self._exchange is not None:
            import shutil

            shutil.rmtree(self._exchange, ignore_errors=True)


# -- on the worker ---------------------------------------------------------------------------
_POOLS: dict[str, Any] = {}
_REMOTES: dict[str, Any] = {}
_WORKER_LOCK = threading.Lock()


def run_on_worker(step: Any, digests: Digests, project: Any, url: str) -> dict[str, str]:
    """Run one step on this worker: inputs from the shared store at `url`, outputs
    uploaded there; returns output name -> digest. Providers stay loaded per story."""
    from storybuild.actions import ProviderPool, run_action
    from storybuild.keys import digest_file
    from storybuild.store_remote import Remote

    with _WORKER_LOCK:
        if url not in _REMOTES:  # made once per worker (setdefault would build one every step)
            _REMOTES[url] = Remote(url)
        if repr(project.providers) not in _POOLS:
            _POOLS[repr(project.providers)] = ProviderPool(project, keep_loaded=True)
        remote, pool = _REMOTES[url], _POOLS[repr(project.providers)]
    with tempfile.TemporaryDirectory(prefix="storybuild-step-") as scratch:
        inputs: dict[str, dict[str, Path]] = {}
        for number, (dep, outputs) in enumerate(digests.items()):
            folder = Path(scratch) / "in" / str(number)
            folder.mkdir(parents=True)
            inputs[dep] = {}
            for name, digest in outputs.items():
                inputs[dep][name] = folder / name
                remote.fetch_object(digest, folder / name, name)
        workdir = Path(scratch) / "out"
        workdir.mkdir()
        produced = {}
        for name, path in run_action(step, inputs, workdir, pool).items():
            produced[name] = digest_file(path)
            remote.put_object(path, produced[name])
        return produced
