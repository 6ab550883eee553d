"""SIDE EFFECTS: a build cache shared by a team, at an fsspec URL (Bazel's remote
cache and DVC's remotes are the model).

Layout under the URL, the same as the local store's:

    objects/ab/cdef...   artifact bytes, named by their sha256
    traces/ab/<key>.json what a step with that key produced
    tmp/                 uploads in progress (never read)

Invariants:
- A reader never sees a partial object or trace: each upload is written under tmp/
  and then moved to its name (a rename on a folder; on S3 an object appears only
  once complete), and a trace is uploaded only after every object it names.
- Nothing downloaded is trusted: every object is hashed and must match its digest; a
  key whose download fails is not asked for again in this process (it is rebuilt,
  and the rebuild's upload replaces the damaged object).
- A remote that is down, refuses access or is read-only costs one warning line and
  the run goes on locally. Messages name the URL without user, password or query
  (credentials come from the backend's own configuration and never reach output).
"""

from __future__ import annotations

import functools
import os
import secrets
import shutil
import sys
import threading
from concurrent.futures import Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any, Callable, Iterable
from urllib.parse import urlsplit

from storybuild.errors import MissingDependencyError, StorybuildError
from storybuild.keys import canonical_json, digest_file
from storybuild.store import Trace, trace_problem

CONFIG_NAME = ".storybuild.yaml"  # in the project folder, untracked (init's .gitignore lists it)


class RemoteDamaged(Exception):
    """A downloaded object does not hash to its name: the remote copy is not used."""


