"""The executor's scheduling, with recording stand-in providers (real store, real threads)."""

from __future__ import annotations

import dataclasses
import threading
import time
import wave
from pathlib import Path

from PIL import Image

from storybuild.execute import Executor
from storybuild.graph import build_graph
from storybuild.providers.offline.narrator import speech_pieces
from storybuild.store import Store
from test_plan import make_project


class Recorder:
    """Stand-in image and voice provider that records which steps overlap in time."""

    def __init__(self):
        self.lock = threading.Lock()
        self.running: set[str] = set()
        self.overlaps: list[tuple[str, ...]] = []
        self.seconds: dict[str, float] = {}  # step name -> how long it takes (default 0.05 s)

    def _work(self, name: str) -> None:
        with self.lock:
            self.running.add(name)
            self.overlaps.append(tuple(sorted(self.running)))
        time.sleep(self.seconds.get(name, 0.05))
        with self.lock:
            self.running.discard(name)

    def draw_scene(self, request, references, out: Path) -> None:
        self._work(f"image/{request.scene_id}")
        Image.new("RGB", (8, 8), "white").save(out)

    def narrate(self, request, out: Path) -> None:
        self._work(f"voice/{request.scene_id}")
        with wave.open(str(out), "wb") as handle:
            handle.setnchannels(1), handle.setsampwidth(2), handle.setframerate(8000)
            handle.writeframes(b"\x01\x00" * 800)


class RecordingPool:
    def __init__(self, recorder: Recorder):
        self.recorder = recorder
        self.released: list[list[str]] = []

    def get(self, kind: str) -> Recorder:
        return self.recorder

    def release_unneeded(self, remaining) -> None:
        self.released.append(sorted(step.id for step in remaining))


def generation_steps(tmp_path, cpu_of_voice="all", cpu_of_image="one"):
    steps = [s for s in build_graph(make_project(tmp_path)) if s.kind in ("image", "voice")]
    # Stand-in providers: no lock, so no step is serial (piper's registry entry says it is).
    return [dataclasses.replace(s, cpu=cpu_of_voice if s.kind == "voice" else cpu_of_image, serial=False)
            for s in steps]


def run(tmp_path, steps, jobs: int, cores: int = 2) -> Recorder:
    recorder = Recorder()
    executor = Executor(steps, Store(tmp_path / "build"), RecordingPool(recorder), jobs=jobs)
    executor.cores = cores
    result = executor.run()
    assert sorted(result.built) == sorted(s.id for s in steps)
    return recorder


def test_a_whole_machine_step_never_overlaps_other_local_work(tmp_path):
    recorder = run(tmp_path, generation_steps(tmp_path), jobs=8)
    for running in recorder.overlaps:
        if any(name.startswith("voice/") for name in running):
            assert len(running) == 1, running
    assert max(len(r) for r in recorder.overlaps) == 2  # two one-core image steps share 2 cores


def test_network_steps_fill_every_job_slot(tmp_path):
    recorder = run(tmp_path, generation_steps(tmp_path, "none", "none"), jobs=6)
    assert max(len(r) for r in recorder.overlaps) == 6


def test_one_job_runs_one_step_at_a_time(tmp_path):
    recorder = run(tmp_path, generation_steps(tmp_path, "none", "none"), jobs=1)
    assert max(len(r) for r in recorder.overlaps) == 1


def test_long_sentences_are_spoken_clause_by_clause():
    assert speech_pieces("Short and sweet. Together they carried the glowing lanterns across the meadow, "
                         "humming softly as the moon rose above the hills!") == [
        ("Short and sweet.", 0.2),
        ("Together they carried the glowing lanterns across the meadow,", 0.2),
        ("humming softly as the moon rose above the hills!", 0.12),
    ]
    assert speech_pieces("One sunny morning, the friends played.") == [("One sunny morning, the friends played.", 0.2)]


def started_in_order(recorder: Recorder) -> list[str]:
    """Step names in the order they started (with -j 1 each overlap tuple is one step)."""
    return [running[0] for running in recorder.overlaps]


def test_ready_steps_start_longest_first_by_kind_then_by_their_own_recorded_time(tmp_path):
    steps = generation_steps(tmp_path, cpu_of_voice="one", cpu_of_image="one")
    first = started_in_order(run(tmp_path, steps, jobs=1))
    # No step ran before: a voice (estimated 0.5 s) starts before any picture (0.25 s).
    assert [name.split("/")[0] for name in first] == ["voice"] * 3 + ["image"] * 3

    recorder = Recorder()
    recorder.seconds = {"image/pool": 0.3}  # this picture took longest last time
    store = Store(tmp_path / "build")
    Executor(steps, store, RecordingPool(recorder), jobs=1, forced=frozenset(s.id for s in steps)).run()
    again = Recorder()
    Executor(steps, Store(tmp_path / "build"), RecordingPool(again), jobs=1,
             forced=frozenset(s.id for s in steps)).run()
    assert started_in_order(again)[0] == "image/pool"


def test_a_picture_saved_again_while_its_step_runs_is_not_stored_under_the_old_key(tmp_path):
    import pytest

    from storybuild.actions import run_action
    from storybuild.errors import ProviderError
    from storybuild.keys import digest_file
    from storybuild.kinds.image import _own_picture_step
    from storybuild.model import Scene

    picture = tmp_path / "garden.png"
    Image.new("RGB", (64, 48), "green").save(picture)
    scene = Scene("garden", "", "They played.", picture=picture, picture_digest=digest_file(picture))
    step = _own_picture_step(scene)
    workdir = tmp_path / "work"
    workdir.mkdir()
    assert run_action(step, {}, workdir, pool=None)["image.png"].is_file()
    Image.new("RGB", (64, 48), "red").save(picture)  # saved again after the story was loaded
    with pytest.raises(ProviderError, match="^garden.png changed while this step read it; render again"):
        run_action(step, {}, workdir, pool=None)


def test_a_serial_provider_runs_one_step_at_a_time_beside_other_work(tmp_path):
    # piper's voices go one at a time (its lock); waiting in a worker would hold a core.
    steps = [dataclasses.replace(s, serial=s.kind == "voice") for s in generation_steps(tmp_path, "one", "one")]
    recorder = run(tmp_path, steps, jobs=8)
    assert all(sum(name.startswith("voice/") for name in running) <= 1 for running in recorder.overlaps)
    assert any(len(running) == 2 and any(name.startswith("voice/") for name in running)
               for running in recorder.overlaps)  # the other core draws a picture meanwhile
