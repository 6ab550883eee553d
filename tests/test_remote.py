"""The store's seams and the shared (remote) store, against real components: a real
render into the local store, the fsspec folder backend, and S3 through s3fs against
moto's standalone server started here on 127.0.0.1."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import run_cli, write_story


def tiny(document: dict) -> dict:
    """The 3-scene example at its cheapest: 320x180, still pictures."""
    document = dict(document)
    document["video"] = {"size": "320x180", "fps": 12, "captions": False, "motion": False}
    return document


def render_in_process(root: Path, copy_views: bool = False, remote=None):
    """Render `root` through the executor, the store writing views as copies when asked."""
    from storybuild.actions import ProviderPool
    from storybuild.execute import Executor
    from storybuild.graph import build_graph
    from storybuild.project import load_project
    from storybuild.store import Store

    project = load_project(root / "story.yaml")
    steps = build_graph(project)
    store = Store(project.build_dir, copy_views=copy_views)
    store.remote = remote
    (project.build_dir / ".storybuild").mkdir(parents=True, exist_ok=True)
    executor = Executor(steps, store, ProviderPool(project), jobs=2)
    return executor.run()


def test_views_written_as_copies_are_fresh_on_the_next_status(tmp_path, small_story):
    write_story(tmp_path, tiny(small_story))
    result = render_in_process(tmp_path, copy_views=True)
    assert result.built and not result.failed
    voice = tmp_path / "build" / "scenes" / "garden" / "voice.wav"
    assert os.stat(voice).st_nlink == 1  # a copy, not a link into the store

    status = run_cli("status", "--explain", str(tmp_path))
    assert status.returncode == 0, status.stdout
    assert status.stdout.splitlines()[-1] == f"up to date: all {len(result.built)} steps are fresh"

    os.chmod(voice, 0o644)
    voice.write_bytes(voice.read_bytes())  # the same bytes, written again: no longer what was linked
    status = run_cli("status", str(tmp_path))
    assert status.returncode == 1
    assert status.stdout.splitlines()[0].split()[:2] == ["restore", "voice/garden"]
