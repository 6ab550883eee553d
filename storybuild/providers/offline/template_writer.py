"""The offline story writer: a complete story.yaml document from a one-line theme,
with no model and no network (theme.py reads the theme, plot.py holds the arc)."""

from __future__ import annotations

import random
from typing import Any

from storybuild.errors import ProviderError
from storybuild.model import ProviderChoice, slugify
from storybuild.providers.offline import plot
from storybuild.providers.offline.conflict import gerund
from storybuild.providers.offline.drawing import stable_int
from storybuild.providers.offline.theme import Member, Theme, read_theme

STYLES = (
    "soft watercolor children's picture book illustration, warm pastel colors, gentle rounded shapes",
    "bright cheerful cartoon illustration for young children, clean bold outlines, friendly colors",
    "cozy storybook illustration in colored pencil and gouache, soft textures, warm light",
    "playful paper-cut collage illustration, bright friendly colors, simple rounded shapes",
)
TITLES = ("{names} Big Day {where}", "The {place} Adventure of {cast}", "{cast} and the Happy {place} Day")
SMALL_WORDS = {"a", "an", "the", "and", "of", "in", "on", "at", "to", "by", "for", "with", "up"}
TOYS = ("bouncy red ball", "shiny blue marble", "little toy car", "striped rubber ball")
HEAVY = {"outdoor": "big fallen log", "indoor": "heavy box of toys", "space": "big bumpy space rock"}
CRITTERS = {"outdoor": "a family of tiny ladybugs", "indoor": "a row of smiling teddy bears",
            "space": "a family of friendly little moon bunnies"}
ID_LENGTH = 40


class TemplateWriter:
    """Writes stories from word lists. Invariant: the document is a pure function of
    (theme, scene_count): exactly scene_count scenes, unique kebab-case ids, every
    scene's characters declared, no narration repeated."""

    def __init__(self, choice: ProviderChoice):
        self.choice = choice

    def write_story(self, theme: str, scene_count: int) -> dict[str, Any]:
        """A story document about `theme` with `scene_count` (1..30) scenes."""
        if not 1 <= scene_count <= plot.MAX_SCENES:
            raise ProviderError(f"the template writer writes 1 to {plot.MAX_SCENES} scenes, not {scene_count}")
        facts = read_theme(theme)
        rng = random.Random(stable_int("story", theme, scene_count))
        return {
            "version": 1,
            "title": _title(facts, rng),
            "style": STYLES[stable_int("style", theme) % len(STYLES)],
            "video": {"aspect": "16:9"},
            "providers": {"text": {"provider": "template"}, "image": {"provider": "storyboard"},
                          "voice": {"provider": "piper"}},
            "characters": {m.id: {"name": m.name, "description": m.description} for m in facts.cast},
            "scenes": _scenes(facts, scene_count, rng),
        }


def _title(facts: Theme, rng: random.Random) -> str:
    if facts.conflict:
        return title_case(plot.TROUBLE_TITLES[facts.conflict.kind].format_map(_values(facts, rng)))
    cast = _join([m.name for m in facts.cast]) if len(facts.cast) == 2 else f"{facts.cast[0].name} and Friends"
    names = cast + ("'" if cast.endswith("s") else "'s")
    template = TITLES[rng.randrange(len(TITLES))]
    return title_case(template.format(names=names, cast=cast, where=facts.place.where, place=facts.place.title))


def title_case(text: str) -> str:
    """Capitalize words except short joining words (not the first); names stay as written."""
    words = text.split()
    return " ".join(w if (i and w.lower() in SMALL_WORDS) else w[:1].upper() + w[1:] for i, w in enumerate(words))


def _scenes(facts: Theme, count: int, rng: random.Random) -> list[dict[str, Any]]:
    phases = plot.trouble_arc(count) if facts.conflict else plot.arc(count)
    lines = _pick_lines(phases, facts, rng)
    spots = list(facts.place.spots)
    rng.shuffle(spots)
    values = _values(facts, rng)
    scenes: list[dict[str, Any]] = []
    ids: set[str] = set()
    for index, (phase, line) in enumerate(zip(phases, lines)):
        # A problem and its solution happen at the same spot.
        spot_index = index - 1 if phase in ("solution", "turn") else index
        values.update(spot=spots[spot_index % len(spots)], light=_light(facts, phase, index, count))
        title, narration, image = (part.format_map(values) for part in line)
        scene_id = _unique_id(title, ids)
        scenes.append({
            "id": scene_id,
            "title": _capitalized(title),
            "image": _with_everyone(image, facts.cast),
            "narration": _capitalized(narration),
            "characters": [m.id for m in facts.cast],
        })
    return scenes


