"""The three offline providers, tested for real: Pillow frames decoded back, piper
speech measured from the WAV it writes, template stories checked against the schema."""

from __future__ import annotations

import re
import shutil
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
from storybuild.compose import KenBurns
from storybuild.providers.offline import plot
from storybuild.providers.offline.drawing import mix
from storybuild.providers.offline.figures import draw_figure
from storybuild.providers.offline.looks import ANATOMIES, COLORS, look_of
from storybuild.providers.offline.pen import INK
from storybuild.providers.offline.scenery import calm_fraction
from storybuild.providers.offline.setting import Setting, carried_settings
from storybuild.providers.offline.storyboard import compose_scene

SIZES = [(1280, 720), (720, 1280), (720, 720), (854, 480)]
STYLE = "soft watercolor children's picture book illustration, warm pastel colors"
WHISKERS = CharacterInfo("whiskers", "Whiskers", "a small fluffy orange tabby cat with bright green eyes")
BUSTER = CharacterInfo("buster", "Buster", "a bouncy golden retriever puppy with floppy ears and a red collar")
HOOT = CharacterInfo("hoot", "Hoot", "a wise old owl with round glasses")


# --- storyboard ------------------------------------------------------------------------

def scene_request(width=1280, height=720, take=None, seed=None, characters=(WHISKERS, BUSTER),
                  prompt="Whiskers and Buster slide down a giant rainbow into a pool, with fluffy clouds",
                  setting=None):
    return SceneImageRequest(scene_id="rainbow", title="The rainbow slide", prompt=prompt, style=STYLE,
                             characters=tuple(characters), width=width, height=height, aspect_ratio="16:9",
                             seed=seed, take=take, setting=setting)


@pytest.fixture(scope="module")
def renderer():
    return create("image", ProviderChoice("storyboard"))


def render(renderer, request, path: Path) -> np.ndarray:
    renderer.draw_scene(request, {}, path)
    with Image.open(path) as image:
        assert image.format == "PNG"
        return np.asarray(image.convert("RGB")).astype(np.int16)


def color_pixels(pixels: np.ndarray, color) -> int:
    return int(np.all(pixels == np.array(color[:3]), axis=-1).sum())


def calm_rows(pixels: np.ndarray) -> np.ndarray:
    height, width = pixels.shape[:2]
    return pixels[round(height * (1 - calm_fraction(width, height))):]


@pytest.mark.parametrize("width,height", SIZES)
def test_scene_is_a_picture_with_characters_in_their_colours_and_a_calm_caption_band(renderer, tmp_path, width,
                                                                                     height):
    pixels = render(renderer, scene_request(width, height), tmp_path / "frame.png")
    assert pixels.shape == (height, width, 3)
    # The orange tabby is orange and the golden retriever golden, in daylight drawn as is.
    assert color_pixels(pixels, look_of("whiskers", WHISKERS.description).body) > 0.002 * width * height
    assert color_pixels(pixels, look_of("buster", BUSTER.description).body) > 0.002 * width * height
    assert look_of("whiskers", WHISKERS.description).body == COLORS["orange"]
    # The bottom band (where captions go) is a plain vertical gradient: no shape or text.
    calm = calm_rows(pixels)
    assert (calm.max(axis=1) - calm.min(axis=1)).max() == 0
    top = pixels[: pixels.shape[0] - calm.shape[0]]
    assert (top.max(axis=1) - top.min(axis=1)).max() > 100


def test_no_text_unless_annotate_asks_for_the_caption_card(renderer, tmp_path):
    request = scene_request()
    plain = compose_scene(request)
    card = compose_scene(request, annotate=True)
    assert plain.texts == ()
    (x0, y0, x1, y1), = card.texts
    assert x1 - x0 > 300 and y1 - y0 > 80
    before = np.asarray(plain.image).astype(np.int16)[round(y0):round(y1), round(x0):round(x1)]
    after = np.asarray(card.image).astype(np.int16)[round(y0):round(y1), round(x0):round(x1)]
    assert np.abs(before - after).mean() > 20
    dark = np.all(after < 120, axis=-1).mean()  # ink on the white panel
    assert 0.01 < dark < 0.4
    annotating = create("image", ProviderChoice("storyboard", options={"annotate": True}))
    annotated = render(annotating, request, tmp_path / "card.png")
    assert np.array_equal(annotated, np.asarray(card.image).astype(np.int16))