def redact(url: str) -> str:
    """`url` without user, password, query or fragment: safe to print."""
    parts = urlsplit(url)
    if not parts.scheme:
        return url
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class Remote:
    """The shared store at `url`. Thread-safe; uploads run in the background (`flush`
    waits for them). `warn` receives at most one line for reads and one for writes."""

    def __init__(self, url: str, warn: Callable[[str], None] = _stderr, uploaders: int = 2):
        try:
            import fsspec
        except ImportError:
            raise MissingDependencyError("a remote store needs fsspec (and s3fs for s3://): "
                                         "pip install 'storybuild[remote]'") from None
        self.label = redact(url)
        self.url = url  # handed to Dask workers; may hold credentials: print `label` instead
        try:
            self.fs, self.root = fsspec.core.url_to_fs(url)
        except (ImportError, ValueError) as error:
            raise MissingDependencyError(f"remote store {self.label}: {error}") from None
        self.root = self.root.rstrip("/")
        self.readable = self.writable = True
        self._warn = warn
        self._lock = threading.Lock()
        self._traces: dict[str, Trace | None] = {}
        self._rejected: set[str] = set()  # keys whose download failed its digests
        self._damaged: set[str] = set()   # remote objects found damaged: uploads replace them
        self._uploads = ThreadPoolExecutor(max_workers=uploaders, thread_name_prefix="upload")
        self._pending: list[Future] = []

    # -- names ---------------------------------------------------------------------
    def object_name(self, digest: str) -> str:
        return f"{self.root}/objects/{digest[:2]}/{digest[2:]}"

    def trace_name(self, key: str) -> str:
        return f"{self.root}/traces/{key[:2]}/{key}.json"

    # -- reading ---------------------------------------------------------------------
    def find(self, key: str) -> tuple[Trace | None, str]:
        """(trace, REMOTE): what a batch's SiblingRemote.find says, for this remote alone."""
        from storybuild.plan import REMOTE

        return self.trace(key), REMOTE

    def trace(self, key: str) -> Trace | None:
        """The trace the remote holds for `key`, or None (also when it is unreadable,
        damaged, was rejected, or the remote is down)."""
        if not self.readable or key in self._rejected:
            return None
        if key not in self._traces:
            self._traces[key] = self._fetch_trace(key)
        return self._traces[key]

    def _fetch_trace(self, key: str) -> Trace | None:
        import json

        try:
            data = json.loads(self.fs.cat_file(self.trace_name(key)))
        except FileNotFoundError:
            return None
        except ValueError:
            return None  # a damaged trace is as good as none: the step is built and uploaded
        except Exception as error:  # noqa: BLE001 - any backend failure means: go on locally
            self._unreachable(error)
            return None
        if trace_problem(data, key) is not None:
            return None
        return Trace.from_json(data)

    def download(self, trace: Trace, workdir: Path) -> dict[str, Path]:
        """Fetch `trace`'s objects into `workdir` (output name -> file), each checked
        against its digest. Raises RemoteDamaged (the key is then rejected) or the
        backend's error."""
        outputs: dict[str, Path] = {}
        for name, digest in trace.outputs.items():
            target = workdir / f"{len(outputs)}-{name}"
            try:
                self.fetch_object(digest, target, name)
            except RemoteDamaged:
                self.reject(trace.key, digest)
                raise
            except Exception:
                self.reject(trace.key)
                raise
            outputs[name] = target
        return outputs

    def fetch_object(self, digest: str, target: Path, name: str = "an object") -> None:
        """Download object `digest` to `target`, checked against its digest (RemoteDamaged)."""
        self.fs.get_file(self.object_name(digest), str(target))
        if digest_file(target) != digest:
            target.unlink(missing_ok=True)
            raise RemoteDamaged(f"the remote copy of {name} ({digest[:12]}) does not match its digest; "
                                "building it here instead")

    def put_object(self, source: Path, digest: str) -> int:
        """Upload `source` (whose bytes hash to `digest`) unless the remote has it intact
        (one look-up: a HEAD on S3); returns the bytes sent."""
        name = self.object_name(digest)
        if digest in self._damaged or not self.fs.exists(name):
            self._put(functools.partial(_copy_file, source), name)
            return os.path.getsize(source)
        return 0

    def reject(self, key: str, damaged_digest: str | None = None) -> None:
        """Never use `key` from the remote again in this process."""
        with self._lock:
            self._rejected.add(key)
            self._traces.pop(key, None)
            if damaged_digest:
                self._damaged.add(damaged_digest)

    # -- writing ---------------------------------------------------------------------
    def upload(self, trace: Trace, object_path: Callable[[str], Path]) -> None:
        """Queue `trace` and its objects (found locally by `object_path`) for upload."""
        if self.writable:
            with self._lock:
                self._pending.append(self._uploads.submit(self._upload, trace, object_path))

    def upload_now(self, trace: Trace, object_path: Callable[[str], Path]) -> int:
        """Upload `trace` and the objects the remote lacks; returns the bytes sent."""
        sent = sum(self.put_object(object_path(digest), digest) for digest in trace.outputs.values())
        body = canonical_json(trace.to_json()).encode("utf-8")
        self._put(lambda out: out.write(body), self.trace_name(trace.key))
        with self._lock:
            self._traces[trace.key] = trace
            self._rejected.discard(trace.key)
            self._damaged.difference_update(trace.outputs.values())
        return sent + len(body)

    def _upload(self, trace: Trace, object_path: Callable[[str], Path]) -> None:
        if not self.writable:
            return
        try:
            self.upload_now(trace, object_path)
        except Exception as error:  # noqa: BLE001 - a read-only or vanished remote: stay local
            self._read_only(error)

    def _put(self, write: Callable[[Any], Any], name: str) -> None:
        """Write through `write(handle)` to tmp/, then move the whole file to `name`."""
        temporary = f"{self.root}/tmp/{secrets.token_hex(8)}"
        self.fs.makedirs(f"{self.root}/tmp", exist_ok=True)
        try:
            with self.fs.open(temporary, "wb") as handle:
                write(handle)
            self.fs.makedirs(name.rsplit("/", 1)[0], exist_ok=True)
            self.fs.mv(temporary, name)
        except BaseException:
            try:
                self.fs.rm(temporary)
            except Exception:  # noqa: BLE001 - it may never have been written
                pass
            raise

    def flush(self) -> None:
        """Wait for every queued upload (their failures were already reported)."""
        with self._lock:
            pending, self._pending = self._pending, []
        wait(pending)

    # -- degrading ---------------------------------------------------------------------
    def _unreachable(self, error: Exception) -> None:
        with self._lock:
            if not self.readable:
                return
            self.readable = self.writable = False
        self._warn(f"warning: the remote store {self.label} cannot be read ({type(error).__name__}); "
                   "this run builds and keeps everything locally")

    def _read_only(self, error: Exception) -> None:
        with self._lock:
            if not self.writable:
                return
            self.writable = False
        self._warn(f"warning: cannot upload to the remote store {self.label} ({type(error).__name__}); "
                   "what this run builds stays local")


