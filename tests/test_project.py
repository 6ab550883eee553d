"""story.yaml loading and validation: exact problem reports, the model built from a
good file, the schema's documentation, dump_story round trips and the validation cache."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from storybuild import providers
from storybuild.errors import InputError, StoryValidationError
from storybuild.model import Character, ProviderChoice, Providers, Scene, VideoSettings
from storybuild.project import SCHEMA_PATH, load_project, validate_document
from storybuild.story_yaml import dump_story
from storybuild.yaml_positions import parse

HERE = Path(__file__).parent
PROJECTS = HERE / "projects"
EXAMPLE = HERE.parent / "examples" / "whiskers-and-buster" / "story.yaml"
BAD_CASES = sorted(path.name for path in PROJECTS.iterdir() if (path / "expected.txt").exists())

MINIMAL = """\
version: 1
title: Tiny
style: pencil
{video}
scenes:
  - id: one
    image: a tree
    narration: A tree.
"""


def problems_of(story: Path) -> list[str]:
    with pytest.raises(StoryValidationError) as caught:
        load_project(story)
    return caught.value.problems


def write_story(directory: Path, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    story = directory / "story.yaml"
    story.write_text(text, encoding="utf-8")
    return story


# ---------------------------------------------------------------- problem reports


@pytest.mark.parametrize("case", BAD_CASES)
def test_bad_story_reports_exact_problems(case, monkeypatch):
    monkeypatch.chdir(PROJECTS / case)
    expected = (PROJECTS / case / "expected.txt").read_text(encoding="utf-8").splitlines()
    assert problems_of(Path("story.yaml")) == expected


def test_bad_cases_exist():
    assert {"many-problems", "yaml-syntax", "tab-indent", "empty", "not-a-mapping",
            "no-scenes", "bad-sizes"} <= set(BAD_CASES)


def test_many_problems_are_all_reported_sorted_by_line(monkeypatch):
    monkeypatch.chdir(PROJECTS / "many-problems")
    with pytest.raises(StoryValidationError) as caught:
        load_project(Path("."))
    problems = caught.value.problems
    positions = [tuple(int(n) for n in line.split(":")[1:3]) for line in problems]
    assert positions == sorted(positions)
    assert len(problems) == 22
    assert caught.value.format_message().startswith("22 problems in the story file:\nstory.yaml:2:10: ")
    for line in problems:  # never jsonschema's wording or Python reprs
        assert "is not valid under" not in line and "was unexpected" not in line
        assert "None" not in line and "True" not in line and "[]" not in line


def test_key_problems_point_at_key_and_missing_fields_at_parent(monkeypatch):
    monkeypatch.chdir(PROJECTS / "many-problems")
    problems = problems_of(Path("story.yaml"))
    assert "story.yaml:25:5: scenes[1].charcters: unknown field; did you mean 'characters'?" in problems
    assert "story.yaml:19:5: scenes[0]: missing required field 'narration' (or 'lines', for a dialogue)" in problems
    assert "story.yaml:30:16: scenes[2].narration: must not be empty" in problems


def test_problem_file_name_is_relative_to_cwd_when_inside_it(tmp_path, monkeypatch):
    story = write_story(tmp_path / "proj", MINIMAL.format(video="video: {fps: 0}"))
    monkeypatch.chdir(tmp_path)
    assert problems_of(story.resolve()) == ["proj/story.yaml:4:14: video.fps: must be at least 1 (got 0)"]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert problems_of(Path("../proj")) == ["../proj/story.yaml:4:14: video.fps: must be at least 1 (got 0)"]


def test_missing_story_file_is_an_input_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError) as caught:
        load_project(Path("nowhere"))
    assert caught.value.message == "story file not found: nowhere"
    assert not isinstance(caught.value, StoryValidationError)
    (tmp_path / "proj").mkdir()
    with pytest.raises(InputError, match=r"^story file not found: proj/story\.yaml$"):
        load_project(Path("proj"))


def test_yaml_pitfalls_have_plain_messages(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    text = MINIMAL.format(video="video: {captions: yes please}") + "---\nversion: 1\n"
    assert problems_of(write_story(tmp_path, text)) == [
        "story.yaml:9:1: invalid YAML: a second document starts here; a story file holds one"]
    text = MINIMAL.format(video="video:\n  aspect: 9:16\n  captions: 'yes'") + "characters:\n  Big Cat: {}\n"
    assert problems_of(write_story(tmp_path, text)) == [
        "story.yaml:6:13: video.captions: must be true or false or a mapping (got 'yes')",
        "story.yaml:12:3: characters[\"Big Cat\"]: must be a lower-case id: letters, digits, '-' and '_', "
        "starting with a letter or digit (got 'Big Cat')",
        "story.yaml:12:12: characters[\"Big Cat\"]: missing required field 'name'",
        "story.yaml:12:12: characters[\"Big Cat\"]: missing required field 'description'",
    ]


# ---------------------------------------------------------------- the model


def test_good_story_loads_to_expected_dataclasses():
    project = load_project(PROJECTS / "good-full")
    assert project.path == (PROJECTS / "good-full" / "story.yaml").absolute()
    assert (project.title, project.style, project.version) == ("The Night Garden", "ink and watercolor, deep blues", 1)
    assert project.video == VideoSettings(width=1080, height=1920, fps=30, captions=False, motion=False,
                                          sample_rate=48000, motion_strength=0.0)
    assert project.providers == Providers(
        text=ProviderChoice("gemini", "gemini-3.5-flash-lite", {"retries": 2}),
        image=ProviderChoice("gemini", None, {"references": False, "concurrency": 2, "timeout": 90.5}),
        voice=ProviderChoice("gemini", None, {"voice": "Kore", "direction": "warm, playful, for a five-year-old",
                                              "speed": 0.9}),
    )
    assert project.characters == (
        Character("owl", "Olive", "a small grey owl with round spectacles", "Aoede"),
        Character("fox_1", "Rusty", "a red fox cub"),
    )
    assert project.scenes == (
        Scene(id="moon-rise", image="the moon rises over a quiet garden", narration="The moon rose over the garden.",
              title="The moon rises", characters=("fox_1", "owl"), speaker="owl", duration=4.5, seed=7, take=2),
        Scene(id="2", image="fireflies", narration="The fireflies came out."),
    )


def test_example_story_loads_with_defaults():
    project = load_project(EXAMPLE)
    assert project.video == VideoSettings()
    assert project.providers == Providers()
    assert [c.id for c in project.characters] == ["whiskers", "buster"]
    assert [s.id for s in project.scenes] == ["garden", "rainbow", "pool"]
    assert project.scenes[2].duration == 5.0


@pytest.mark.parametrize("video, size", [
    ("", (1280, 720)),
    ("video: {aspect: '16:9', resolution: 480}", (854, 480)),
    ("video: {resolution: 1080}", (1920, 1080)),
    ("video: {aspect: '9:16'}", (720, 1280)),
    ("video: {aspect: 9:16, resolution: 1080}", (1080, 1920)),
    ("video: {aspect: '1:1', resolution: 480}", (480, 480)),
    ("video: {size: 1000x1500}", (1000, 1500)),
])
def test_video_size_presets(tmp_path, video, size):
    project = load_project(write_story(tmp_path, MINIMAL.format(video=video)))
    assert (project.video.width, project.video.height) == size


@pytest.mark.parametrize("video, motion, strength", [
    ("", True, 1.0),
    ("video: {motion: true}", True, 1.0),
    ("video: {motion: false}", False, 0.0),
    ("video: {motion: {strength: 0.4}}", True, 0.4),
    ("video: {motion: {strength: 1}}", True, 1.0),
    ("video: {motion: {strength: 0}}", False, 0.0),
    ("video: {motion: {}}", True, 1.0),
])
def test_video_motion_takes_a_flag_or_a_strength(tmp_path, video, motion, strength):
    project = load_project(write_story(tmp_path, MINIMAL.format(video=video)))
    assert (project.video.motion, project.video.motion_strength) == (motion, strength)


@pytest.mark.parametrize("video, problem", [
    ("video: {motion: {strength: 1.5}}", "story.yaml:4:28: video.motion.strength: must be at most 1 (got 1.5)"),
    ("video: {motion: {strength: -1}}", "story.yaml:4:28: video.motion.strength: must be at least 0 (got -1)"),
    ("video: {motion: {strenght: 0.5}}",
     "story.yaml:4:18: video.motion.strenght: unknown field; did you mean 'strength'?"),
    ("video: {motion: slow}", "story.yaml:4:17: video.motion: must be true or false or a mapping (got 'slow')"),
])
def test_bad_motion_is_reported_at_its_line(tmp_path, monkeypatch, video, problem):
    write_story(tmp_path, MINIMAL.format(video=video))
    monkeypatch.chdir(tmp_path)
    assert problems_of(Path("story.yaml")) == [problem]


# ---------------------------------------------------------------- the schema


def _resolve(node, schema):
    while "$ref" in node:
        node = schema["$defs"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def _fields(node, schema, path=()):
    """Every field schema, each with the path that leads to it."""
    yield path, node
    resolved = _resolve(node, schema)
    for name, child in resolved.get("properties", {}).items():
        yield from _fields(child, schema, path + (name,))
    for keyword in ("additionalProperties", "items", "propertyNames"):
        if isinstance(resolved.get(keyword), dict):
            yield from _fields(resolved[keyword], schema, path + (f"<{keyword}>",))


def test_every_schema_field_has_description_and_valid_examples():
    from jsonschema import Draft202012Validator

    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    fields = list(_fields(schema, schema))
    assert len(fields) > 40
    for path, node in fields:
        assert node.get("description"), path
        assert isinstance(node.get("examples"), list) and node["examples"], path
        validator = Draft202012Validator({**node, "$defs": schema["$defs"]})
        for example in node["examples"]:
            assert validator.is_valid(example), (path, example)


def test_schema_is_the_packaged_one_and_names_registry_providers():
    packaged = Path(__file__).parent.parent / "storybuild" / "story.schema.json"
    assert packaged.resolve() == (HERE.parent / "schemas" / "story.schema.json").resolve()
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    for kind in providers.KINDS:
        choice = schema["$defs"][f"{kind}Provider"]["properties"]["provider"]
        assert choice["enum"] == providers.names(kind)


# ---------------------------------------------------------------- documents and dumping


def test_validate_document_reports_without_line_numbers():
    document, _, _ = parse(EXAMPLE.read_text(encoding="utf-8"))
    assert validate_document(document) == []
    document["scenes"][0]["narration"] = " "
    document["scenes"][2]["id"] = "garden"
    document["scenes"][1]["characters"] = ["whiskrs"]
    document["video"]["fps"] = "fast"
    assert validate_document(document, "new story") == [
        "new story: video.fps: must be a whole number (got 'fast')",
        "new story: scenes[0].narration: must not be empty",
        "new story: scenes[1].characters[0]: 'whiskrs' is not a declared character; did you mean 'whiskers'?",
        "new story: scenes[2].id: duplicate scene id 'garden' (first used at scenes[0].id)",
    ]


def test_dump_story_round_trips(tmp_path):
    document, _, _ = parse(EXAMPLE.read_text(encoding="utf-8"))
    document["scenes"][1]["narration"] = "Two lines:\nhere they are.\n"
    text = dump_story(document, "../schemas/story.schema.json")
    assert text.splitlines()[0] == "# yaml-language-server: $schema=../schemas/story.schema.json"
    assert "    characters: [whiskers, buster]\n" in text
    assert f"style: {document['style']}\n" in text  # long strings stay on one line
    assert parse(text)[0] == document
    dumped = load_project(write_story(tmp_path, text))
    document["scenes"][1]["narration"] = "Two lines:\nhere they are."
    original = load_project(write_story(tmp_path / "original", dump_story(document, "x")))
    assert dataclasses.replace(dumped, path=original.path) == original


def test_dump_story_uses_natural_key_order():
    document = {
        "scenes": [{"duration": 3, "characters": ["a"], "narration": "N.", "image": "I", "title": "T", "id": "s"}],
        "characters": {"a": {"voice": "Kore", "description": "D", "name": "A"}},
        "providers": {"voice": {"speed": 1.5, "provider": "gemini"}},
        "video": {"fps": 30, "aspect": "1:1"},
        "style": "S", "title": "Title", "version": 1,
    }
    keys = [line.split(":")[0].strip(" -") for line in dump_story(document, "s.json").splitlines()[1:] if line]
    assert keys == ["version", "title", "style", "video", "aspect", "fps", "providers", "voice", "provider",
                    "speed", "characters", "a", "name", "description", "voice", "scenes", "id", "title",
                    "image", "narration", "characters", "duration"]
    assert validate_document(parse(dump_story(document, "s.json"))[0]) == []


# ---------------------------------------------------------------- the validation cache

LOAD_AND_REPORT = """\
import sys
from pathlib import Path
from storybuild.project import load_project
load_project(Path(sys.argv[1]), cache_dir=Path(sys.argv[2]))
print("jsonschema" in sys.modules)
"""


def _load_in_fresh_process(story: Path, cache: Path) -> str:
    result = subprocess.run([sys.executable, "-c", LOAD_AND_REPORT, str(story), str(cache)],
                            capture_output=True, text=True, check=True)
    return result.stdout.strip()


def test_cache_marker_skips_jsonschema_on_second_load(tmp_path):
    story = write_story(tmp_path / "proj", EXAMPLE.read_text(encoding="utf-8"))
    cache = tmp_path / "proj" / "build" / "validated"
    assert _load_in_fresh_process(story, cache) == "True"
    marker = hashlib.sha256(SCHEMA_PATH.read_bytes() + story.read_bytes()).hexdigest()
    assert [path.name for path in cache.iterdir()] == [marker]
    assert _load_in_fresh_process(story, cache) == "False"
    story.write_text(story.read_text(encoding="utf-8").replace("fps: 24", "fps: 25"), encoding="utf-8")
    assert _load_in_fresh_process(story, cache) == "True"
    assert len(list(cache.iterdir())) == 2


def test_cached_load_still_runs_cross_field_checks(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    story = write_story(tmp_path, MINIMAL.format(video="") + "    speaker: nobody\n")
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / hashlib.sha256(SCHEMA_PATH.read_bytes() + story.read_bytes()).hexdigest()).write_text("forged")
    with pytest.raises(StoryValidationError) as caught:
        load_project(story, cache_dir=cache)
    assert caught.value.problems == [
        "story.yaml:9:14: scenes[0].speaker: 'nobody' is not a declared character (no characters are declared)"]


def test_validation_problems_leave_nothing_written(tmp_path):
    project_dir = PROJECTS / "many-problems"
    before = sorted(project_dir.rglob("*"))
    cache = tmp_path / "cache"
    with pytest.raises(StoryValidationError):
        load_project(project_dir, cache_dir=cache)
    with pytest.raises(StoryValidationError):
        load_project(PROJECTS / "yaml-syntax", cache_dir=cache)
    assert not cache.exists()
    assert sorted(project_dir.rglob("*")) == before


def test_music_is_resolved_next_to_the_story_and_keyed_by_its_bytes(tmp_path):
    (tmp_path / "music").mkdir()
    tune = b"ID3\x04\x00\x00\x00\x00\x00\x00 and bytes to hash"  # starts as an MP3 does
    (tmp_path / "music" / "tune.mp3").write_bytes(tune)
    story = tmp_path / "story.yaml"
    story.write_text("version: 1\ntitle: T\nstyle: s\nmusic:\n  file: music/tune.mp3\n"
                     "scenes:\n  - id: a\n    image: i\n    narration: n\n")
    music = load_project(story).music
    assert music.file == tmp_path / "music" / "tune.mp3"
    assert music.volume == 0.15
    assert music.digest == hashlib.sha256(tune).hexdigest()


def test_missing_music_file_is_reported_at_its_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("story.yaml").write_text("version: 1\ntitle: T\nstyle: s\nmusic:\n  file: tune.mp3\n  volume: 0\n"
                                  "scenes:\n  - id: a\n    image: i\n    narration: n\n")
    with pytest.raises(StoryValidationError) as caught:
        load_project(Path("story.yaml"))
    assert caught.value.problems == [
        "story.yaml:5:9: music.file: no such file: tune.mp3 (paths are relative to the story file)",
        "story.yaml:6:11: music.volume: must be more than 0 (got 0)",
    ]


def test_a_storys_own_files_are_hashed_once_and_again_only_when_they_change(tmp_path):
    import hashlib

    from PIL import Image

    from storybuild.keys import RememberedDigests

    picture = tmp_path / "garden.png"
    Image.new("RGB", (32, 32), "green").save(picture)
    remembered = RememberedDigests(tmp_path / "digests.json")
    first = remembered(picture)
    assert first == hashlib.sha256(picture.read_bytes()).hexdigest()
    remembered.save()
    again = RememberedDigests(tmp_path / "digests.json")
    again.known[str(picture)][3] = "0" * 64  # what it remembers is what it answers...
    assert again(picture) == "0" * 64 and not again.changed
    Image.new("RGB", (32, 32), "red").save(picture)  # ...until the file is written again
    assert again(picture) == hashlib.sha256(picture.read_bytes()).hexdigest() != first


def test_a_scene_without_a_characters_list_shows_the_characters_its_prompt_names():
    from storybuild.story_film import Cast, scene_characters

    cast = {"lea": {"name": "Léa"}, "granny": {"name": "Grandma Bramble"}, "pip": {"name": "Pip"}}
    assert scene_characters({"image": "Léa and PIP walk to Grandma Bramble's house"}, Cast.of(cast)) == ("lea", "granny", "pip")
    assert scene_characters({"image": "Grandma waves; a pipe organ plays"}, Cast.of(cast)) == ()  # whole names, whole words
    assert scene_characters({"image": "lea alone in the rain"}, Cast.of(cast)) == ("lea",)  # an id counts too
    assert scene_characters({"image": "Léa and Pip", "characters": ["pip"]}, Cast.of(cast)) == ("pip",)  # a list wins


def test_a_prompt_names_a_character_by_what_it_is_when_no_other_character_is_one():
    from storybuild.story_film import Cast, kind_word, scene_characters

    cast = {"lea": {"name": "Léa", "description": "a curious girl of seven with a red raincoat"},
            "herisson": {"name": "Hérisson", "description": "a shy hedgehog with soft spines"},
            "pip": {"name": "Pip", "description": "Léa's little brother, a cheeky boy"},
            "tom": {"name": "Tom", "description": "a tall boy who loves kites"}}
    assert scene_characters({"image": "Léa and the hedgehog walk in the rain"}, Cast.of(cast)) == ("lea", "herisson")
    assert scene_characters({"image": "a girl feeds the hedgehogs"}, Cast.of(cast)) == ("lea",)  # whole words only
    assert scene_characters({"image": "the boy flies a kite"}, Cast.of(cast)) == ()  # two boys: which one is not said
    assert [kind_word(entry["description"]) for entry in cast.values()] == ["girl", "hedgehog", "boy", "boy"]
    assert kind_word("small and brave") is None and kind_word("") is None  # no article, no kind
