"""Animated scenes with Veo: real CLI renders against the fake's long-running operations
(start, polled operations.get, a real MP4 downloaded), through the real SDK."""

from __future__ import annotations

import base64
import math
import re

import numpy as np
import pytest

from conftest import run_cli, write_story
from fakegemini import fake_gemini  # noqa: F401 - a fixture
from mediacheck import frame_means, probe
from test_gemini_render import FPS, LEAD_IN, TAIL, render, scenes, steps, story, wav_seconds
from storybuild.video_fit import MAX_SLOWDOWN, plays, stretch

VEO = "gemini animation model veo-3.1-lite-generate-001"


def animated_story(**animation) -> dict:
    document = story()
    document["providers"]["animation"] = {"provider": "gemini", **animation}
    document["scenes"][0]["animate"] = True  # the pond
    return document


def test_an_animated_scene_calls_veo_once_and_its_clip_moves_for_the_whole_narration(fake_gemini, tmp_path):
    fake_gemini.configure(operation_polls=2)
    write_story(tmp_path, animated_story(poll_seconds=1, seconds=4))
    result = render(tmp_path)
    assert result.returncode == 0, result.stderr
    assert "animation/pond" in steps(result, "built")
    assert re.search(r"waiting +animation/pond generating the video, checking every 1 s", result.stderr)
    start, *polls = [call for call in fake_gemini.requests if call.kind in ("video", "poll", "download")]
    assert (start.kind, start.model, [p.kind for p in polls]) == ("video", "veo-3.1-lite-generate-001",
                                                                   ["poll", "poll", "download"])
    assert polls[1].started - polls[0].finished >= 1  # the poll interval, slept, not spun
    instance = start.normalized["instances"][0]
    picture = (tmp_path / "build" / "scenes" / "pond" / "image.png").read_bytes()
    assert base64.b64decode(instance["image"]["bytes_base64_encoded"]) == picture
    assert scenes()["pond"]["image"] in instance["prompt"]
    assert start.normalized["parameters"] == {"aspect_ratio": "16:9", "duration_seconds": 4}

    clip = tmp_path / "build" / "scenes" / "pond" / "clip.mp4"
    voice = wav_seconds(tmp_path / "build" / "scenes" / "pond" / "voice.wav")
    frames = math.ceil((LEAD_IN + voice + TAIL) * FPS - 1e-9)
    info = probe(clip)
    assert (info["width"], info["height"], info["frames"]) == (640, 360, frames)
    means = frame_means(clip)
    slowed = round(4 * stretch(4, frames / FPS, FPS) * FPS)  # a 4 s video, slowed, then held on its last frame
    assert np.allclose(means[slowed + 1:], means[-1], atol=0.5)  # then it holds
    still = frame_means(tmp_path / "build" / "scenes" / "hill" / "clip.mp4")
    # motion is off in this story: a still scene changes only by encoding noise (and caption pages)
    change = lambda frames: float(np.median(np.abs(np.diff(frames, axis=0)).sum(axis=1)))  # noqa: E731
    assert change(means[: slowed - 2]) > 20 * change(still), (change(means[: slowed - 2]), change(still))


def test_editing_the_narration_never_pays_for_a_new_video_but_a_new_picture_does(fake_gemini, tmp_path):
    fake_gemini.configure(operation_polls=1)
    document = animated_story()
    write_story(tmp_path, document)
    planned = run_cli("status", str(tmp_path)).stdout.splitlines()
    assert "paid: 1 call to gemini veo-3.1-lite-generate-001: 8.0 s at $0.05/s = $0.40" in planned
    assert render(tmp_path).returncode == 0
    assert render(tmp_path).stdout.startswith("up to date")

    document["scenes"][0]["narration"] = "Pip paddled across the big pond as the sun came up."
    write_story(tmp_path, document)
    before = len(fake_gemini.requests)
    edited = render(tmp_path)
    assert edited.returncode == 0, edited.stderr
    assert [call.kind for call in fake_gemini.requests[before:]] == ["audio"]
    assert "clip/pond" in steps(edited, "built") and "animation/pond" not in steps(edited, "built")

    document["scenes"][0]["image"] = "Pip paddles across a lily pond at sunset"
    write_story(tmp_path, document)
    before = len(fake_gemini.requests)
    redrawn = render(tmp_path)
    assert redrawn.returncode == 0, redrawn.stderr
    assert [call.kind for call in fake_gemini.requests[before:]] == ["image", "video", "poll", "download"]


