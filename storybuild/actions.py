"""SIDE EFFECTS: what running one step of each kind does.

An action gets the step, the files of its inputs (dep id -> output name -> path) and
a scratch folder; it returns output name -> file path inside that folder. The executor
moves those files into the store. Actions never see keys or the store.
"""

from __future__ import annotations

import json
import threading
import wave
from pathlib import Path
from typing import Iterable, Mapping

from storybuild import kinds, providers
from storybuild.errors import ProviderError
from storybuild.model import Project
from storybuild.step import Inputs, Step


class ProviderPool:
    """Creates each provider once per render and shares it between workers, so
    expensive setup (a loaded TTS voice, an HTTP client) happens once, and lets it go
    as soon as no step needs it, so its memory is not held through composition.

    With `keep_loaded` (a watching session) providers outlive the render instead, so the
    next render finds the narrator loaded; a provider whose choice in story.yaml changed
    is replaced."""

    def __init__(self, project: Project, keep_loaded: bool = False):
        self._project = project
        self._keep_loaded = keep_loaded
        self._made: dict[str, tuple[object, object]] = {}  # kind -> (choice it was made for, provider)
        self._lock = threading.Lock()

    def retarget(self, project: Project) -> None:
        """Serve `project` (the story as edited) from now on; providers made for a
        choice that changed are closed."""
        with self._lock:
            self._project = project
            changed = [kind for kind, (choice, _) in self._made.items()
                       if getattr(project.providers, kind) != choice]
            released = [self._made.pop(kind)[1] for kind in changed]
        _close(released)

    def get(self, kind: str):
        with self._lock:
            if kind not in self._made:
                choice = getattr(self._project.providers, kind)
                self._made[kind] = (choice, providers.create(kind, choice))
            return self._made[kind][1]

    def release_unneeded(self, remaining: Iterable[Step], force: bool = False) -> None:
        """Close the providers that none of the `remaining` steps will use (kept when
        the pool keeps them loaded, unless `force`)."""
        if self._keep_loaded and not force:
            return
        needed = {kinds.provider_family(step) for step in remaining}
        with self._lock:
            idle = [kind for kind in self._made if kind not in needed]
            released = [self._made.pop(kind)[1] for kind in idle]
        _close(released)


def _close(released: Iterable[object]) -> None:
    for provider in released:
        close = getattr(provider, "close", None)
        if close is not None:
            close()


def run_action(step: Step, inputs: Inputs, workdir: Path, pool: ProviderPool) -> dict[str, Path]:
    """Run `step` by its kind's action and return its output files (all inside `workdir`)."""
    outputs = kinds.kind(step.kind).run(step, inputs, workdir, pool)
    _check_outputs(step, outputs)
    _check_sources(step)
    return outputs


def _check_sources(step: Step) -> None:
    """Refuse outputs made from a file of the user's that changed while the step ran
    (a picture saved again during `watch`): stored under the key of the bytes the story
    was loaded with, they would come back wrongly after a revert."""
    from storybuild.keys import digest_file

    for path, digest in step.sources.values():
        try:
            unchanged = digest_file(Path(path)) == digest
        except OSError:
            unchanged = False
        if not unchanged:
            raise ProviderError(f"{Path(path).name} changed while this step read it; render again to use it as it is now")


def _check_outputs(step: Step, outputs: Mapping[str, Path]) -> None:
    """Refuse to store empty or unreadable results: a broken artifact in the store
    would be "fresh" forever."""
    for name, path in outputs.items():
        if not path.is_file() or path.stat().st_size == 0:
            raise ProviderError(f"{step.id}: the provider wrote no {name}")
        if name.endswith(".wav"):
            _check_wav(step, path)
        elif name.endswith(".png"):
            _check_png(step, path)
        elif name.endswith(".json"):
            try:
                json.loads(path.read_bytes())
            except ValueError:
                raise ProviderError(f"{step.id}: {name} is not valid JSON") from None


def _check_wav(step: Step, path: Path) -> None:
    try:
        with wave.open(str(path), "rb") as wav:
            if wav.getnframes() == 0:
                raise ProviderError(f"{step.id}: the narration audio is empty")
    except (wave.Error, EOFError) as error:
        raise ProviderError(f"{step.id}: the narration is not a valid WAV file ({error})") from None


def _check_png(step: Step, path: Path) -> None:
    with open(path, "rb") as handle:
        if handle.read(8) != b"\x89PNG\r\n\x1a\n":
            raise ProviderError(f"{step.id}: the image is not a PNG file")
