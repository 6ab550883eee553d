"""The film around the scenes: title and end cards, fades, transitions between scenes,
and scenes drawn from the user's own pictures. Checked by decoding real renders."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from conftest import run_cli, write_story
from mediacheck import probe
from test_render import layout
from storybuild import transitions

FPS = 24


def frames_of(path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format="rgb24").astype(float) for frame in container.decode(video=0)]


def film_layout(root):
    """The timeline of the rendered film, as the video step computed it."""
    return layout(root)[0]


def painted(path, colours, size=(320, 180)):
    """A picture in vertical bands of `colours` (a pattern, so fitting shows)."""
    image = Image.new("RGB", size)
    band = size[0] // len(colours)
    for index, colour in enumerate(colours):
        image.paste(colour, (index * band, 0, (index + 1) * band, size[1]))
    image.save(path)
    return path


@pytest.fixture(scope="module")
def film(tmp_path_factory):
    """Three scenes with their own flat pictures (easy to tell apart in decoded frames),
    still, without captions, crossfades between scenes, both cards."""
    root = tmp_path_factory.mktemp("film")
    art = root / "art"
    art.mkdir()
    colours = {"red": (220, 30, 30), "green": (30, 200, 30), "blue": (30, 30, 220)}
    for name, colour in colours.items():
        painted(art / f"{name}.png", [colour])
    document = {
        "version": 1, "title": "Three Colours", "style": "flat poster colours",
        "video": {"size": "320x180", "fps": FPS, "captions": False, "motion": False,
                  "transition": {"type": "crossfade", "seconds": 0.5}},
        "end_card": {"title": "Fin", "seconds": 2},
        "scenes": [{"id": name, "image": {"file": f"art/{name}.png"}, "narration": f"This is {name}."}
                   for name in colours],
    }
    write_story(root, document)
    run_cli("render", str(root), check=True)
    video = root / "build" / "three-colours.mp4"
    return root, video, frames_of(video), film_layout(root)


def segment_range(cut, step_id: str) -> tuple[int, int]:
    start = 0
    for segment in cut.segments:
        if segment.step == step_id:
            return start, start + segment.frames
        start += segment.frames
    raise AssertionError(f"no segment {step_id}")


def test_the_film_is_every_segment_in_order_with_matching_sound(film):
    root, video, frames, cut = film
    facts = probe(video)
    assert facts["frames"] == len(frames) == cut.frames
    assert abs(facts["audio_duration"] - cut.frames / FPS) <= 1 / FPS
    assert [s.step for s in cut.segments] == [
        "transition/+card:title", "card/title", "transition/card:title+red", "clip/red", "transition/red+green",
        "clip/green", "transition/green+blue", "clip/blue", "transition/blue+card:end", "card/end",
        "transition/card:end+"]


def test_the_film_fades_in_from_black_and_out_to_black(film):
    _, _, frames, cut = film
    assert frames[0].mean() < 12 and frames[-1].mean() < 12
    middle = sum(segment_range(cut, "card/title")) // 2
    assert frames[middle].mean() > 60  # the title card is showing


def test_a_crossfade_really_blends_the_two_pictures(film):
    _, _, frames, cut = film
    first, end = segment_range(cut, "transition/red+green")
    before, after, middle = frames[first - 1], frames[end], frames[(first + end) // 2]
    centre = (slice(60, 120), slice(100, 220))
    red, green, blend = (f[centre].mean(axis=(0, 1)) for f in (before, after, middle))
    assert red[0] > 180 and green[1] > 160
    assert abs(blend - red).max() > 40 and abs(blend - green).max() > 40  # differs from both neighbours
    assert blend == pytest.approx((red + green) / 2, abs=35)  # and is their mix


def test_own_pictures_are_used_as_they_are(film):
    root, _, frames, cut = film
    first, end = segment_range(cut, "clip/blue")
    blue = frames[(first + end) // 2][60:120, 100:220].mean(axis=(0, 1))
    assert blue[2] > 180 and blue[0] < 70
    assert (root / "build" / "scenes" / "blue" / "image.png").is_file()


def test_every_transition_kind_renders_exact_frames(tmp_path):
    left = Image.new("RGB", (160, 90), (250, 0, 0))
    right = Image.new("RGB", (160, 90), (0, 0, 250))
    for kind in ("crossfade", "fade", "slide", "wipe"):
        out = tmp_path / f"{kind}.mp4"
        transitions.render_transition(left, right, out, kind=kind, frames=12, fps=FPS)
        decoded = frames_of(out)
        assert len(decoded) == 12
        middle = decoded[6]
        if kind in ("slide", "wipe"):  # one side of the frame shows each picture
            assert {int(middle[:, :40, 0].mean() > 128), int(middle[:, -40:, 0].mean() > 128)} == {0, 1}, kind
        elif kind == "fade":  # through black
            assert middle.mean() < 40, kind
        else:
            assert 60 < middle[..., 0].mean() < 200 and 60 < middle[..., 2].mean() < 200


def test_a_picture_outside_the_project_or_missing_is_refused(tmp_path):
    (tmp_path / "outside.png").write_bytes(b"x")
    root = tmp_path / "story"
    (root / "art").mkdir(parents=True)
    (root / "art" / "notes.png").write_text("not a picture")
    write_story(root, {
        "version": 1, "title": "T", "style": "s",
        "scenes": [{"id": "a", "image": {"file": "../outside.png"}, "narration": "A."},
                   {"id": "b", "image": {"file": "art/none.png"}, "narration": "B."},
                   {"id": "c", "image": "a cat", "narration": "C.", "transition": "zoom"},
                   {"id": "d", "image": "a dog", "narration": "D.", "transition": {"type": "slide", "seconds": 5}},
                   {"id": "e", "image": {"file": "art/notes.png"}, "narration": "E."}],
    })
    result = run_cli("validate", str(root))
    assert result.returncode == 2
    lines = result.stderr.splitlines()[1:]
    assert [line.split(": ", 1)[1] for line in lines] == [
        "scenes[0].image.file: must be inside the project folder (got '../outside.png', which leads out of it)",
        "scenes[1].image.file: no such file: art/none.png (paths are relative to the story file)",
        "scenes[2].transition: must be one of 'cut', 'crossfade', 'fade', 'slide', 'wipe' (got 'zoom')",
        "scenes[3].transition.seconds: must be at most 2 (got 5)",
        "scenes[4].image.file: 'art/notes.png' is not a picture (expected PNG, JPEG, WebP, GIF, BMP or TIFF)",
    ]
    assert "Traceback" not in result.stderr


def test_cards_can_be_turned_off_and_cuts_make_no_seam_steps(tmp_path, small_story):
    small_story["title_card"] = False
    small_story["end_card"] = False
    small_story["video"].update({"transition": "cut", "fade": 0})
    write_story(tmp_path, small_story)
    status = run_cli("status", str(tmp_path))
    steps = [line.split()[1] for line in status.stdout.splitlines()[:-1]]
    assert not [s for s in steps if s.startswith(("card/", "transition/"))]
    assert len(steps) == 11  # image, voice, clip per scene, the soundtrack and the video


def test_the_sound_is_mastered_48k_stereo_at_the_target_loudness(film):
    from storybuild.soundtrack import measure_loudness

    _, video, _, _ = film
    lufs, peak, rate, channels = measure_loudness(video)
    assert (rate, channels) == (48000, 2)
    assert abs(lufs - -16.0) <= 1.0 and peak <= -1.5, (lufs, peak)


def test_cards_take_their_colours_from_the_style_and_are_drawn_the_same_every_time(tmp_path):
    from storybuild import cards

    top, bottom, ink = cards.style_palette("deep blue twilight sky, warm golden lantern light")
    assert max(top) < 140 and ink == (255, 255, 255)  # a night story: a dark card, white letters
    top, bottom, ink = cards.style_palette("soft watercolor picture book, warm pastel colors")
    assert min(top) > 150 and max(ink) < 100  # a pastel story: a light card, dark letters
    for name in ("a.png", "b.png"):
        cards.draw_card(tmp_path / name, title="Café Zoë", subtitle="月の物語", style="pastel", width=640, height=360)
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()
    title = np.asarray(Image.open(tmp_path / "a.png").convert("L"), dtype=float)
    assert title[120:200, 200:440].std() > 20  # letters in the middle, not an empty gradient


def test_a_caption_font_in_the_project_draws_the_captions_and_is_keyed_by_its_bytes(tmp_path, small_story):
    import shutil

    from storybuild import typeset

    sans = next(f for f in typeset.bundled_faces() if f.path.endswith("NotoSans[wght].ttf"))
    italic = Path(sans.path).with_name("NotoSans-Italic[wght].ttf")  # other Latin letters
    (tmp_path / "fonts").mkdir()
    shutil.copy(italic, tmp_path / "fonts" / "mine.ttf")
    small_story["scenes"] = small_story["scenes"][:1]
    small_story["video"].update({"size": "320x180", "motion": False, "captions": {"font": "fonts/mine.ttf"}})
    write_story(tmp_path, small_story)
    run_cli("render", str(tmp_path), check=True)
    clip = tmp_path / "build" / "scenes" / "garden" / "clip.mp4"
    with_font = clip.read_bytes()
    small_story["video"]["captions"] = True
    write_story(tmp_path, small_story)
    status = run_cli("status", "--json", str(tmp_path))
    states = {row["step"]: row["state"] for row in __import__("json").loads(status.stdout)["steps"]}
    assert states["clip/garden"] == "stale" and states["voice/garden"] == "fresh"
    run_cli("render", str(tmp_path), check=True)
    assert clip.read_bytes() != with_font  # other letters


def test_a_caption_font_must_be_a_font_inside_the_project(tmp_path):
    root = tmp_path / "story"
    (root / "fonts").mkdir(parents=True)
    (root / "fonts" / "notes.ttf").write_text("not a font")
    for font, message in [("../x.ttf", "must be inside the project folder (got '../x.ttf', which leads out of it)"),
                          ("fonts/notes.ttf", "'fonts/notes.ttf' is not a font file (expected TrueType or "
                                              "OpenType: .ttf, .otf, .ttc)")]:
        write_story(root, {"version": 1, "title": "T", "style": "s", "video": {"captions": {"font": font}},
                           "scenes": [{"id": "a", "image": "a cat", "narration": "A."}]})
        result = run_cli("validate", str(root))
        assert result.returncode == 2
        assert result.stderr.splitlines()[1].split(": ", 1)[1] == f"video.captions.font: {message}"


def test_validate_warns_about_letters_no_font_has(tmp_path):
    write_story(tmp_path, {"version": 1, "title": "Signs", "style": "s",
                           "scenes": [{"id": "a", "image": "x", "narration": "The scribe drew 𓂀 on the wall."}]})
    result = run_cli("validate", str(tmp_path))
    assert result.returncode == 0
    assert result.stderr.splitlines() == [
        f"{tmp_path}/story.yaml:7:14: scenes[0].narration: warning: no font has the letters '𓂀'; they are left "
        "out of the picture (the .srt/.vtt keep them)"]
