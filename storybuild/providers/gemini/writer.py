"""GeminiWriter: a whole story.yaml document from a theme, as structured JSON output.

The model is held to a JSON schema made from a Pydantic model (`response_json_schema`,
with exactly N scenes; the SDK's `response_schema` is deprecated). An answer that is
cut off, not JSON, off-schema or has the wrong number of scenes is asked for once more,
with what was wrong; a second bad answer is a clear error. A blocked prompt is not
asked again (it would be blocked again). The draft is then normalised: ids become
unique kebab-case, scene character lists name declared characters only, voices are
prebuilt Gemini voices.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Annotated, Any

from pydantic import BaseModel, Field, ValidationError, create_model

from storybuild.model import ProviderChoice
from storybuild.providers.gemini import response as responses
from storybuild.providers.gemini.client import GeminiSession

VOICES = ("Kore", "Puck", "Charon", "Zephyr", "Aoede", "Fenrir")
DEFAULT_NARRATOR = "Kore"

SYSTEM_INSTRUCTION = f"""\
You write short illustrated stories for young children (ages 3 to 7).
Rules:
- Kid-friendly: warm, gentle and positive. No violence, no danger, nothing scary or sad.
- One consistent art style for every picture, described once in `style` (medium, palette, mood).
- The scenes progress: a beginning that introduces the characters, a middle with a small
  adventure or problem, and an ending that resolves it happily.
- Write exactly the number of scenes asked for.
- Each scene's narration is exactly one sentence, simple enough to read aloud to a child.
- Each scene's `image` describes the picture only (who, where, doing what), not the art style.
- Character descriptions are detailed and fixed (species, size, colours, markings, clothing)
  so an illustrator draws them identically in every scene; scenes refer to characters by id.