def _copy_file(source: Path, out: Any) -> None:
    with open(source, "rb") as handle:
        shutil.copyfileobj(handle, out, 1 << 20)


def remote_url(project_dir: Path, option: str | None = None) -> str | None:
    """The remote store's URL: `--remote`, else $STORYBUILD_REMOTE, else `remote:` in
    the project's untracked .storybuild.yaml, else in the user's
    $XDG_CONFIG_HOME/storybuild/config.yaml (~/.config when unset). Never story.yaml,
    which is committed. An empty value at any level means "no remote"."""
    if option is not None:
        return option or None
    if "STORYBUILD_REMOTE" in os.environ:
        return os.environ["STORYBUILD_REMOTE"] or None
    config_home = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    for path in (project_dir / CONFIG_NAME, config_home / "storybuild" / "config.yaml"):
        value = _config_value(path)
        if value is not None:
            return value or None
    return None


def _config_value(path: Path) -> str | None:
    """The `remote:` text of a small YAML config file, or None when there is none."""
    import yaml

    from storybuild.errors import InputError

    try:
        data = yaml.safe_load(path.read_text("utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, yaml.YAMLError) as error:
        raise InputError(f"{path}: cannot read this config file ({type(error).__name__})") from None
    if not isinstance(data, dict) or "remote" not in data:
        return None
    if not isinstance(data["remote"], str):
        raise InputError(f"{path}: 'remote' must be a URL such as s3://bucket/cache or file:///shared/cache")
    return data["remote"]


def push(store: Any, remote: Remote, keys: Iterable[str]) -> tuple[int, int]:
    """Upload the traces of `keys` with their objects; returns (traces, bytes sent)."""

    count = sent = 0
    for key in keys:
        trace = store.trace(key)
        if trace is not None and store.output_problem(trace) is None:
            try:
                sent += remote.upload_now(trace, store.object_path)
            except Exception as error:  # noqa: BLE001 - one line, never the backend's traceback
                raise StorybuildError(f"cannot upload to the remote store {remote.label} "
                                      f"({type(error).__name__}); {count} step(s) were pushed") from None
            count += 1
    return count, sent


def pull(store: Any, decisions: Iterable[Any]) -> int:
    """Download the steps decided REMOTE into `store` (traces after their objects);
    returns how many came. A damaged download is skipped: a render rebuilds it."""
    from storybuild.plan import REMOTE

    remote = store.remote
    count = 0
    for decision in decisions:
        trace = remote.trace(decision.key) if decision.state == REMOTE else None
        if trace is None:
            continue
        workdir = store.new_workdir()
        try:
            try:
                outputs = remote.download(trace, workdir)
            except (RemoteDamaged, FileNotFoundError):  # damaged or incomplete there (download rejected
                continue  # the key): a render builds it here
            except Exception as error:  # noqa: BLE001 - one line, never the backend's traceback
                raise StorybuildError(f"cannot download from the remote store {remote.label} "
                                      f"({type(error).__name__}); {count} step(s) were pulled") from None
            stored = {name: store.put_file(path, trace.outputs[name]) for name, path in outputs.items()}
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        store.record(Trace(trace.key, trace.step, trace.parts, stored, trace.seconds))
        count += 1
    return count