def test_scene_is_deterministic_and_each_take_is_a_visible_variation(renderer, tmp_path):
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


def test_a_rain_scene_has_rain_and_clouds_and_no_sun(renderer, tmp_path):
    sunny = compose_scene(scene_request(prompt="Whiskers and Buster play in a sunny garden"))
    rainy = compose_scene(scene_request(prompt="Whiskers and Buster splash in the rain in the garden"))
    assert "sun" in sunny.scenery.props and color_pixels(np.asarray(sunny.image), (255, 214, 92)) > 1000
    assert {"rain", "storm-clouds"} <= set(rainy.scenery.props) and "sun" not in rainy.scenery.props
    pixels = np.asarray(rainy.image).astype(np.int16)
    assert color_pixels(pixels, (255, 214, 92)) == 0
    # Rain streaks: light blue-white pixels, which the same scene under clouds has not.
    cloudy = compose_scene(scene_request(prompt="Whiskers and Buster splash under clouds in the garden"))

    def streaks(image) -> int:  # thin light lines: lighter than the sky 3 px to either side
        sky = np.asarray(image).astype(np.int16)[round(0.15 * 720):round(0.5 * 720)].min(axis=-1)
        return int(((sky - np.roll(sky, 3, axis=1) > 20) & (sky - np.roll(sky, -3, axis=1) > 20)).sum())
    assert streaks(rainy.image) > 150 and streaks(rainy.image) > 5 * streaks(cloudy.image)


def test_settings_carry_over_until_a_prompt_changes_them():
    prompts = ["Pip and Grandma sit in the meadow at dusk", "Pip finds a fern", "Hoot lands on a branch",
               "Rain starts to fall on the path", "They hurry along", "Inside the burrow they drink cocoa",
               "The sun comes out the next morning", "Back outside in the garden"]
    settings = [(s.time, s.weather, s.place) for s in carried_settings(prompts)]
    assert settings == [("evening", "clear", "outdoors"), ("evening", "clear", "outdoors"),
                        ("evening", "clear", "outdoors"), ("evening", "rain", "outdoors"),
                        ("evening", "rain", "outdoors"), ("evening", "rain", "indoors"),
                        ("day", "clear", "indoors"), ("day", "clear", "outdoors")]
    assert carried_settings(["a walk"], style="deep blue twilight sky")[0] == Setting("evening", "clear", "outdoors")
    assert carried_settings(["a walk"])[0] == Setting("day", "clear", "outdoors")


def test_weather_that_ends_is_drawn_clear_and_a_word_like_away_elsewhere_is_not_an_ending():
    prompts = ["Rain falls on the pond", "The rain stopped and the clouds drifted away", "They splash in puddles",
               "A storm rolls in", "Pip ran away from the thunder", "The storm passed", "Snow covers the hill",
               "By noon the snow was gone"]
    assert [s.weather for s in carried_settings(prompts)] == [
        "rain", "clear", "clear", "rain", "rain", "clear", "snow", "clear"]
    # A verb of weather counts as much as its noun.
    assert [s.weather for s in carried_settings(["Outside it rains", "The sun came out", "It snows at night"])] == [
        "rain", "clear", "snow"]


def test_an_evening_story_is_drawn_in_the_evening_without_time_words(renderer, tmp_path):
    prompt = "Whiskers and Buster play chase in the garden"
    evening = carried_settings(["at dusk in the garden", prompt])[1]
    assert evening.time == "evening"
    day = compose_scene(scene_request(prompt=prompt))
    dusk = compose_scene(scene_request(prompt=prompt, setting=evening.as_dict()))
    sky = (slice(20, 200), slice(0, 1280))
    assert np.asarray(dusk.image)[sky].mean() < np.asarray(day.image)[sky].mean() - 50


