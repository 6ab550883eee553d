"""The 12-scene example as a viewer gets it, in 16:9, 1:1 and 9:16: transitions, cards,
paged captions with the spoken word highlighted, music, mastered sound; every narration
word on screen once, in order, inside the safe area, in every shape."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml

from conftest import ROOT, run_cli, write_story
from storybuild import caption_track

EXAMPLE = ROOT / "examples" / "moonlight-lantern-parade" / "story.yaml"


ASPECTS = ("16:9", "1:1", "9:16")  # 9:16 last: its scene views stay in build/ for the checks below


@pytest.fixture(scope="module")
def films(tmp_path_factory):
    """The example (with its music) rendered in each shape in one project folder, as a
    person would try them: the narration is made once and restored for the others.
    Returns the folder, the story and, per shape, a copy of its video and subtitles."""
    root = tmp_path_factory.mktemp("example")
    shutil.copytree(EXAMPLE.parent / "music", root / "music")
    document = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    made = {}
    for aspect in ASPECTS:
        # 9:16 still: the safe-area check below finds the caption as what differs from
        # the captionless first frame, which a moving picture would blur.
        document["video"].update({"aspect": aspect, "resolution": 480, "fps": 12, "motion": aspect != "9:16",
                                  "captions": {"size": "large", "highlight": "#ffd700"}})
        write_story(root, document)
        run_cli("render", "-j", "2", str(root), check=True)
        name = aspect.replace(":", "x")
        for suffix in (".mp4", ".srt"):
            made[name, suffix] = shutil.copy(next((root / "build").glob(f"*{suffix}")), root / f"{name}{suffix}")
    return root, document, made


@pytest.fixture(scope="module")
def portrait(films):
    root, document, _ = films
    return root, document


def srt_pages(srt: str) -> list[tuple[float, float, list[str]]]:
    def seconds(stamp: str) -> float:
        hours, minutes, rest = stamp.split(":")
        return int(hours) * 3600 + int(minutes) * 60 + float(rest.replace(",", "."))

    pages = []
    for block in srt.strip().split("\n\n"):
        lines = block.splitlines()
        start, end = lines[1].split(" --> ")
        pages.append((seconds(start), seconds(end), lines[2:]))
    return pages


@pytest.mark.parametrize("aspect", ASPECTS)
def test_every_narration_word_appears_once_in_order_in_pages_that_fit(films, aspect):
    root, document, made = films
    pages = srt_pages(Path(made[aspect.replace(":", "x"), ".srt"]).read_text(encoding="utf-8"))
    shown = [word for _, _, lines in pages for line in lines for word in line.split()]
    assert shown == [word for scene in document["scenes"] for word in scene["narration"].split()]
    assert all(1 <= len(lines) <= 2 and all(len(line) <= 42 for line in lines) for _, _, lines in pages)
    assert all(1.0 <= end - start <= 7.0 for start, end, _ in pages)  # subtitle guides: 1-7 s a cue
    assert all(a[1] <= b[0] + 1e-3 for a, b in zip(pages, pages[1:]))  # one page at a time
    assert "\u2026" not in "".join(line for _, _, lines in pages for line in lines)


@pytest.mark.parametrize("aspect", ASPECTS)
def test_each_shape_is_the_whole_film_with_mastered_stereo_sound(films, aspect):
    from mediacheck import probe
    from storybuild.soundtrack import measure_loudness

    _, document, made = films
    video = Path(made[aspect.replace(":", "x"), ".mp4"])
    facts = probe(video)
    width, height = {"16:9": (854, 480), "1:1": (480, 480), "9:16": (480, 854)}[aspect]
    assert (facts["width"], facts["height"]) == (width, height)
    # Cards (3 s + 2.5 s), the scenes and the fades' black halves: more than the narration.
    assert facts["duration"] > 5.5 + 12 * 2.0 and abs(facts["audio_duration"] - facts["duration"]) < 1 / 12
    lufs, peak, rate, channels = measure_loudness(video)
    assert (rate, channels) == (48000, 2)
    assert abs(lufs - -16.0) <= 1.0 and peak <= -1.5, (lufs, peak)


def test_piper_word_times_are_stored_and_used(portrait):
    from storybuild.store import Store

    root, document = portrait
    store = Store(root / "build")
    for scene in document["scenes"]:
        assert sorted(store.current_trace(f"voice/{scene['id']}").outputs) == ["voice.wav", "words.json"]
        shown = json.loads((root / "build" / "scenes" / scene["id"] / "captions.json").read_text("utf-8"))
        assert shown["timing"] == "narrator"


def decode_frame(video: Path, seconds: float) -> np.ndarray:
    import av

    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        for frame in container.decode(stream):
            if frame.time >= seconds - 1e-6:
                return frame.to_ndarray(format="rgb24").astype(np.int16)
    raise AssertionError(f"no frame at {seconds} s")


@pytest.mark.parametrize("scene_index", [0, 3, 7, 11])
def test_caption_pixels_stay_in_the_portrait_safe_area(portrait, scene_index):
    root, document = portrait
    scene = document["scenes"][scene_index]["id"]
    folder = root / "build" / "scenes" / scene
    shown = json.loads((folder / "captions.json").read_text(encoding="utf-8"))["pages"]
    # Frame 0 is in the lead-in, before the first word: the picture without a caption,
    # through the same encoder (the image file itself differs at every sharp edge).
    picture = decode_frame(folder / "clip.mp4", 0.0)
    safe = caption_track.safe_area(480, 854)
    for start, end, _ in shown[:2]:
        frame = decode_frame(folder / "clip.mp4", (start + end) / 2)
        text = np.abs(frame - picture).max(axis=2) > 90
        ys, xs = np.nonzero(text)
        assert len(ys) > 200, "no caption on the frame"
        assert xs.min() >= safe.left and xs.max() < safe.right, (scene, xs.min(), xs.max())
        assert ys.min() >= safe.top and ys.max() < safe.bottom, (scene, ys.min(), ys.max())
        assert not text[round(854 * 0.85):].any() and not text[:, round(480 * 0.88):].any()


def test_validate_warns_about_a_line_that_cannot_fit_but_does_not_fail(tmp_path):
    long = "Supercalifragilisticexpialidocious-" * 3 + "end"
    story = tmp_path / "story.yaml"
    story.write_text(
        "version: 1\ntitle: T\nstyle: s\nvideo: {size: 128x228, captions: {size: large}}\nscenes:\n"
        f"  - id: a\n    image: x\n    narration: Pip said {long}.\n", encoding="utf-8")
    result = run_cli("validate", str(tmp_path))
    assert result.returncode == 0
    assert result.stdout == f"{story}: ok (1 scene, 0 characters)\n"
    assert result.stderr == (
        f"{story}:8:16: scenes[0].narration: warning: the caption line '{long}.' does not fit the caption "
        "area even at the smallest letters; it will be drawn too small to read\n")


def test_caption_settings_accept_true_false_and_a_style():
    from storybuild.model import CaptionStyle
    from storybuild.project import video_settings

    assert video_settings({}).captions is True and video_settings({}).caption_style == CaptionStyle()
    assert video_settings({"captions": False}).captions is False
    styled = video_settings({"captions": {}})
    assert styled.captions is True and styled.caption_style == CaptionStyle()
    styled = video_settings({"captions": {"position": "top", "size": 40, "highlight": "#ffd700"}})
    assert styled.caption_style == CaptionStyle(position="top", size=40, highlight="#ffd700")


def test_captions_off_burns_nothing_but_still_writes_the_pages(tmp_path, small_story):
    small_story["video"] = {"size": "320x180", "fps": 12, "captions": False, "motion": False}
    small_story["scenes"] = small_story["scenes"][:1]
    write_story(tmp_path, small_story)
    run_cli("render", str(tmp_path), check=True)
    srt = next((tmp_path / "build").glob("*.srt")).read_text(encoding="utf-8")
    pages = srt_pages(srt)
    assert [w for _, _, lines in pages for line in lines for w in line.split()] == \
        small_story["scenes"][0]["narration"].split()
    clip = tmp_path / "build" / "scenes" / small_story["scenes"][0]["id"] / "clip.mp4"
    first = decode_frame(clip, 0.0)
    middle = decode_frame(clip, (pages[0][0] + pages[0][1]) / 2)
    assert np.abs(middle - first).max() < 40  # the picture alone, give or take the encoder
