"""The three offline providers, tested for real: Pillow frames decoded back, piper
speech measured from the WAV it writes, template stories checked against the schema."""

from __future__ import annotations

import re
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from storybuild.errors import ProviderError
from storybuild.model import ProviderChoice
from storybuild.providers import create
from storybuild.providers.base import CharacterInfo, CharacterSheetRequest, NarrationRequest, SceneImageRequest
from storybuild.providers.offline import plot
from storybuild.providers.offline.drawing import character_hue, hls

SIZES = [(1280, 720), (720, 1280), (720, 720), (854, 480)]
STYLE = "soft watercolor children's picture book illustration, warm pastel colors"
WHISKERS = CharacterInfo("whiskers", "Whiskers", "a small fluffy orange tabby cat with bright green eyes")
BUSTER = CharacterInfo("buster", "Buster", "a bouncy golden retriever puppy with floppy ears and a red collar")
HOOT = CharacterInfo("hoot", "Hoot", "a wise old owl with round glasses")


# --- storyboard ------------------------------------------------------------------------

def scene_request(width=1280, height=720, take=None, seed=None, characters=(WHISKERS, BUSTER),
                  prompt="Whiskers and Buster slide down a giant rainbow into a pool, with fluffy clouds"):
    return SceneImageRequest(scene_id="rainbow", title="The rainbow slide", prompt=prompt, style=STYLE,
                             characters=tuple(characters), width=width, height=height, aspect_ratio="16:9",
                             seed=seed, take=take)


@pytest.fixture(scope="module")
def renderer():
    return create("image", ProviderChoice("storyboard"))


def render(renderer, request, path: Path) -> np.ndarray:
    renderer.draw_scene(request, {}, path)
    with Image.open(path) as image:
        assert image.format == "PNG"
        return np.asarray(image.convert("RGB")).astype(np.int16)


def badge_pixels(pixels: np.ndarray, character: CharacterInfo) -> int:
    color = np.array(hls(character_hue(character.id, character.name), 0.55, 0.6))
    return int(np.all(pixels == color, axis=-1).sum())


@pytest.mark.parametrize("width,height", SIZES)
def test_frame_has_the_requested_size_cards_and_a_calm_caption_band(renderer, tmp_path, width, height):
    pixels = render(renderer, scene_request(width, height), tmp_path / "frame.png")
    assert pixels.shape == (height, width, 3)
    # Each character present gets a badge in its own color; an absent one does not.
    assert badge_pixels(pixels, WHISKERS) > 200
    assert badge_pixels(pixels, BUSTER) > 200
    assert badge_pixels(pixels, HOOT) == 0
    # The bottom 22% (where captions go) is a plain vertical gradient: no shape or text.
    calm = pixels[round(height * 0.78):]
    assert (calm.max(axis=1) - calm.min(axis=1)).max() == 0
    assert (pixels[: round(height * 0.78)].max(axis=1) - pixels[: round(height * 0.78)].min(axis=1)).max() > 100


def test_frame_is_deterministic_and_each_take_is_a_visible_variation(renderer, tmp_path):
    first = render(renderer, scene_request(), tmp_path / "a.png")
    again = render(renderer, scene_request(), tmp_path / "b.png")
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()
    variations = [render(renderer, scene_request(take=take), tmp_path / f"take{take}.png") for take in (2, 3)]
    variations.append(render(renderer, scene_request(seed=7), tmp_path / "seed.png"))
    for other in [first, *variations[:-1]]:
        for variation in variations:
            if other is not variation:
                assert np.abs(other - variation).mean() > 2.0  # levels out of 255, over the whole frame
    assert np.array_equal(first, again)


def test_frame_survives_a_very_long_prompt_and_many_characters(renderer, tmp_path):
    crowd = [CharacterInfo(f"c{i}", f"Friend number {i}", "a cheerful friend " * 20) for i in range(7)]
    request = scene_request(720, 720, characters=crowd, prompt="a very long prompt " * 200)
    pixels = render(renderer, request, tmp_path / "crowd.png")
    assert pixels.shape == (720, 720, 3)
    assert badge_pixels(pixels, crowd[0]) > 100


def test_night_words_give_a_dark_sky(renderer, tmp_path):
    day = render(renderer, scene_request(prompt="a sunny garden with flowers"), tmp_path / "day.png")
    night = render(renderer, scene_request(prompt="asleep under the moon on a starry night"), tmp_path / "n.png")
    sky = (slice(90, 300), slice(0, 1280))
    assert night[sky].mean() < day[sky].mean() - 60


