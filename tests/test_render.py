"""End to end: real offline renders through the CLI, checked by decoding the video."""

from __future__ import annotations

import hashlib
import json
import re
import signal
import subprocess
import sys
import time
import wave
from pathlib import Path

import pytest

from conftest import run_cli, write_story
from mediacheck import audio_rms_between, probe

FPS = 24
LEAD_IN = 0.3


def built_steps(result) -> list[str]:
    """Step ids the render reported as built (progress goes to stderr, one line each)."""
    return sorted(line.split()[-2] if line.endswith("s)") else line.split()[-1]
                  for line in result.stderr.splitlines() if " built " in line)


def restored_steps(result) -> list[str]:
    return sorted(line.split()[-1] for line in result.stderr.splitlines() if " restored " in line)


def store_is_consistent(build: Path) -> None:
    """Every object's bytes hash to its name; no scratch is left behind."""
    objects = list((build / ".storybuild" / "objects").glob("*/*"))
    assert objects
    for path in objects:
        assert hashlib.sha256(path.read_bytes()).hexdigest() == path.parent.name + path.name, path


def wav_seconds(path: Path) -> float:
    with wave.open(str(path)) as wav:
        return wav.getnframes() / wav.getframerate()


def all_steps(root: Path) -> list[str]:
    from storybuild.graph import build_graph
    from storybuild.project import load_project

    return [step.id for step in build_graph(load_project(root))]


def layout(root: Path):
    """The film's timeline computed from the rendered voices, as the video step does."""
    from storybuild import timeline
    from storybuild.graph import build_graph
    from storybuild.project import load_project

    project = load_project(root)
    video = build_graph(project)[-1]
    seconds = {f"voice/{s.id}": wav_seconds(root / "build" / "scenes" / s.id / "voice.wav") for s in project.scenes}
    return timeline.lay_out(video.params["timeline"], seconds, FPS, project.video.sample_rate), seconds, project


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """One full render of the 3-scene example, shared by the checks below."""
    import yaml

    from conftest import EXAMPLE

    document = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    document["video"] = {"size": "640x360", "fps": FPS, "captions": True, "motion": True}
    root = tmp_path_factory.mktemp("render")
    write_story(root, document)
    result = run_cli("render", str(root), check=True)
    return root, document, result


def test_full_render_builds_every_step(rendered):
    root, document, result = rendered
    scenes = [s["id"] for s in document["scenes"]]
    expected = [f"{k}/{s}" for s in scenes for k in ("image", "voice", "clip")] + ["soundtrack", "video", "card/title",
                                                                                  "card/end"]
    seams = ["+card:title", "card:title+garden", "garden+rainbow", "rainbow+pool", "pool+card:end", "card:end+"]
    assert built_steps(result) == sorted(expected + [f"transition/{seam}" for seam in seams])