@pytest.mark.parametrize("fault, why", [
    ({"filtered": "The video was filtered because it may violate our policies."},
     "withheld by the safety filter: The video was filtered because it may violate our policies."),
    ({"operation_error": "Video generation failed due to an internal error."},
     "the video generation failed: Video generation failed due to an internal error."),
])
def test_a_failed_operation_fails_its_step_with_one_line(fake_gemini, tmp_path, fault, why):
    fake_gemini.configure(operation_polls=1)
    fake_gemini.inject(dict(fault, kind="video"))
    write_story(tmp_path, animated_story())
    result = render(tmp_path, "-k")
    assert result.returncode == 1
    (line,) = [line for line in result.stderr.splitlines() if " FAILED " in line]
    assert line.endswith(f"FAILED   animation/pond: {VEO}: scene pond: {why}"), line
    assert steps(result, "skipped") == ["clip/pond", "video"]
    assert len(fake_gemini.calls("video")) == 1  # not retried: the same picture would fail again


def test_a_per_day_quota_on_the_start_fails_at_once(fake_gemini, tmp_path):
    fake_gemini.inject({"kind": "video", "status": 429, "quota": "day"})
    write_story(tmp_path, animated_story())
    result = render(tmp_path, "-k")
    assert result.returncode == 1
    assert re.search(rf"FAILED   animation/pond: {VEO}: the daily quota GenerateRequestsPerDayPerProjectPerModel-"
                     r"FreeTier is used up; it resets at midnight Pacific time", result.stderr)
    assert len(fake_gemini.calls("video")) == 1


def test_animate_without_a_provider_is_a_story_error(tmp_path):
    document = story()
    document["scenes"][1]["animate"] = True
    write_story(tmp_path, document)
    result = run_cli("validate", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].endswith(
        "scenes[1].animate: needs an animation provider: add providers.animation (e.g. {provider: gemini})")


def test_every_fit_ends_on_the_last_frame_slowing_at_most_one_and_a_half_times():
    fps = 25
    assert stretch(8, 5, fps) == (5 - 1 / fps) / 8  # a longer video plays faster: its last frame ends the clip
    assert stretch(4, 5, fps) == (5 - 1 / fps) / 4
    assert stretch(4, 20, fps) == MAX_SLOWDOWN == 1.5  # then it holds its last frame
    assert (plays(4, 9, "loop"), stretch(4, 9, fps, "loop")) == (2, (9 - 1 / fps) / 8)  # two plays, a touch slower
    assert (plays(4, 5, "loop"), plays(4, 5, "slow")) == (1, 1)


def decoded(path, which: int):
    """Frame `which` (0: first, -1: last) of a video as an RGB array."""
    import av

    with av.open(str(path)) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    return frames[which].astype(np.int16)


def test_the_seams_beside_an_animated_scene_show_its_video_where_its_clip_starts_and_ends(fake_gemini, tmp_path):
    from PIL import Image

    from storybuild.store import Store

    document = animated_story(poll_seconds=1, seconds=4)
    document["video"].update(transition="crossfade", fade=0)
    write_story(tmp_path, document)
    assert render(tmp_path).returncode == 0
    store = Store(tmp_path / "build")
    seam = store.object_path(store.current_trace("transition/pond+hill").outputs["seam.mp4"])
    clip = tmp_path / "build" / "scenes" / "pond" / "clip.mp4"
    top = slice(0, 200)  # above the captions
    after_clip = np.abs(decoded(seam, 0)[top] - decoded(clip, -1)[top]).mean()
    still = np.asarray(Image.open(tmp_path / "build" / "scenes" / "pond" / "image.png").convert("RGB").resize((640, 360)))
    # The seam's first frame is 12/13 the clip's last frame (the rest the next scene's
    # picture); the still picture the seam used to show is nothing like the video.
    assert after_clip < 12, after_clip
    assert np.abs(still.astype(np.int16)[top] - decoded(clip, -1)[top]).mean() > 3 * after_clip


def test_a_video_start_that_times_out_is_not_sent_again(fake_gemini, tmp_path):
    """The service may have accepted (and will bill) a start whose answer came too late:
    asking again could pay for two videos."""
    fake_gemini.inject({"kind": "video", "delay": 2.5})
    write_story(tmp_path, animated_story(timeout=1))
    result = render(tmp_path, "-k")
    assert result.returncode == 1
    (line,) = [line for line in result.stderr.splitlines() if " FAILED " in line]
    assert "timed out after 1 s; the video may have started anyway, so it was not asked for twice" in line, line
    assert len(fake_gemini.calls("video")) == 1