def _pick_lines(phases: list[str], facts: Theme, rng: random.Random) -> list[plot.Line]:
    """One line per phase, each pool drawn without replacement (so nothing repeats);
    the theme's own trouble has one line per beat."""
    draws = {phase: rng.sample(pool, len(pool)) for phase, pool in plot.POOLS.items()}
    problems = [p for p in plot.PROBLEMS if facts.place.kind in p.kinds]
    rng.shuffle(problems)
    trouble = plot.TROUBLE[facts.conflict.kind] if facts.conflict else {}
    lines: list[plot.Line] = []
    for phase in phases:
        if phase in trouble:
            lines.append(trouble[phase])
        elif phase == "problem":
            lines.append(problems[0].problem)
        elif phase == "solution":
            lines.append(problems.pop(0).solution)
        else:
            lines.append(draws[phase].pop())
    return lines


def _values(facts: Theme, rng: random.Random) -> dict[str, str]:
    """The placeholders every line may use (spot and light change per scene)."""
    cast = facts.cast
    counts = {2: "two", 3: "three", 4: "four"}
    place = facts.place
    return {
        "all": _join([m.name for m in cast]),
        "A": cast[0].name,
        "B": cast[1].name,
        "intro": _join([_intro(m) for m in cast]),
        "a_intro": _intro(cast[0]),
        "b_intro": _intro(cast[1]),
        "friends": f"the {counts[len(cast)]} friends",
        "where": place.where,
        "where_visual": place.visual,
        "activity": facts.activity,
        "toy": TOYS[rng.randrange(len(TOYS))],
        "lost": "floated away" if place.kind == "space" else "rolled away",
        "heavy": HEAVY[place.kind],
        "critters": CRITTERS[place.kind],
        **_trouble_values(facts),
    }


def _trouble_values(facts: Theme) -> dict[str, str]:
    """The hero, the friends and the words of the theme's trouble, for plot.TROUBLE."""
    hero = facts.cast[facts.hero]
    others = [m for m in facts.cast if m is not hero]
    conflict = facts.conflict
    thing = conflict.thing if conflict else ""
    shown = thing.split(" ", 1)[1] if thing.split(" ", 1)[0] in ("the", "a", "an") and " " in thing else thing
    return {"H": hero.name, "F": others[0].name, "h_intro": _intro(hero), "f_intro": _join([_intro(m) for m in others]),
            "thing": thing, "Thing": title_case(shown), "doing": gerund(thing) if thing else "",
            "feeling": conflict.feeling if conflict else "", "Feeling": (conflict.feeling if conflict else "").title(),
            "Noun": hero.noun.title()}


def _intro(member: Member) -> str:
    return member.name if member.noun == "child" else f"{member.name} the {member.noun}"


def _light(facts: Theme, phase: str, index: int, count: int) -> str:
    """Time of day for the image prompt: the story runs from morning to evening."""
    if facts.place.kind == "space":
        return "softly glowing starlight"
    if facts.place.kind == "indoor":
        return ("soft morning light through the window", "warm cozy lamplight")[index * 2 >= count]
    if phase in ("meet", "setout", "whole", "begin"):
        return "soft golden morning light"
    position = index / max(1, count - 1)
    if position < 0.45:
        return "bright cheerful sunshine"
    return "warm afternoon light" if position < 0.8 else "golden evening light"


def _unique_id(title: str, taken: set[str]) -> str:
    """A kebab-case id from the title, at most ID_LENGTH characters, cut at a dash."""
    base = slugify(title)
    if len(base) > ID_LENGTH:
        base = base[:ID_LENGTH].rsplit("-", 1)[0]
    scene_id, n = base, 2
    while scene_id in taken:
        scene_id, n = f"{base}-{n}", n + 1
    taken.add(scene_id)
    return scene_id


def _with_everyone(image: str, cast: tuple[Member, ...]) -> str:
    """The image prompt, naming every character in the scene so none is left out."""
    missing = [m.name for m in cast if m.name not in image]
    return f"{image}, with {_join(missing)} close by" if missing else image


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]