def test_characters_and_text_stay_inside_every_ken_burns_view(tmp_path):
    cast = (WHISKERS, BUSTER, HOOT, CharacterInfo("flick", "Flick", "a cheerful little firefly with a round yellow body"),
            CharacterInfo("mo", "Mo", "a friendly purple dragon with tiny wings"))
    for width, height in [(1280, 720), (720, 1280), (720, 720)]:
        views = []
        for seed in range(64):  # every direction, zooming in and out
            move = KenBurns.from_seed(f"s{seed}")
            for zoom in (move.zoom_start, move.zoom_end):
                x0 = width / 2 * (1 + move.dx) * (1 - 1 / zoom)
                y0 = height / 2 * (1 + move.dy) * (1 - 1 / zoom)
                views.append((x0, y0, x0 + width / zoom, y0 + height / zoom))
        assert len({(round(v[0]), round(v[1])) for v in views}) == 9  # 8 directions at full zoom + the whole frame
        for count in (1, 2, 3, 5):
            picture = compose_scene(scene_request(width, height, characters=cast[:count]), annotate=True)
            assert [cid for cid, _ in picture.figures] == [c.id for c in cast[:count]]
            for box in [box for _, box in picture.figures] + list(picture.texts):
                for view in views:
                    assert view[0] <= box[0] and view[1] <= box[1] and box[2] <= view[2] and box[3] <= view[3], \
                        (width, height, count, box, view)
            calm = height * (1 - calm_fraction(width, height))
            assert all(box[3] < calm for _, box in picture.figures)
            assert all(box[3] - box[1] > 0.12 * height for cid, box in picture.figures if cid != "flick")


def test_looks_follow_the_description_words():
    hedgehog = look_of("pip", "a small shy hedgehog with soft light-brown spines, a cream-colored face and belly, "
                              "tiny round black eyes, and a knitted mint-green scarf")
    assert hedgehog.kind == "hedgehog" and "spines" in hedgehog.anatomy.extras
    assert hedgehog.belly == COLORS["cream"] and dict(hedgehog.clothes)["scarf"] == mix(COLORS["mint"], COLORS["green"], 0.5)
    owl = look_of("hoot", "a clever tawny owl with large amber eyes and round wire spectacles")
    assert (owl.kind, owl.body, owl.eyes, owl.glasses) == ("owl", COLORS["tawny"], COLORS["amber"], True)
    assert look_of("b", "a kind grandmother badger with a lavender shawl").kind == "badger"
    girl = look_of("g", "a cheerful little girl with curly red hair and a yellow raincoat")
    assert (girl.kind, girl.anatomy.shape, girl.hair, girl.body) == ("girl", "human", COLORS["red"], COLORS["yellow"])
    blob = look_of("zz", "a mysterious friend")
    assert blob.kind == "friend" and blob.body == look_of("zz", "a mysterious friend").body
    assert blob.body != look_of("yy", "a mysterious friend").body  # a stable hue from the id


def test_every_kind_of_character_is_drawn_as_a_figure():
    kinds = sorted(ANATOMIES) + ["girl", "grandpa", "astronaut", "friend"]
    for kind in kinds:
        look = look_of(kind, f"a little {kind} with a blue scarf, a red hat and glasses")
        assert look.kind == kind
        canvas, (x, y) = draw_figure(look, 200, side=1, gaze=0.5)
        left, top, right, bottom = canvas.getbbox()
        assert 60 <= right - left <= 420 and 70 <= bottom - top <= 260, kind  # about 200 px tall, any shape
        if not look.flying:
            assert abs(bottom - y) <= 12, kind  # standing on its base point
        # The face is drawn: dark pupils (a robot's eyes are a cyan screen).
        pixels = np.asarray(canvas.convert("RGB"))[np.asarray(canvas.getchannel("A")) == 255]
        eye = (120, 230, 250) if kind == "robot" else INK
        assert (np.all(pixels == eye, axis=-1)).sum() > 20, kind