@pytest.mark.parametrize("width,height", [(1280, 720), (720, 1280)])
def test_character_sheet_shows_a_big_badge(renderer, tmp_path, width, height):
    request = CharacterSheetRequest(WHISKERS, STYLE, width, height, "16:9")
    renderer.draw_character_sheet(request, tmp_path / "sheet.png")
    renderer.draw_character_sheet(request, tmp_path / "again.png")
    assert (tmp_path / "sheet.png").read_bytes() == (tmp_path / "again.png").read_bytes()
    pixels = np.asarray(Image.open(tmp_path / "sheet.png").convert("RGB")).astype(np.int16)
    assert pixels.shape == (height, width, 3)
    assert badge_pixels(pixels, WHISKERS) > 0.05 * width * height


# --- piper narrator --------------------------------------------------------------------

SHORT = "Hello there, friend."
LONG = ("One sunny morning, Whiskers the cat and Buster the puppy played chase in the flower garden "
        "until the sun went down.")


def narration(text, voice=None):
    return NarrationRequest(scene_id="garden", text=text, voice=voice, direction=None)


def speak(narrator, text, path: Path, voice=None) -> tuple[wave._wave_params, np.ndarray]:
    narrator.narrate(narration(text, voice), path)
    with wave.open(str(path), "rb") as handle:
        params = handle.getparams()
        samples = np.frombuffer(handle.readframes(params.nframes), dtype="<i2").astype(np.float64)
    return params, samples


@pytest.fixture(scope="module")
def narrator():
    return create("voice", ProviderChoice("piper"))


@pytest.fixture(scope="module")
def spoken(narrator, tmp_path_factory):
    folder = tmp_path_factory.mktemp("voice")
    return {"short": speak(narrator, SHORT, folder / "short.wav"),
            "long": speak(narrator, LONG, folder / "long.wav", voice="joe")}


def test_narration_is_mono_16_bit_speech_at_the_voice_rate(spoken):
    for params, samples in spoken.values():
        assert (params.nchannels, params.sampwidth, params.framerate) == (1, 2, 22050)
        rms = np.sqrt(np.mean(samples ** 2)) / 32768
        assert rms > 0.04  # speech, not silence
        assert np.abs(samples).max() < 32000  # headroom: nothing clipped
        loud = np.flatnonzero(np.abs(samples) > 0.01 * 32767)
        assert loud[0] / 22050 <= 0.08  # leading silence trimmed to ~50 ms
        assert (len(samples) - loud[-1]) / 22050 <= 0.08


def test_longer_text_gives_longer_narration(spoken):
    short = spoken["short"][0].nframes / 22050
    long = spoken["long"][0].nframes / 22050
    assert 0.5 < short < 2.5
    assert long > 3 * short


def test_speed_option_shortens_narration(spoken, tmp_path):
    fast = create("voice", ProviderChoice("piper", options={"speed": 1.5}))
    params, _ = speak(fast, LONG, tmp_path / "fast.wav")
    assert params.nframes < 0.85 * spoken["long"][0].nframes


def test_unknown_voice_and_bad_speed_are_clear_errors(narrator, tmp_path):
    with pytest.raises(ProviderError, match=r"unknown piper voice 'Kore'; known voices: en_US-joe-medium, joe"):
        narrator.narrate(narration(SHORT, voice="Kore"), tmp_path / "x.wav")
    assert not (tmp_path / "x.wav").exists()
    with pytest.raises(ProviderError, match="speed"):
        create("voice", ProviderChoice("piper", options={"speed": 0}))


def run_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)


