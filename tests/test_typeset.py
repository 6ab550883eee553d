"""Text in every script: the font chain, shaping, right-to-left order, wrapping, and
real caption frames decoded from ffmpeg, checked glyph by glyph against the
missing-glyph box of the font that draws them."""

from __future__ import annotations

import shutil
import unicodedata

import av
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from storybuild import compose, typeset
from storybuild.errors import ProviderError
from storybuild.providers import create
from storybuild.model import ProviderChoice
from storybuild.providers.base import CharacterInfo, SceneImageRequest

SCRIPTS = {
    "french": "Café Zoë, où est le cœur?",
    "german": "Der Fuß der großen Brücke über dem Fluss",
    "spanish": "¿Dónde está el niño? ¡Mañana!",
    "greek": "Η μικρή αλεπού κοιτάζει το φεγγάρι.",
    "russian": "Маленький ёжик зажёг фонарь.",
    "arabic": "أضاء الصبي الفانوس في الليل.",
    "hebrew": "הילדה הדליקה את הפנס בלילה.",
    "japanese": "少女は月に向かって歌いました。",
    "chinese": "小狐狸看着月亮，笑了。",
}
SIZE = 40


def glyph(font: ImageFont.FreeTypeFont, char: str) -> np.ndarray:
    """The bitmap `font` draws for `char` alone (basic layout: one glyph, no shaping)."""
    image = Image.new("L", (3 * SIZE, 3 * SIZE), 0)
    ImageDraw.Draw(image).text((SIZE // 2, SIZE // 2), char, font=font, fill=255)
    return np.asarray(image)


def notdef(font: ImageFont.FreeTypeFont, covered: frozenset[int]) -> np.ndarray:
    """The font's missing-glyph box: what it draws for a code point its cmap lacks."""
    absent = next(point for point in (0x10FFFD, 0xE000, 0xFFFE) if point not in covered)
    return glyph(font, chr(absent))


def basic(face: typeset.Face) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(face.path, SIZE, index=face.index, layout_engine=ImageFont.Layout.BASIC)


def boxes(text: str) -> list[str]:
    """Characters of `text` (one line) that the chain would draw as a missing-glyph box,
    or leave out: each must be in the cmap of the font its run uses, and that font's
    bitmap for it must be ink that differs from the font's .notdef bitmap."""
    wanted = [char for char in unicodedata.normalize("NFC", text) if not char.isspace()]
    drawn = {char: run.face for run in typeset.typeface().runs(text) for char in run.text}
    bad = []
    for char in wanted:
        face = drawn.get(char)
        if face is None or ord(char) not in typeset.coverage(face):
            bad.append(char)
            continue
        font = basic(face)
        bitmap = glyph(font, char)
        if bitmap.max() == 0 or np.array_equal(bitmap, notdef(font, typeset.coverage(face))):
            bad.append(char)
    return bad


def test_the_box_detector_finds_boxes_in_pillows_default_font():
    """The check used below is not vacuous: Pillow's default font draws Japanese as its
    .notdef box and the detector sees it, while Latin letters pass."""
    font = ImageFont.load_default(size=SIZE)
    box = glyph(font, chr(0x10FFFD))
    assert np.array_equal(glyph(font, "の"), box)
    assert not np.array_equal(glyph(font, "a"), box)


def caption_overlay(text: str, width: int, height: int, frames: int):
    """The caption states of a clip whose narration `text` is spoken over all its frames."""
    from storybuild import caption_timing, caption_track, captions

    lay = caption_track.layout({}, width, height)
    seconds = frames / 24
    timings = caption_timing.estimate(captions.tokens(text), 0.0, seconds)
    timed = caption_track.timed_pages(caption_track.pages_for(text, lay), timings, seconds, seconds)
    return caption_track.overlay(timed, timings, lay, {}, fps=24, frames=frames, offset=0.0), timed


@pytest.mark.parametrize("script", SCRIPTS)
def test_a_caption_page_draws_every_letter_of_each_script(script):
    from storybuild import captions

    text = SCRIPTS[script]
    assert boxes(text) == []
    assert typeset.missing_glyphs(text) == set()
    overlay, timed = caption_overlay(text, 1280, 720, 48)
    # Every character of the narration is on a page, once and in order.
    shown = "".join(captions.join(page.lines) for _, _, page in timed)
    assert "".join(shown.split()) == "".join(unicodedata.normalize("NFC", text).split())
    layer = np.asarray(overlay.states[0].image)
    letters = (layer[..., 3] == 255) & (layer[..., :3].min(axis=2) == 255)
    assert letters.sum() > 40 * len(text.replace(" ", ""))  # real ink for each character
    # A different last letter gives a different picture (boxes would look the same).
    changed = text[:-2] + ("x" if text[-2] != "x" else "y") + text[-1]
    assert not np.array_equal(layer, np.asarray(caption_overlay(changed, 1280, 720, 48)[0].states[0].image))


@pytest.mark.parametrize("script", ["french", "russian", "arabic", "hebrew", "japanese", "chinese"])
def test_a_caption_frame_rendered_by_ffmpeg_shows_the_text(tmp_path, script):
    text = SCRIPTS[script]
    width, height = 640, 360
    Image.new("RGB", (width, height), (90, 110, 130)).save(tmp_path / "picture.png")
    out = tmp_path / "clip.mp4"
    overlay, _ = caption_overlay(text, width, height, 2)
    compose.render_clip(tmp_path / "picture.png", out, width=width, height=height, fps=24, frames=2,
                        captions=overlay, motion=False, motion_seed="s")  # fmt: skip
    with av.open(str(out)) as container:
        frame = next(container.decode(video=0)).to_ndarray(format="rgb24").astype(int)
    expected = Image.new("RGBA", (width, height), (90, 110, 130, 255))
    expected.alpha_composite(overlay.states[0].image, (overlay.x, overlay.y))
    expected = np.asarray(expected.convert("RGB")).astype(int)
    band = slice(height // 2, height)
    assert np.abs(frame[band] - expected[band]).mean() < 4  # the frame shows our caption page
    white = (frame[band].min(axis=2) > 220).sum()
    assert white > 15 * len(text.replace(" ", ""))  # letters, not just the dark band
    assert (frame[: height // 2].min(axis=2) > 220).sum() == 0


def isolated_width(word: str, size: int) -> float:
    return sum(typeset.measure(letter, size) for letter in word)


ARABIC_WORD = "مرحبا"


@pytest.mark.skipif(not typeset.raqm_works(), reason="Pillow's libraqm cannot load FriBiDi here")
def test_arabic_is_shaped_by_raqm_when_it_works():
    assert abs(typeset.measure(ARABIC_WORD, SIZE) - isolated_width(ARABIC_WORD, SIZE)) > 2
    run, = typeset.typeface().runs(ARABIC_WORD)
    assert run.rtl and run.text == ARABIC_WORD


def test_arabic_is_shaped_without_raqm_by_presentation_forms(monkeypatch):
    monkeypatch.setattr(typeset, "raqm_works", lambda: False)
    run, = typeset.typeface().runs(ARABIC_WORD)
    shaped, options = typeset.Typeface._layout(run)
    assert options == {} and all(0xFE70 <= ord(char) <= 0xFEFF for char in shaped)
    # Visual order: the first letter (meem) is last in the string drawn left to right.
    assert unicodedata.name(shaped[-1]).startswith("ARABIC LETTER MEEM")
    assert abs(typeset.measure(ARABIC_WORD, SIZE) - isolated_width(ARABIC_WORD, SIZE)) > 2
    assert boxes(ARABIC_WORD) == []


def ink_columns(text: str) -> np.ndarray:
    image = Image.new("L", (800, 120), 0)
    typeset.draw(ImageDraw.Draw(image), (20, 20), text, SIZE, 255)
    return np.asarray(image)


@pytest.mark.parametrize("engine", ["raqm", "basic"])
def test_hebrew_reads_right_to_left_and_latin_keeps_its_order(monkeypatch, engine):
    if engine == "basic":
        monkeypatch.setattr(typeset, "raqm_works", lambda: False)
    elif not typeset.raqm_works():
        pytest.skip("no working raqm")
    line = ink_columns("שלום")
    first = ink_columns("ש")
    cols = np.flatnonzero(line.max(axis=0))
    alone = first[:, np.flatnonzero(first.max(axis=0))]
    right = line[:, cols[-1] - alone.shape[1] + 1 : cols[-1] + 1]
    assert np.abs(right.astype(int) - alone).mean() < 1  # the first letter is drawn rightmost
    runs = typeset.typeface().runs("Ori said שלום to Dana")
    words = [(run.text.strip(), run.rtl) for run in runs if run.text.strip()]
    assert words == [("Ori said", False), ("שלום", True), ("to Dana", False)]


def test_an_rtl_sentence_with_a_name_and_number_is_ordered_like_unicode_bidi():
    runs = typeset.typeface().runs("قال سامي 3 مرات")
    # Right to left on screen: "قال سامي" rightmost, then 3, then "مرات" leftmost.
    assert [run.text.strip() for run in runs] == ["مرات", "3", "قال سامي"]
    assert [run.rtl for run in runs] == [True, False, True]


def test_emoji_are_drawn_from_the_emoji_font_or_left_out():
    text = "Good night 🌙✨🐉"
    assert boxes(text) == [] and typeset.missing_glyphs(text) == set()
    emoji_face = typeset.bundled_faces()[-1]
    uncovered = next(chr(p) for p in range(0x1FA70, 0x1FAFF) if p not in typeset.coverage(emoji_face))
    assert typeset.missing_glyphs(f"a{uncovered}b") == set()
    assert typeset.measure(f"a{uncovered}b", SIZE) == typeset.measure("ab", SIZE)
    # The space after an emoji is a normal space, not an emoji-wide one.
    assert typeset.measure("🌙 a", SIZE) - typeset.measure("🌙a", SIZE) < SIZE * 0.4


def test_characters_no_font_has_are_reported_and_never_drawn():
    assert typeset.missing_glyphs("Runes ᚠᚢ here") == {"ᚠ", "ᚢ"}
    assert typeset.measure("aᚠb", SIZE) == typeset.measure("ab", SIZE)


def test_cjk_wraps_between_characters_but_not_before_closing_punctuation():
    text = "昔々、ある村に小さな女の子が住んでいました。彼女は毎晩、月に向かって歌いました。"
    lines = typeset.wrap(text, SIZE, 400)
    assert len(lines) > 2 and "".join(lines) == text
    assert all(typeset.measure(line, SIZE) <= 400 for line in lines)
    assert not any(line[0] in "、。" for line in lines)


def test_latin_wraps_at_spaces_and_keeps_long_words_whole():
    text = "Grandma Bramble lit the lantern supercalifragilisticexpialidocious and smiled"
    lines = typeset.wrap(text, SIZE, 300)
    assert " ".join(lines) == text
    assert "supercalifragilisticexpialidocious" in lines
    assert all(typeset.measure(line, SIZE) <= 300 for line in lines if " " in line)
    assert typeset.wrap("", SIZE, 300) == [""]


@pytest.mark.parametrize("anchor", ["lm", "mm", "rm"])
def test_anchors_place_mixed_script_lines(anchor):
    text = "Zoë 花子 سامي"
    image = Image.new("L", (900, 200), 0)
    typeset.draw(ImageDraw.Draw(image), (450, 100), text, SIZE, 255, anchor=anchor)
    cols = np.flatnonzero(np.asarray(image).max(axis=0))
    width = typeset.measure(text, SIZE)
    left = {"l": 450, "m": 450 - width / 2, "r": 450 - width}[anchor[0]]
    assert abs(cols[0] - left) < SIZE * 0.15 and abs(cols[-1] - (left + width)) < SIZE * 0.15


def test_a_user_font_comes_first_in_the_chain(tmp_path):
    hebrew = next(face for face in typeset.bundled_faces() if "Hebrew" in face.path)
    mine = tmp_path / "fonts" / "Mine.ttf"
    mine.parent.mkdir()
    shutil.copy(hebrew.path, mine)
    face = typeset.Typeface(mine)
    assert face.chain[0] == typeset.Face(str(mine.resolve()))
    runs = face.runs("Dana שלום")
    assert [(run.text, run.face.path == str(mine.resolve())) for run in runs] == [("Dana ", False), ("שלום", True)]
    assert face.missing_glyphs("Dana שלום 花") == set()  # the bundled fonts still follow it


def test_an_unreadable_user_font_is_one_clear_error(tmp_path):
    bad = tmp_path / "bad.ttf"
    bad.write_bytes(b"not a font at all")
    with pytest.raises(ProviderError) as error:
        typeset.Typeface(bad)
    assert str(error.value) == f"cannot read font {bad.resolve()}: not a TrueType or OpenType font"
    with pytest.raises(ProviderError) as error:
        typeset.Typeface(tmp_path / "gone.otf")
    assert str(error.value) == f"cannot read font {(tmp_path / 'gone.otf').resolve()}: no such file"


def test_storyboard_draws_titles_and_names_in_any_script(tmp_path):
    renderer = create("image", ProviderChoice("storyboard"))

    def frame(title: str, name: str) -> np.ndarray:
        request = SceneImageRequest(
            scene_id="night", title=title, prompt="子供たちは提灯を準備しています。", style="watercolor",
            characters=(CharacterInfo("hana", name, "赤い着物の女の子"),), width=640, height=360, aspect_ratio="16:9",
        )  # fmt: skip
        out = tmp_path / "frame.png"
        renderer.draw_scene(request, {}, out)
        return np.asarray(Image.open(out).convert("RGB")).astype(int)

    header = slice(0, 32)
    base = frame("夜の行列", "花子")
    assert np.abs(base[header] - frame("夜の花火", "花子")[header]).mean() > 0.5  # boxes would be identical
    assert np.abs(base - frame("夜の行列", "سامي")).mean() > 0.05
    assert boxes("夜の行列") == [] and boxes("سامي") == []