@pytest.mark.parametrize("width,height", [(1280, 720), (720, 1280)])
def test_character_sheet_shows_the_figure_big(renderer, tmp_path, width, height):
    request = CharacterSheetRequest(WHISKERS, STYLE, width, height, "16:9")
    renderer.draw_character_sheet(request, tmp_path / "sheet.png")
    renderer.draw_character_sheet(request, tmp_path / "again.png")
    assert (tmp_path / "sheet.png").read_bytes() == (tmp_path / "again.png").read_bytes()
    pixels = np.asarray(Image.open(tmp_path / "sheet.png").convert("RGB")).astype(np.int16)
    assert pixels.shape == (height, width, 3)
    assert color_pixels(pixels, COLORS["orange"]) > 0.02 * width * height


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


# --- the carried setting in the build graph ------------------------------------------------

EXAMPLE = Path(__file__).parent.parent / "examples" / "moonlight-lantern-parade" / "story.yaml"


def image_params(project) -> dict:
    from storybuild.graph import build_graph

    return {step.scene: step.params for step in build_graph(project) if step.kind == "image"}


def with_first_prompt(project, prompt: str):
    import dataclasses

    return dataclasses.replace(project, scenes=(dataclasses.replace(project.scenes[0], image=prompt),
                                                *project.scenes[1:]))


def test_a_scene_image_key_changes_only_when_its_own_carried_setting_changes():
    import dataclasses

    from storybuild.project import load_project

    project = load_project(EXAMPLE)
    before = image_params(project)
    assert [before[s.id]["setting"]["time"] for s in project.scenes] == ["evening"] * 5 + ["night"] * 7
    assert [before[s.id]["setting"]["place"] for s in project.scenes].count("indoors") == 2
    # Another wording with the same setting: only scene 1 changes.
    calm = image_params(with_first_prompt(project, "Grandma Bramble and Pip rest on a log in the meadow at dusk"))
    assert [s.id for s in project.scenes if calm[s.id] != before[s.id]] == ["evening-meadow"]
    # Rain in scene 1 keeps falling until scene 6 says clouds: scenes 1-5 change, no others.
    rainy = image_params(with_first_prompt(project, "Grandma Bramble and Pip sit in the meadow in the rain at dusk"))
    changed = [s.id for s in project.scenes if rainy[s.id] != before[s.id]]
    assert changed == [s.id for s in project.scenes[:5]]
    assert {rainy[s]["setting"]["weather"] for s in changed} == {"rain"}
    # Providers that do not draw the setting get none, so their keys do not depend on it.
    gemini = dataclasses.replace(project, providers=dataclasses.replace(
        project.providers, image=ProviderChoice("gemini")))
    assert all("setting" not in params for params in image_params(gemini).values())
    request = SceneImageRequest.from_params(before["goodnight"])
    assert request.setting == {"time": "night", "weather": "cloudy", "place": "indoors"}
    assert SceneImageRequest.from_params(request.params()) == request


def test_annotate_is_a_storyboard_option_in_story_yaml(tmp_path):
    from storybuild.errors import StoryValidationError
    from storybuild.graph import build_graph
    from storybuild.project import load_project

    text = EXAMPLE.read_text(encoding="utf-8")
    assert "  image: {provider: storyboard}\n" in text
    shutil.copytree(EXAMPLE.parent / "music", tmp_path / "music")  # the story names its music file
    story = tmp_path / "story.yaml"
    story.write_text(text.replace("  image: {provider: storyboard}\n",
                                  "  image: {provider: storyboard, annotate: true}\n"), encoding="utf-8")
    steps = [step for step in build_graph(load_project(story)) if step.kind == "image"]
    assert len(steps) == 12 and all(step.options == {"annotate": True} for step in steps)
    story.write_text(text.replace("  image: {provider: storyboard}\n",
                                  "  image: {provider: storyboard, annotate: yes please}\n"), encoding="utf-8")
    with pytest.raises(StoryValidationError) as error:
        load_project(story)
    assert "providers.image.annotate" in str(error.value)
