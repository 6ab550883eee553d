"""The film's settings of a validated story document, as model values: transitions,
title and end cards, the fades, and scenes' own pictures. Kept apart from project.py,
which loads and validates, so each reads in one screen."""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from storybuild.model import CardSettings, Transition
from storybuild.yaml_positions import Problem

TITLE_SECONDS = 3.0
END_SECONDS = 2.5
END_TEXT = "The End"


def transition(value: Any) -> Transition | None:
    """`crossfade` or {type: slide, seconds: 0.8} -> Transition; None when not set."""
    if value is None:
        return None
    if isinstance(value, str):
        return Transition(value)
    return Transition(value["type"], float(value.get("seconds", Transition.seconds)))


def card(value: Any, default_title: str, default_seconds: float) -> CardSettings | None:
    """A card is on unless set to false; a mapping changes its text or length."""
    if value is False:
        return None
    value = value if isinstance(value, dict) else {}
    return CardSettings(title=str(value.get("title", default_title)).strip(),
                        subtitle=str(value.get("subtitle", "")).strip(),
                        seconds=float(value.get("seconds", default_seconds)))


def title_card(document: dict[str, Any]) -> CardSettings | None:
    return card(document.get("title_card", True), document["title"].strip(), TITLE_SECONDS)


def end_card(document: dict[str, Any]) -> CardSettings | None:
    return card(document.get("end_card", True), END_TEXT, END_SECONDS)


def picture_file(scene: dict[str, Any], story_dir: Path) -> Path | None:
    """The absolute path of a scene's own picture (`image: {file: ...}`), or None."""
    image = scene.get("image")
    if not isinstance(image, dict):
        return None
    return Path(os.path.abspath(story_dir / image["file"]))


def prompt(scene: dict[str, Any]) -> str:
    image = scene["image"]
    return (image.get("prompt") or "" if isinstance(image, dict) else image).strip()


@dataclass(frozen=True)
class Cast:
    """The story's characters as a picture prompt can name them, worked out once per
    story: each id with the word runs of its id and name, and its kind word (see
    kind_word) when no other character shares it."""

    names: tuple[tuple[str, tuple[list[str], ...], str | None], ...]

    @classmethod
    def of(cls, cast: dict[str, Any]) -> "Cast":
        kinds = {cid: kind_word(str((entry or {}).get("description") or "")) for cid, entry in cast.items()}
        counts = Counter(kinds.values())
        return cls(tuple((cid, (_words(cid), _words((entry or {}).get("name") or "")),
                          kinds[cid] if counts[kinds[cid]] == 1 else None) for cid, entry in cast.items()))


def scene_characters(scene: dict[str, Any], cast: Cast) -> tuple[str, ...]:
    """The characters a scene shows: its `characters` list when it has one, else every
    character its picture prompt names, in the cast's order: by name or id, as whole
    words ("Léa and the hedgehog walk..." draws Léa), or by what its description says
    it is, when no other character is one ("the hedgehog", for Hérisson, "a shy
    hedgehog with soft spines"). So a story that never lists them still gets its
    characters drawn and their sheets used."""
    if "characters" in scene:
        return tuple(scene["characters"])
    words = _words(prompt(scene))
    return tuple(cid for cid, runs, kind in cast.names
                 if any(_contains(words, run) for run in runs) or (kind is not None and kind in words))


# Words after which a description's first phrase goes on to say something else about
# what it names ("a shy hedgehog | with soft spines", "a girl | of seven").
PHRASE_ENDS = frozenset({"with", "who", "that", "which", "whose", "in", "of", "from", "and", "or", "but", "wearing",
                         "named", "called", "on", "at", "for", "to", "by", "like", "has", "have", "is", "was",
                         "carrying", "holding", "always", "very"})
ARTICLES = frozenset({"a", "an", "the"})


def kind_word(description: str) -> str | None:
    """What a description says a character is, in English: the last word of its first
    phrase that starts with an article ("a small orange tabby cat with green eyes" ->
    "cat"; "Léa's best friend, a hedgehog" -> "hedgehog"); None without one."""
    for clause in description.replace(";", ",").replace(".", ",").split(","):
        words = _words(clause)
        if not words or words[0] not in ARTICLES:
            continue
        phrase = []
        for word in words[1:]:
            if word in PHRASE_ENDS:
                break
            phrase.append(word)
        return phrase[-1] if phrase and phrase[-1].isalpha() else None
    return None


def _words(text: str) -> list[str]:
    """Case-folded words of any script, punctuation and underscores as separators."""
    return "".join(c if c.isalnum() else " " for c in text.casefold()).split()


def _contains(words: list[str], phrase: list[str]) -> bool:
    return bool(phrase) and any(words[i:i + len(phrase)] == phrase for i in range(len(words) - len(phrase) + 1))


def picture_problems(document: Any, story_dir: Path) -> list[Problem]:
    """Every scene's own picture must be a picture file inside the project folder (the
    same rule as the music file: the project stays whole in git, and a story cannot
    read files elsewhere)."""
    from storybuild.project_files import named_file_problems

    scenes = document.get("scenes") if isinstance(document, dict) else None
    problems: list[Problem] = []
    for index, scene in enumerate(scenes if isinstance(scenes, list) else ()):
        image = scene.get("image") if isinstance(scene, dict) else None
        file = image.get("file") if isinstance(image, dict) else None
        if isinstance(file, str) and file.strip():
            problems += named_file_problems(("scenes", index, "image", "file"), file, story_dir, "picture")
    return problems
