"""Burned caption pages: layout in the safe area, states per frame, and real clips decoded."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from storybuild import caption_timing, caption_track, compose
from storybuild.caption_track import Box

FPS = 24
TEXT = ("Hello there, I'm Flick, and I think your little green lantern is the prettiest one in the "
        "whole forest! Grandma Bramble smiled.")


def make_overlay(text, size, style, frames, seconds):
    lay = caption_track.layout(style, *size)
    timings = caption_timing.estimate(text.split(), 0.0, seconds)
    pages = caption_track.pages_for(text, lay, ["Grandma Bramble"])
    timed = caption_track.timed_pages(pages, timings, seconds, frames / FPS)
    return caption_track.overlay(timed, timings, lay, style, fps=FPS, frames=frames, offset=0.0), timed


def test_safe_area_keeps_clear_of_platform_buttons_in_portrait():
    assert caption_track.safe_area(1080, 1920) == Box(54, 154, 950, 1632)
    assert caption_track.safe_area(1280, 720) == Box(64, 36, 1216, 684)


def test_states_cover_every_frame_and_follow_the_pages():
    track, timed = make_overlay(TEXT, (1280, 720), {}, 200, 7.0)
    assert track.states[0].start == 0 and track.states[-1].end == 200
    assert all(a.end == b.start for a, b in zip(track.states, track.states[1:]))
    shown = [state for state in track.states if state.image is not None]
    assert [state.start for state in shown] == [round(start * FPS) for start, _, _ in timed]
    assert all(state.image.size == track.size for state in shown)
    assert track.x + track.size[0] <= 1216 and track.y + track.size[1] <= 684


def test_highlight_makes_one_state_per_word_in_its_colour():
    track, timed = make_overlay(TEXT, (640, 360), {"highlight": "#ffd700"}, 200, 7.0)
    shown = [state for state in track.states if state.image is not None]
    assert len(shown) == len(TEXT.split())
    for state in shown:
        rgba = np.asarray(state.image)
        gold = (rgba[..., 0] > 240) & (np.abs(rgba[..., 1].astype(int) - 215) < 10) & (rgba[..., 2] < 20)
        assert gold.sum() > 5
    # Highlighting the first and the last word of a page colours opposite ends of the text.
    first, second = (np.asarray(shown[i].image) for i in (0, 1))
    assert not np.array_equal(first, second)


def test_a_word_too_wide_is_drawn_smaller_whole_and_validate_can_tell():
    long = "Supercalifragilisticexpialidocious-and-then-some"
    lay = caption_track.layout({"size": "large"}, 270, 480)
    pages = caption_track.pages_for(f"Pip said {long}.", lay)
    page = next(p for p in pages if f"{long}." in p.lines)
    size = caption_track.page_size(page, lay)
    assert size < lay.size and caption_track.measure(f"{long}.", size) <= lay.max_text_width
    assert caption_track.too_wide(f"Pip said {long}.", lay) == []
    tiny = caption_track.layout({"size": "large"}, 128, 228)
    assert caption_track.too_wide(f"Pip said {long * 2}.", tiny) == [f"{long * 2}."]


def decode(path: Path) -> np.ndarray:
    import av

    with av.open(str(path)) as container:
        return np.stack([f.to_ndarray(format="rgb24").astype(np.int16) for f in container.decode(video=0)])


@pytest.fixture(scope="module")
def portrait_clips(tmp_path_factory):
    folder = tmp_path_factory.mktemp("captions #1")  # a '#' in the path must not break the concat list
    image = folder / "picture.png"
    Image.new("RGB", (270, 480), (60, 90, 140)).save(image)
    frames, size = 120, (270, 480)
    track, timed = make_overlay(TEXT, size, {"size": "large", "highlight": "#ffd700"}, frames, 4.5)
    out = {}
    for name, captions in (("plain", None), ("captioned", track)):
        out[name] = folder / f"{name}.mp4"
        compose.render_clip(image, out[name], width=size[0], height=size[1], fps=FPS, frames=frames,
                            captions=captions, motion=False, motion_seed="s")
    return decode(out["plain"]), decode(out["captioned"]), track


def test_caption_pixels_stay_inside_the_portrait_safe_area(portrait_clips):
    plain, captioned, _ = portrait_clips
    changed = (np.abs(captioned - plain).max(axis=3) > 40).any(axis=0)
    ys, xs = np.nonzero(changed)
    assert len(ys) > 500  # there is text
    safe = caption_track.safe_area(270, 480)
    assert xs.min() >= safe.left and xs.max() < safe.right
    assert ys.min() >= safe.top and ys.max() < safe.bottom


def highlighted_word(frame: np.ndarray):
    """Centre (x, y) of the gold pixels (the highlighted word), None without any."""
    gold = (frame[..., 0] > 180) & (frame[..., 1] > 140) & (frame[..., 2] < 100)
    if gold.sum() < 5:
        return None
    ys, xs = np.nonzero(gold)
    return xs.mean(), ys.mean()


def test_each_state_starts_on_its_exact_frame(portrait_clips):
    _, captioned, track = portrait_clips
    words = [highlighted_word(frame) for frame in captioned]
    changes = [i for i in range(1, len(words)) if (words[i] is None) != (words[i - 1] is None) or (
        words[i] is not None and np.hypot(words[i][0] - words[i - 1][0], words[i][1] - words[i - 1][1]) > 3)]
    assert changes == [state.start for state in track.states[1:]]


def test_position_top_puts_the_page_in_the_top_of_the_safe_area():
    track, _ = make_overlay(TEXT, (1280, 720), {"position": "top"}, 100, 4.0)
    assert track.y == caption_track.safe_area(1280, 720).top



@pytest.mark.parametrize("text, side", [("Look at that puddle!", "left"), ("انظر إلى تلك البركة!", "right")])
def test_a_speakers_name_stands_where_its_line_is_read_from(text, side):
    lay = caption_track.layout({}, 1280, 720)
    page = caption_track.pages_for(text, lay, speaker="Whiskers")[0]
    image, _ = caption_track._draw_plain(page, lay, {}, (1200, 200))
    pixels = np.asarray(image.convert("RGB")).astype(int)
    label = np.abs(pixels - np.array([0x9F, 0xD8, 0xFF])).sum(axis=2) < 30  # LABEL_COLOR
    words = pixels.min(axis=2) > 235  # the white words
    label_x, words_x = np.nonzero(label)[1].mean(), np.nonzero(words)[1].mean()
    assert (label_x < words_x) == (side == "left"), (label_x, words_x)


def test_validate_measures_a_dialogue_line_with_its_speakers_label():
    lay = caption_track.layout({"size": "large"}, 128, 228)
    word = "a"
    while caption_track.measure(word + "a", caption_track.SMALLEST, lay.font) <= lay.max_text_width:
        word += "a"  # the longest word that still fits alone at the smallest letters
    assert caption_track.too_wide(word, lay) == []
    assert caption_track.too_wide(word, lay, speaker="Whiskers") == [f"Whiskers: {word}"]
