"""The offline template writer keeps the theme: its trouble, setting and characters are
in the scenes, told as a beginning, a problem, a turn and an ending."""

from __future__ import annotations

import re

import pytest

from storybuild.model import ProviderChoice
from storybuild.providers import create
from storybuild.providers.offline import plot
from storybuild.providers.offline.conflict import read_conflict
from storybuild.providers.offline.theme import read_theme
from test_offline_providers import check_story

# theme, the character nouns it names, its place word (or None), the trouble's word
THEMES = [
    ("a dragon who is afraid of the dark", ["dragon"], None, "dark"),
    ("a little turtle who can't swim", ["turtle"], None, "swim"),
    ("a penguin who wants to fly", ["penguin"], None, "fly"),
    ("a bear who lost his red kite in the park", ["bear"], "park", "kite"),
    ("a lonely robot in the city", ["robot"], "city", "lonely"),
    ("a mouse who is scared of thunder in the forest", ["mouse"], "forest", "thunder"),
    ("a girl who learns to ride a bike at the playground", ["girl"], "playground", "ride"),
    ("a kitten who cannot find her mittens in the snow", ["kitten"], "snow", "mittens"),
    ("an elephant who is frightened of mice at the zoo", ["elephant"], "zoo", "mice"),
    ("a pig who wants to be a pirate on the island", ["pig"], "island", "pirate"),
    ("a cat and a dog where the dog is afraid of the bath", ["cat", "dog"], None, "bath"),
    ("a shy owl and a kind fox in the forest", ["owl", "fox"], "forest", "shy"),
    ("a bunny who fears the big waves at the beach", ["bunny"], "beach", "waves"),
    ("a young wizard who can't make magic in the castle", ["wizard"], "castle", "magic"),
    ("a grumpy bear and a cheerful bunny on the farm", ["bear", "bunny"], "farm", "grumpy"),
    ("a boy who is afraid of the water by the lake", ["boy"], "lake", "water"),
    ("an astronaut who lost her helmet in space", ["astronaut"], "space", "helmet"),
    ("a sad monster who feels homesick", ["monster"], None, "homesick"),
    ("a hedgehog and a squirrel, and the squirrel is nervous about the big race", ["hedgehog", "squirrel"],
     None, "nervous"),
    ("a puppy who is afraid of the vacuum cleaner in the kitchen", ["puppy"], "kitchen", "vacuum cleaner"),
]


@pytest.fixture(scope="module")
def writer():
    return create("text", ProviderChoice("template"))


def says(text: str, words: str) -> bool:
    return re.search(rf"\b{re.escape(words)}\b", text, re.I) is not None


@pytest.mark.parametrize("theme,nouns,place,trouble", THEMES, ids=[t[0][:40] for t in THEMES])
def test_the_story_keeps_the_themes_characters_setting_and_trouble(writer, theme, nouns, place, trouble):
    story = writer.write_story(theme, 5)
    check_story(story, 5)
    narrations = [scene["narration"] for scene in story["scenes"]]
    told = " ".join(narrations)
    for noun in nouns:
        assert says(told, noun), (noun, told)
    if place:
        assert says(told, place) or all(says(scene["image"], place) for scene in story["scenes"]), (place, told)
    # Beginning, problem, turn, ending: the trouble is named at the start, is the problem,
    # and the ending says it is overcome; the turn is the friend helping in between.
    phases = plot.trouble_arc(5)
    assert phases == ["begin", "play", "conflict", "turn", "ending"]
    for beat in ("begin", "conflict", "ending"):
        assert says(narrations[phases.index(beat)], trouble), (beat, narrations)
    friend = [c["name"] for c in story["characters"].values()]
    assert any(says(narrations[phases.index("turn")], name) for name in friend)


@pytest.mark.parametrize("count", [1, 2, 3, 4, 6, 9, 16, 30])
def test_every_length_begins_with_the_trouble_and_ends_overcoming_it(writer, count):
    story = writer.write_story("a dragon who is afraid of the dark", count)
    check_story(story, count)
    narrations = [scene["narration"] for scene in story["scenes"]]
    phases = plot.trouble_arc(count)
    assert len(phases) == count
    assert says(narrations[0], "afraid of the dark")
    ending = narrations[phases.index("ending") if "ending" in phases else 0]
    assert says(ending, "not afraid") or says(ending, "not afraid of the dark")
    if count >= 4:
        assert phases.index("begin") < phases.index("conflict") < phases.index("turn") < phases.index("ending")


def test_the_trouble_is_its_own_and_not_a_character_or_a_pastime():
    conflict = read_conflict("a pig who wants to be a pirate on the island")
    assert (conflict.kind, conflict.word, conflict.thing) == ("wish", "pirate", "be a pirate")
    story = create("text", ProviderChoice("template")).write_story("a pig who wants to be a pirate on the island", 4)
    assert not any("pirate" in c["description"] for c in story["characters"].values())
    assert story["title"] == "Truffle Wants to Be a Pirate"
    swim = create("text", ProviderChoice("template")).write_story("a little turtle who can't swim", 5)
    assert "swimming" not in swim["scenes"][1]["narration"]  # no day of swimming before the lesson
    bake = read_theme("a robot who learns to bake")
    assert (bake.conflict.word, bake.place.name, bake.activity) == ("bake", "the kitchen", "playing games")
    assert read_conflict("a cat and a dog playing in the garden") is None


def test_the_hero_is_the_character_the_trouble_belongs_to(writer):
    story = writer.write_story("a cat and a dragon who is afraid of the dark", 4)
    assert story["title"] == "Sparky and the Dark"
    assert story["scenes"][0]["narration"].startswith("Sparky the dragon lived")
    story = writer.write_story("a kind fox and a shy owl", 4)
    assert story["scenes"][0]["narration"].startswith("Hoot the owl lived")
    # A child named without a kind is listed after the animals, yet the trouble still
    # goes to the one the theme gives it to.
    story = writer.write_story("Maya and a dragon who is afraid of the dark", 4)
    assert story["title"] == "Sparky and the Dark"
    story = writer.write_story("Leo and a lonely robot", 4)
    assert story["scenes"][0]["narration"].startswith("Bolt the robot lived")
