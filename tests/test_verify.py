"""A damaged store is never trusted: `verify`, `verify --repair`, and renders that
rebuild a damaged input instead of reading it. Real renders, real files."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from conftest import run_cli, write_story
from mediacheck import probe
from storybuild.store import Store, Trace
from test_render import built_steps

VIDEO = "whiskers-and-buster-s-rainbow-day.mp4"


@pytest.fixture(scope="module")
def rendered_once(tmp_path_factory):
    """One full render of the small 3-scene story; tests work on copies of it."""
    import yaml

    from conftest import EXAMPLE

    document = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    document["video"] = {"size": "640x360", "fps": 24, "captions": True, "motion": True}
    root = tmp_path_factory.mktemp("verify") / "project"
    write_story(root, document)
    run_cli("render", str(root), check=True)
    return root


@pytest.fixture
def project(rendered_once, tmp_path) -> Path:
    """A private copy of the rendered project; `cp -a` keeps views hard-linked to objects."""
    copy = tmp_path / "project"
    subprocess.run(["cp", "-a", str(rendered_once), str(copy)], check=True)
    return copy


def current_trace(root: Path, step: str) -> Trace:
    store = Store(root / "build")
    return store.trace(store.current()[step])


def object_of(root: Path, step: str, name: str) -> Path:
    return Store(root / "build").object_path(current_trace(root, step).outputs[name])


def flip_byte(path: Path, keep_mtime: bool = False) -> None:
    """Damage a stored object in place, as a careless edit (or, with `keep_mtime`, a
    failing disk that leaves the file's times alone) would."""
    before = os.stat(path)
    os.chmod(path, 0o644)  # objects are read-only
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    os.chmod(path, 0o444)
    if keep_mtime:
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def every_object_intact(root: Path) -> None:
    result = run_cli("verify", str(root))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("store ok: ")


def test_verify_of_a_sound_store_exits_0(project):
    result = run_cli("verify", str(project))
    assert (result.returncode, result.stdout) == (0, "store ok: 30 objects and 20 traces checked, nothing damaged\n")


def test_verify_of_a_project_never_rendered(tmp_path, small_story):
    write_story(tmp_path, small_story)
    result = run_cli("verify", str(tmp_path))
    assert result.returncode == 0
    assert result.stdout == f"nothing to verify: {tmp_path}/build/.storybuild does not exist (nothing was rendered yet)\n"
    missing = run_cli("verify", str(tmp_path / "nope"))
    assert (missing.returncode, missing.stderr) == (2, f"Error: {tmp_path}/nope: no such project folder\n")


def test_flipped_byte_in_a_clip_is_reported_and_the_next_render_rebuilds_it(project):
    clip = object_of(project, "clip/garden", "clip.mp4")
    flip_byte(clip)
    result = run_cli("verify", str(project))
    assert result.returncode == 1
    assert result.stdout == (
        f"damaged: clip/garden (scene garden): object {clip.parent.name + clip.name[:10]} does not match its digest\n"
        "1 damaged (30 objects and 20 traces checked); `storybuild verify --repair` removes them, "
        "then `storybuild render` rebuilds those steps\n")

    status = run_cli("status", "--explain", str(project))
    assert status.returncode == 1
    assert re.search(r"^stale +clip/garden +its stored output is damaged \(its bytes do not match their digest\)$",
                     status.stdout, re.MULTILINE)

    render = run_cli("render", str(project), check=True)
    assert "clip/garden" in built_steps(render)
    rebuilt = object_of(project, "clip/garden", "clip.mp4")
    assert sha256(rebuilt) == rebuilt.parent.name + rebuilt.name
    assert os.path.samefile(rebuilt, project / "build" / "scenes" / "garden" / "clip.mp4")
    every_object_intact(project)


def test_silent_damage_is_caught_before_a_step_reads_it_and_never_reaches_the_video(project):
    """A failing disk keeps the file's times, so only hashing finds it: the video step
    hashes its inputs, finds the clip damaged, rebuilds the clip, then joins good clips."""
    clip = object_of(project, "clip/rainbow", "clip.mp4")
    frames = probe(project / "build" / VIDEO)["frames"]
    assert run_cli("status", str(project)).returncode == 0  # the copy's new inodes are hashed once, then known
    flip_byte(clip, keep_mtime=True)
    assert run_cli("status", str(project)).returncode == 0  # a stat cannot see it; verify can
    assert run_cli("verify", str(project)).returncode == 1

    render = run_cli("render", "--force", "video", str(project), check=True)
    assert built_steps(render) == ["clip/rainbow", "video"]
    assert f"DAMAGED  clip/rainbow: stored output {clip.parent.name + clip.name[:10]} does not match its digest; " \
           "removed it" in render.stderr
    video = current_trace(project, "video")
    assert video.parts["inputs"]["clip/rainbow"] == current_trace(project, "clip/rainbow").digest
    every_object_intact(project)
    assert probe(project / "build" / VIDEO)["frames"] == frames


def test_repair_removes_damaged_objects_and_their_views_and_render_rebuilds_exactly_them(project):
    clip = object_of(project, "clip/garden", "clip.mp4")
    view = project / "build" / "scenes" / "garden" / "clip.mp4"
    mine = project / "build" / "scenes" / "garden" / "my-notes.txt"
    mine.write_text("mine")
    kept = project / "build" / "mine" / "clip.mp4"  # your own hard link, not at a view path
    kept.parent.mkdir()
    os.link(view, kept)
    flip_byte(clip)
    result = run_cli("verify", "--repair", str(project))
    assert result.returncode == 1
    assert result.stdout.splitlines()[-1] == (
        "1 damaged (30 objects and 20 traces checked); removed them and 1 view showing them: "
        "`storybuild render` rebuilds those steps")
    assert not clip.exists() and not view.exists() and mine.read_text() == "mine" and kept.is_file()
    assert "clip/garden" not in json.loads((project / "build" / ".storybuild" / "current.json").read_text())
    every_object_intact(project)

    render = run_cli("render", str(project), check=True)
    assert built_steps(render) in (["clip/garden"], ["clip/garden", "video"])
    assert view.is_file()
    every_object_intact(project)


def test_damaged_traces_are_reported_and_repaired(project):
    store = Store(project / "build")
    clip_key = store.current()["clip/garden"]
    voice_key = store.current()["voice/pool"]
    store.trace_path(clip_key).chmod(0o644)
    store.trace_path(clip_key).write_text('{"key": "%s", "step": "clip/garden", "parts": {}, '
                                          '"outputs": {"clip.mp4": "not-a-digest"}}' % clip_key)
    store.trace_path(voice_key).chmod(0o644)
    store.trace_path(voice_key).write_text("{truncated")
    result = run_cli("verify", str(project))
    assert result.returncode == 1
    assert set(result.stdout.splitlines()[:-1]) == {
        f"damaged: clip/garden (scene garden): trace {clip_key[:12]} has the wrong shape: "
        "'outputs' must map each output name to a 64-hex digest",
        f"damaged: trace {voice_key[:12]} is not valid JSON",
    }
    run_cli("verify", "--repair", str(project))
    assert not store.trace_path(clip_key).exists() and not store.trace_path(voice_key).exists()
    every_object_intact(project)


@pytest.mark.parametrize("data", [
    [], "text", {}, {"key": "K", "step": "clip/x", "parts": {}},
    {"key": "K", "step": 3, "parts": {}, "outputs": {"a": "0" * 64}},
    {"key": "K", "step": "clip/x", "parts": [], "outputs": {"a": "0" * 64}},
    {"key": "K", "step": "clip/x", "parts": {}, "outputs": []},
    {"key": "K", "step": "clip/x", "parts": {}, "outputs": {}},
    {"key": "K", "step": "clip/x", "parts": {}, "outputs": {"a": "0" * 63}},
    {"key": "K", "step": "clip/x", "parts": {}, "outputs": {"a": "0" * 64}, "seconds": "1"},
    {"key": "other", "step": "clip/x", "parts": {}, "outputs": {"a": "0" * 64}},
])
def test_a_trace_of_the_wrong_shape_reads_as_not_built(tmp_path, data):
    key = "ab" + "c" * 62
    store = Store(tmp_path / "build")
    store.trace_path(key).parent.mkdir(parents=True)
    store.trace_path(key).write_text(json.dumps(data).replace('"K"', f'"{key}"'))
    assert store.trace(key) is None


def test_a_well_formed_trace_reads_back(tmp_path):
    store = Store(tmp_path / "build")
    trace = Trace("ab" + "c" * 62, "clip/x", {"kind": "clip"}, {"clip.mp4": "0" * 64}, 1.5)
    store.record(trace)
    assert Store(tmp_path / "build").trace(trace.key) == trace


def test_status_render_and_gc_survive_a_trace_of_the_wrong_shape(project):
    store = Store(project / "build")
    key = store.current()["clip/pool"]
    store.trace_path(key).chmod(0o644)
    store.trace_path(key).write_text('{"key": "%s", "step": "clip/pool", "parts": [], "outputs": 7}' % key)
    status = run_cli("status", "--explain", str(project))
    assert status.returncode == 1 and "Traceback" not in status.stderr
    assert re.search(r"^stale +clip/pool +never built$", status.stdout, re.MULTILINE)
    gc = run_cli("gc", str(project))
    assert gc.returncode == 0, gc.stderr
    render = run_cli("render", str(project), check=True)
    assert built_steps(render) in (["clip/pool"], ["clip/pool", "video"])
    every_object_intact(project)


def test_a_damaged_input_sends_its_settled_dependents_back_to_be_decided(project):
    """voice/garden feeds clip/garden, the soundtrack and the video. Forcing the video, clip/garden is
    settled (fresh) before the video finds the voice (and the clip) damaged: the voice
    is rebuilt and the clip decided again against it, so the video joins a consistent
    set of intact inputs."""
    voice = object_of(project, "voice/garden", "voice.wav")
    clip = object_of(project, "clip/garden", "clip.mp4")
    assert run_cli("status", str(project)).returncode == 0  # learn the copy's inodes
    flip_byte(voice, keep_mtime=True)
    flip_byte(clip, keep_mtime=True)  # both inputs of the video, one downstream of the other
    render = run_cli("render", "--force", "video", str(project), check=True)
    assert "DAMAGED  voice/garden" in render.stderr, render.stderr
    assert built_steps(render) == ["clip/garden", "soundtrack", "video", "voice/garden"]
    assert not clip.exists() or sha256(clip) == clip.parent.name + clip.name
    assert render.stderr.splitlines()[-1].startswith("[19/19] ")  # every step counted once
    video = current_trace(project, "video")
    for step in ("voice/garden", "clip/garden"):
        assert video.parts["inputs"][step] == current_trace(project, step).digest
    assert current_trace(project, "clip/garden").parts["inputs"]["voice/garden"] == \
        current_trace(project, "voice/garden").digest
    assert run_cli("status", str(project)).returncode == 0
    every_object_intact(project)


def test_a_damaged_current_json_is_reported_and_does_not_crash_status(project):
    current = project / "build" / ".storybuild" / "current.json"
    current.write_text("[1, 2]")
    result = run_cli("verify", str(project))
    assert result.returncode == 1
    assert result.stdout.splitlines()[0] == "damaged: current.json is not a JSON object of step ids and keys"
    status = run_cli("status", str(project))
    assert status.returncode == 0 and "Traceback" not in status.stderr
    run_cli("verify", "--repair", str(project))
    assert not current.exists()
    every_object_intact(project)



def test_gc_forgets_the_intact_record_of_what_it_deletes(tmp_path):
    from storybuild.buildfs import prepare_build_dir
    from storybuild.store import Store

    build = tmp_path / "build"
    prepare_build_dir(build)
    store = Store(build)
    kept, dropped = (tmp_path / "kept.txt", tmp_path / "dropped.txt")
    kept.write_text("kept")
    dropped.write_text("dropped")
    keep, drop = store.put_file(kept), store.put_file(dropped)
    store.record(Trace("k" * 64, "image/a", {}, {"image.png": keep}))
    assert store.intact(keep) and store.intact(drop)
    store.save_checked()
    assert Store(build).collect_garbage({"k" * 64}) == (1, len("dropped"))
    assert set(Store(build).checked()) == {keep}