- Give each character a voice from: {", ".join(VOICES)}.
- Ids are short lower-case kebab-case words, unique within the story."""


class CharacterDraft(BaseModel):
    """A character as the model writes it."""

    id: str = Field(description="short kebab-case id, e.g. 'whiskers'")
    name: str = Field(min_length=1, description="the character's name as used in the story")
    description: str = Field(min_length=1, description="detailed, fixed visual description")
    voice: str = Field(description=f"one of {', '.join(VOICES)}")


class SceneDraft(BaseModel):
    """A scene as the model writes it."""

    id: str = Field(description="short kebab-case id, e.g. 'garden'")
    title: str = Field(description="a short title for the scene")
    image: str = Field(min_length=1, description="what the picture shows, without the art style")
    narration: str = Field(min_length=1, description="exactly one sentence read aloud")
    characters: list[str] = Field(description="ids of the characters visible in the picture")


class StoryDraft(BaseModel):
    """The whole story as the model writes it (scene count checked by `draft_model`)."""

    title: str = Field(min_length=1)
    style: str = Field(min_length=1, description="the one art style of every picture")
    characters: list[CharacterDraft]
    scenes: list[SceneDraft]


@functools.lru_cache(maxsize=32)
def draft_model(scene_count: int) -> type[StoryDraft]:
    """StoryDraft with exactly `scene_count` scenes (minItems = maxItems in the schema)."""
    scenes = Annotated[list[SceneDraft], Field(min_length=scene_count, max_length=scene_count)]
    return create_model("StoryDraft", __base__=StoryDraft, scenes=(scenes, ...))


class GeminiWriter:
    """Writes a story document with a Gemini text model.

    Invariant: `write_story` returns plain data in the story.yaml shape with exactly
    the requested number of scenes, or raises ProviderError saying why not.
    """

    def __init__(self, choice: ProviderChoice):
        self._choice = choice
        self._session = GeminiSession("text", choice)

    def write_story(self, theme: str, scene_count: int) -> dict[str, Any]:
        from google.genai import types

        schema = draft_model(scene_count)
        config = types.GenerateContentConfig(
            system_instruction=SYSTEM_INSTRUCTION,
            response_mime_type="application/json",
            response_json_schema=schema.model_json_schema(),
        )
        prompt = f"Write a story about: {theme.strip()}\nIt must have exactly {scene_count} scenes."
        problem = ""
        for asked in (1, 2):
            response = self._session.generate(prompt, config)
            draft, problem = read_draft(response, schema)
            if draft is not None:
                return story_document(draft, self._choice)
            if responses.block_reason(response) or responses.finish_reason(response) in BLOCKED:
                break  # the same story would be blocked again
            prompt += (f"\nYour previous answer was unusable ({problem}). Answer again with JSON that follows "
                       f"the schema exactly, with exactly {scene_count} scenes.")
        raise self._session.error(problem + (" (asked twice)" if asked == 2 else ""))


BLOCKED = frozenset({"SAFETY", "PROHIBITED_CONTENT", "BLOCKLIST", "SPII", "RECITATION"})


def read_draft(response: Any, schema: type[StoryDraft]) -> tuple[StoryDraft | None, str]:
    """(the draft, "") when the answer is a story with the right scene count, else
    (None, why not as a phrase): blocked, cut off (MAX_TOKENS), not JSON, off-schema."""
    reason = responses.finish_reason(response)
    body = responses.text(response)
    if responses.block_reason(response) or reason not in ("STOP", None) or not body:
        return None, f"no story returned: {responses.why_missing(response, include_text=False)}"
    try:
        return schema.model_validate_json(body), ""
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        return None, "the response did not match the story schema: " + (f"{where}: " if where else "") + first["msg"]


def story_document(draft: StoryDraft, choice: ProviderChoice) -> dict[str, Any]:
    """The story.yaml data for a parsed draft, with normalised ids and voices."""
    narrator = _voice(choice.options.get("voice")) or DEFAULT_NARRATOR
    characters, lookup = _characters(draft.characters, narrator)
    text_provider: dict[str, Any] = {"provider": "gemini"}
    if choice.model:
        text_provider["model"] = choice.model
    return {
        "version": 1,
        "title": draft.title.strip(),
        "style": draft.style.strip(),
        "providers": {
            "text": text_provider,
            "image": {"provider": "gemini"},
            "voice": {"provider": "gemini", "voice": narrator},
        },
        "characters": characters,
        "scenes": _scenes(draft.scenes, lookup),
    }


def _characters(drafts: list[CharacterDraft], narrator: str) -> tuple[dict[str, Any], dict[str, str]]:
    """Characters keyed by unique kebab id, and a lookup from any spelling the model may
    use in scenes (its id or the name, kebab-cased) to that id."""
    characters: dict[str, Any] = {}
    lookup: dict[str, str] = {}
    spare = [v for v in VOICES if v != narrator]
    for index, draft in enumerate(drafts, start=1):
        cid = unique(kebab(draft.id) or kebab(draft.name), characters, f"character-{index}")
        voice = _voice(draft.voice) or spare[(index - 1) % len(spare)]
        characters[cid] = {"name": draft.name.strip(), "description": draft.description.strip(), "voice": voice}
        for spelling in (kebab(draft.id), kebab(draft.name), cid):
            lookup.setdefault(spelling, cid)
    return characters, lookup


def _scenes(drafts: list[SceneDraft], lookup: dict[str, str]) -> list[dict[str, Any]]:
    scenes: list[dict[str, Any]] = []
    taken: set[str] = set()
    for index, draft in enumerate(drafts, start=1):
        sid = unique(kebab(draft.id) or kebab(draft.title), taken, f"scene-{index}")
        taken.add(sid)
        present = [lookup[kebab(ref)] for ref in draft.characters if kebab(ref) in lookup]
        scenes.append({
            "id": sid,
            "title": draft.title.strip(),
            "image": draft.image.strip(),
            "narration": " ".join(draft.narration.split()),
            "characters": list(dict.fromkeys(present)),  # unique, in order
        })
    return scenes


def kebab(text: str) -> str:
    """ASCII kebab-case ("Mr. Öwl" -> "mr-owl"); "" when nothing usable is left."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def unique(candidate: str, taken: Any, fallback: str) -> str:
    """`candidate` (or `fallback` if empty), suffixed -2, -3, ... until not in `taken`."""
    base = candidate or fallback
    name, number = base, 1
    while name in taken:
        number += 1
        name = f"{base}-{number}"
    return name


def _voice(name: Any) -> str | None:
    """The prebuilt voice `name` spells (any case), else None."""
    wanted = str(name or "").strip().lower()
    return next((v for v in VOICES if v.lower() == wanted), None)