def test_importing_the_offline_providers_loads_no_heavy_module():
    result = run_python(
        "import sys\n"
        "import storybuild.providers.offline.narrator, storybuild.providers.offline.template_writer\n"
        "print(sorted(m for m in ('piper', 'onnxruntime', 'numpy') if m in sys.modules))\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_missing_piper_is_a_missing_dependency_error(tmp_path):
    result = run_python(
        "import sys\n"
        "sys.modules['piper'] = None  # makes `import piper` fail as if it were not installed\n"
        "from storybuild.errors import MissingDependencyError\n"
        "from storybuild.model import ProviderChoice\n"
        "from storybuild.providers.base import NarrationRequest\n"
        "from storybuild.providers.offline.narrator import PiperNarrator\n"
        "try:\n"
        f"    PiperNarrator(ProviderChoice('piper')).narrate(NarrationRequest('s', 'Hi.', None, None),"
        f" __import__('pathlib').Path({str(tmp_path / 'x.wav')!r}))\n"
        "except MissingDependencyError as error:\n"
        "    print(error.format_message())\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ("the 'piper' voice provider needs the optional package: "
                                     "pip install 'storybuild[piper]'")


# --- template writer -------------------------------------------------------------------

@pytest.fixture(scope="module")
def writer():
    return create("text", ProviderChoice("template"))


def check_story(story: dict, count: int) -> None:
    scenes = story["scenes"]
    assert len(scenes) == count
    ids = [scene["id"] for scene in scenes]
    assert len(set(ids)) == count
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", scene_id) for scene_id in ids)
    declared = story["characters"]
    assert 2 <= len(declared) <= 4
    narrations = [scene["narration"] for scene in scenes]
    assert len(set(narrations)) == count, "a narration repeats"
    for scene in scenes:
        assert scene["characters"] and set(scene["characters"]) <= set(declared)
        assert scene["narration"].strip() and scene["image"].strip() and scene["title"].strip()
        # One sentence: it ends with punctuation and none ends inside it.
        assert re.search(r"[.!?]\"?$", scene["narration"])
        assert not re.search(r"[.!?]\s+[A-Z]", scene["narration"])
        for character_id in scene["characters"]:
            assert declared[character_id]["name"] in scene["image"]
        assert not re.search(r"\b(fight|kill|hurt|blood|weapon|gun|die|dead|scary)\b", scene["narration"], re.I)


@pytest.mark.parametrize("count", [1, 5, 12])
def test_template_story_is_complete_and_consistent(writer, count):
    story = writer.write_story("a cat and a dog playing", count)
    check_story(story, count)
    assert story["version"] == 1 and story["title"] and story["style"]
    assert story["video"] == {"aspect": "16:9"}
    assert story["providers"] == {"text": {"provider": "template"}, "image": {"provider": "storyboard"},
                                  "voice": {"provider": "piper"}}
    if count > 1:
        assert story["scenes"][-1]["title"] in {line[0] for line in plot.GOODNIGHT}


def test_theme_characters_are_found_and_named(writer):
    story = writer.write_story("a cat and a dog playing", 5)
    characters = story["characters"]
    assert [c["name"] for c in characters.values()] == ["Whiskers", "Buster"]
    assert re.search(r"\bcat\b", characters["whiskers"]["description"])
    assert re.search(r"\bdog\b", characters["buster"]["description"])
    story = writer.write_story("Luna the owl and a purple dragon bake cookies in the kitchen", 4)
    names = {c["name"]: c["description"] for c in story["characters"].values()}
    assert set(names) == {"Luna", "Sparky"}
    assert "owl" in names["Luna"] and "purple dragon" in names["Sparky"]
    assert any("kitchen" in scene["image"] for scene in story["scenes"])


def test_theme_without_characters_gets_two_friends(writer):
    story = writer.write_story("a sunny day", 3)
    assert len(story["characters"]) == 2
    check_story(story, 3)


def test_template_story_is_deterministic(writer):
    assert writer.write_story("two kittens in the snow", 7) == writer.write_story("two kittens in the snow", 7)
    assert writer.write_story("two kittens in the snow", 7) != writer.write_story("two kittens in the snow", 8)


@pytest.mark.parametrize("theme", ["a robot who learns to bake", "an astronaut exploring the moon",
                                   "three little pigs at the beach", "Maya and Leo in Paris"])
def test_every_scene_count_from_1_to_30_is_valid(writer, theme):
    for count in range(1, plot.MAX_SCENES + 1):
        check_story(writer.write_story(theme, count), count)


def test_pools_cover_the_longest_arcs():
    plot.check_pools()
    assert plot.arc(7) == ["meet", "play", "explore", "problem", "solution", "joy", "goodnight"]


def test_scene_count_out_of_range_is_refused(writer):
    with pytest.raises(ProviderError, match="1 to 30 scenes, not 31"):
        writer.write_story("a cat", 31)


@pytest.mark.parametrize("theme,count", [("a cat and a dog playing", 1), ("a cat and a dog playing", 5),
                                         ("a brave knight and a friendly dragon", 12),
                                         ("four bunnies having a picnic in space", 30)])
def test_template_story_validates(writer, theme, count):
    try:
        from storybuild.project import validate_document
    except ImportError:
        pytest.skip("storybuild.project.validate_document does not exist yet")
    assert validate_document(writer.write_story(theme, count)) == []