def test_video_decodes_with_expected_length_size_and_audio(rendered):
    root, document, _ = rendered
    info = probe(root / "build" / "whiskers-and-buster-s-rainbow-day.mp4")
    voices = [wav_seconds(root / "build" / "scenes" / s["id"] / "voice.wav") for s in document["scenes"]]
    floors = [s.get("duration") or 0 for s in document["scenes"]]
    scenes = [int(-(-max(LEAD_IN + v + 0.7, f) * FPS // 1)) for v, f in zip(voices, floors)]
    cards, fades = round(3.0 * FPS) + round(2.5 * FPS), 2 * round(0.5 * FPS) // 2  # black halves of the fades
    frames = sum(scenes) + cards + fades
    assert layout(root)[0].frames == frames
    assert (info["width"], info["height"], info["pix_fmt"]) == (640, 360, "yuv420p")
    assert info["frames"] == frames
    assert abs(info["duration"] - frames / FPS) <= 1 / FPS
    assert abs(info["audio_duration"] - frames / FPS) <= 1 / FPS
    assert info["audio_rms"] > 0.01


def test_the_example_sounds_mastered(rendered):
    from storybuild.soundtrack import measure_loudness

    root, _, _ = rendered
    lufs, peak, rate, channels = measure_loudness(root / "build" / "whiskers-and-buster-s-rainbow-day.mp4")
    assert (rate, channels) == (48000, 2)
    assert abs(lufs - -16.0) <= 1.0 and peak <= -1.5, (lufs, peak)


def test_narration_starts_at_each_seam_in_sync(rendered):
    """Silence in each scene's lead-in, speech right after it: the audio of scene i
    starts where its clip starts, within a frame, at every seam."""
    root, document, _ = rendered
    video = root / "build" / "whiskers-and-buster-s-rainbow-day.mp4"
    cut, seconds, project = layout(root)
    items = [i for i, step in enumerate(s.step for s in cut.segments if not s.step.startswith("transition/"))]
    starts = [start for start, timing in zip(cut.item_starts, cut.timings) if timing.voice_at is not None]
    for voice, start in zip(cut.voices, starts):
        begins = voice.start / project.video.sample_rate
        assert begins == pytest.approx(start / FPS + LEAD_IN, abs=1e-4)  # a 0.5 s crossfade never delays a voice
        quiet = audio_rms_between(video, start / FPS + 1 / FPS, begins - 1 / FPS)
        speech = audio_rms_between(video, begins + 1 / FPS, begins + seconds[voice.step] - 1 / FPS)
        assert quiet < 0.002 < 0.02 < speech, (voice.step, quiet, speech)
    assert len(items) == len(document["scenes"]) + 2


def test_captions_are_timed_from_the_narration(rendered):
    root, document, _ = rendered
    srt = (root / "build" / "whiskers-and-buster-s-rainbow-day.srt").read_text()
    vtt = (root / "build" / "whiskers-and-buster-s-rainbow-day.vtt").read_text()
    cut, _, project = layout(root)
    voice = cut.voices[0].start / project.video.sample_rate  # after the fade in and the title card
    # The first word is spoken about 50 ms into the voice (piper keeps that much
    # silence; its output varies a little between runs).
    first = re.match(r"1\n(\d\d):(\d\d):(\d\d),(\d{3}) --> ", srt)
    assert first, srt[:40]
    shown = int(first[2]) * 60 + int(first[3]) + int(first[4]) / 1000
    assert voice < shown < voice + 0.12, (voice, shown)
    assert vtt.startswith(f"WEBVTT\n\n{first[1]}:{first[2]}:{first[3]}.{first[4]} --> ")
    assert srt.count(" --> ") == vtt.count(" --> ") >= len(document["scenes"])
    shown = []
    for cue in srt.split("\n\n"):
        lines = cue.strip().splitlines()
        assert 3 <= len(lines) <= 4 and all(len(line) <= 42 for line in lines[2:])
        shown += " ".join(lines[2:]).split()
    assert shown == [word for scene in document["scenes"] for word in scene["narration"].split()]


def test_noop_rerender_runs_nothing(rendered):
    root, _, _ = rendered
    video = root / "build" / "whiskers-and-buster-s-rainbow-day.mp4"
    before = video.stat().st_mtime_ns
    result = run_cli("render", str(root), check=True)
    assert "up to date" in result.stdout
    assert built_steps(result) == [] and restored_steps(result) == []
    assert video.stat().st_mtime_ns == before
    assert run_cli("status", str(root)).returncode == 0


def test_edit_one_narration_then_revert(rendered):
    root, document, _ = rendered
    story = root / "story.yaml"
    original = story.read_text()
    edited = original.replace("played chase in the flower garden", "played hide and seek among the tulips")
    assert edited != original
    story.write_text(edited)
    status = run_cli("status", "--json", str(root))
    assert status.returncode == 1
    states = {row["step"]: row["state"] for row in json.loads(status.stdout)["steps"] if row["state"] != "fresh"}
    assert states == {"voice/garden": "stale", "clip/garden": "blocked", "soundtrack": "blocked", "video": "blocked"}

    result = run_cli("render", str(root), check=True)
    assert built_steps(result) == ["clip/garden", "soundtrack", "video", "voice/garden"]

    story.write_text(original)
    result = run_cli("render", str(root), check=True)
    assert built_steps(result) == []
    # The soundtrack has no view to relink: its stored key simply matches again (fresh).
    assert restored_steps(result) == ["clip/garden", "video", "voice/garden"]
    store_is_consistent(root / "build")


def test_interrupted_render_resumes_without_corrupt_objects(tmp_path, small_story):
    write_story(tmp_path, small_story)
    process = subprocess.Popen([sys.executable, "-m", "storybuild", "render", "-j", "1", str(tmp_path)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    traces = tmp_path / "build" / ".storybuild" / "traces"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(traces.glob("*/*.json"))) < 2:
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "run `storybuild render` again to resume" in stderr
    assert "Traceback" not in stderr
    store_is_consistent(tmp_path / "build")
    finished = len(list(traces.glob("*/*.json")))

    result = run_cli("render", str(tmp_path), check=True)
    assert len(built_steps(result)) == len(all_steps(tmp_path)) - finished
    assert not list((tmp_path / "build" / ".storybuild" / "tmp").glob("*"))
    store_is_consistent(tmp_path / "build")


def test_keep_going_builds_independent_scenes_and_lists_failures(tmp_path, small_story):
    small_story["scenes"][2]["narration"] = "..."  # valid text, but nothing to speak
    write_story(tmp_path, small_story)
    result = run_cli("render", "-k", str(tmp_path))
    assert result.returncode == 1
    assert "voice/pool (scene pool): piper produced no audio for scene 'pool'" in result.stderr
    assert "Traceback" not in result.stderr
    assert built_steps(result) == sorted(set(all_steps(tmp_path)) - {"voice/pool", "clip/pool", "soundtrack", "video"})
    assert (tmp_path / "build" / "scenes" / "garden" / "clip.mp4").is_file()
    page = (tmp_path / "build" / "index.html").read_text("utf-8")  # the review page says what failed
    assert ("<li><code>voice/pool</code>: piper produced no audio for scene &#x27;pool&#x27;: is the narration "
            "only punctuation? (&#x27;...&#x27;)</li>") in page
    assert "The video is not built yet." in page


def test_second_render_is_refused_while_one_holds_the_lock(tmp_path, small_story):
    from storybuild.lock import project_lock

    write_story(tmp_path, small_story)
    with project_lock(tmp_path / "build" / ".storybuild"):
        result = run_cli("render", str(tmp_path))
    assert result.returncode == 3
    assert "another storybuild is working on this project" in result.stderr


def test_forcing_composition_reruns_it_even_when_clips_come_out_identical(tmp_path, small_story):
    small_story["scenes"] = small_story["scenes"][:1]
    write_story(tmp_path, small_story)
    run_cli("render", str(tmp_path), check=True)
    result = run_cli("render", "--force", "clip", "--force", "video", str(tmp_path), check=True)
    assert built_steps(result) == ["clip/garden", "video"]
