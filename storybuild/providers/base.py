"""What a provider is: the requests it receives and the protocols it implements.

Providers never see keys, traces or the store. They get a frozen request (exactly the
parameters that went into the step's key), the paths of their input artifacts, and
the path to write. Writing anywhere else, or keeping state between calls that changes
the output, would break the build's caching guarantees.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Protocol, Sequence

if TYPE_CHECKING:
    from storybuild.caption_timing import WordTime


@dataclass(frozen=True)
class CharacterInfo:
    """What an image provider may know about a character."""

    id: str
    name: str
    description: str


@dataclass(frozen=True)
class CharacterSheetRequest:
    """Draw one character's reference sheet, in the project's style."""

    character: CharacterInfo
    style: str
    width: int
    height: int
    aspect_ratio: str

    def params(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class SceneImageRequest:
    """Draw one scene. `characters` are those present; their reference sheets, when the
    provider uses them, arrive separately as paths keyed by character id. There is no
    scene index on purpose: reordering scenes must not redraw them.

    `setting` is the scene's resolved time of day, weather and place ({"time": "evening",
    "weather": "rain", "place": "outdoors"}), carried over from earlier scenes by the
    planner for providers that use it; None otherwise. It is left out of params() when
    None, so providers that do not use it keep the keys they had before it existed."""

    scene_id: str
    title: str
    prompt: str
    style: str
    characters: tuple[CharacterInfo, ...]
    width: int
    height: int
    aspect_ratio: str
    seed: int | None = None
    take: int | None = None
    setting: Mapping[str, str] | None = None

    def params(self) -> dict[str, Any]:
        params = asdict(self)
        if self.setting is None:
            del params["setting"]
        else:
            params["setting"] = dict(self.setting)
        return params

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> "SceneImageRequest":
        fields = dict(params)
        fields["characters"] = tuple(CharacterInfo(**c) for c in fields["characters"])
        return cls(**fields)


@dataclass(frozen=True)
class NarrationRequest:
    """Speak `text` exactly (a scene's narration, or one dialogue line). `voice` is
    the resolved voice name (the speaking character's, else the project's, else None
    for the provider default);
    `direction` is delivery guidance, never words to be spoken. There is no sample
    rate: providers answer at their own, and the final join resamples, so changing
    the video's rate never pays for narration again."""

    scene_id: str
    text: str
    voice: str | None
    direction: str | None
    # A dialogue line's speaker shape: semitones and a speed factor, for providers
    # that shape one voice (piper); others ignore them. Left out of params() at
    # their defaults, so narration keeps the keys it had before dialogue existed.
    pitch: float = 0.0
    pace: float = 1.0

    def params(self) -> dict[str, Any]:
        params = asdict(self)
        if self.pitch == 0.0:
            del params["pitch"]
        if self.pace == 1.0:
            del params["pace"]
        return params


@dataclass(frozen=True)
class DialogueRequest:
    """Speak consecutive dialogue lines as one conversation, in one call. Each line is
    {"speaker": the name it is spoken under, "voice": its voice name (None: the
    provider default), "text": exactly what is said}. Invariant: at least two lines
    and exactly two distinct speakers (the documented multi-speaker shape); the
    narrator is a speaker like any other. `direction` as in NarrationRequest."""

    scene_id: str
    lines: tuple[Mapping[str, Any], ...]
    direction: str | None

    def params(self) -> dict[str, Any]:
        return {"scene_id": self.scene_id, "lines": [dict(line) for line in self.lines], "direction": self.direction}

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> "DialogueRequest":
        return cls(params["scene_id"], tuple(dict(line) for line in params["lines"]), params["direction"])


class ImageProvider(Protocol):
    def draw_character_sheet(self, request: CharacterSheetRequest, out: Path) -> None:
        """Write a PNG reference sheet of the character to `out`."""

    def draw_scene(self, request: SceneImageRequest, references: Mapping[str, Path], out: Path) -> None:
        """Write a PNG of the scene to `out`; `references` maps character id -> sheet PNG."""


class VoiceProvider(Protocol):
    def narrate(self, request: NarrationRequest, out: Path) -> Sequence[WordTime] | None:
        """Write the spoken narration to `out` as a PCM WAV file (any rate; mono or stereo).
        May return when each word of `request.text` (split on whitespace) is spoken;
        None lets captions be aligned on the audio instead."""


class DialogueVoice(Protocol):
    """A voice provider that can also speak two speakers in one call (registry: multi_speaker)."""

    def converse(self, request: DialogueRequest, out: Path) -> None:
        """Write the conversation's audio to `out` as a PCM WAV file, the lines in order."""


class StoryWriter(Protocol):
    def write_story(self, theme: str, scene_count: int) -> dict[str, Any]:
        """Return a story document (plain data in the story.yaml shape) about `theme`
        with exactly `scene_count` scenes. The caller validates it before writing."""
