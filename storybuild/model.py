"""The validated story project as frozen dataclasses.

Everything downstream (graph, plan, providers) reads these types, never raw YAML:
by the time a Project exists, the file has passed schema and cross-field checks.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping


@dataclass(frozen=True)
class Transition:
    """How one scene gives way to the next: `kind` is cut, crossfade, fade (through
    black), slide or wipe; `seconds` is its length (ignored for a cut)."""

    kind: str = "crossfade"
    seconds: float = 0.5


@dataclass(frozen=True)
class CardSettings:
    """A title or end card: its text and how long it stays on screen."""

    title: str
    subtitle: str = ""
    seconds: float = 3.0


@dataclass(frozen=True)
class CaptionStyle:
    """How burned captions look: `position` bottom | top | center, `size` small |
    medium | large or pixels, `color` and `highlight` (the spoken word's colour,
    None for no karaoke) as "#rrggbb"."""

    position: str = "bottom"
    size: str | int = "medium"
    color: str = "#ffffff"
    highlight: str | None = None
    font: Path | None = None  # the project's own caption font (absolute), drawn first
    font_digest: str | None = None  # sha256 of its bytes: the key changes with the font

    def params(self) -> dict[str, Any]:
        """What the captions' pixels depend on (the font by its bytes, never its path)."""
        params = {"position": self.position, "size": self.size, "color": self.color, "highlight": self.highlight}
        if self.font_digest:
            params["font"] = self.font_digest
        return params


@dataclass(frozen=True)
class VideoSettings:
    """Output format. Invariant: width and height are even, fps >= 1, motion_strength
    in [0, 1] and 0 whenever motion is off (motion is on exactly when it is > 0).
    `transition` is the story's default seam between scenes; `fade` the seconds of the
    fade from black at the start and to black at the end (0: none)."""

    width: int = 1280
    height: int = 720
    fps: int = 24
    captions: bool = True
    motion: bool = True
    sample_rate: int = 48000
    transition: Transition = Transition()
    fade: float = 0.5
    caption_style: CaptionStyle = CaptionStyle()
    motion_strength: float = 1.0

    @property
    def aspect_ratio(self) -> str:
        """The closest preset aspect ratio name, for providers that take one ("16:9")."""
        ratio = self.width / self.height
        presets = {"16:9": 16 / 9, "9:16": 9 / 16, "1:1": 1.0, "4:3": 4 / 3, "3:4": 3 / 4}
        return min(presets, key=lambda name: abs(presets[name] - ratio))


@dataclass(frozen=True)
class ProviderChoice:
    """Which provider runs one kind of step, its model (None: the provider's default)
    and every other option the user set for it (voice, direction, concurrency, ...)."""

    name: str
    model: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Providers:
    """One provider choice per kind of generation."""

    text: ProviderChoice = ProviderChoice("template")
    image: ProviderChoice = ProviderChoice("storyboard")
    voice: ProviderChoice = ProviderChoice("piper")
    animation: ProviderChoice | None = None  # moving pictures (Veo); None: still pictures only


@dataclass(frozen=True)
class Character:
    """A declared character. `id` is the key used in scenes; `voice` overrides the
    project voice when this character speaks. `pitch` (semitones, -12..12) and `pace`
    (a speed factor, 0.5..2) shape the voice for providers that can (piper); None
    when the story leaves them to the default (see dialogue.speaker_voice)."""

    id: str
    name: str
    description: str
    voice: str | None = None
    pitch: float | None = None
    pace: float | None = None


@dataclass(frozen=True)
class Line:
    """One spoken line of a dialogue scene. Invariant: `text` is non-empty and
    stripped; `speaker` is a declared character id, or None for the narrator."""

    text: str
    speaker: str | None = None


@dataclass(frozen=True, slots=True)  # slots: a long story holds thousands
class Scene:
    """One scene. Invariant: `characters`, `speaker` and the lines' speakers only name
    declared characters, narration is non-empty. A dialogue scene has `lines` (each
    voiced on its own) and its `narration` is their texts joined, for checks that
    read all of a scene's words; a narration scene has no lines. `duration` is a
    floor in seconds; the speech may make the scene longer. `seed`/`take` ask for a
    new variation without changing prompts."""

    id: str
    image: str
    narration: str
    title: str = ""
    characters: tuple[str, ...] = ()
    speaker: str | None = None
    duration: float | None = None
    seed: int | None = None
    take: int | None = None
    transition: Transition | None = None  # the seam entering this scene; None: the story's
    picture: Path | None = None  # the user's own picture (absolute), instead of a drawn one
    picture_digest: str | None = None  # sha256 of its bytes, taken when the story was loaded
    lines: tuple[Line, ...] = ()
    animate: bool = False  # made into a moving clip by the animation provider

    @property
    def display_title(self) -> str:
        return self.title or self.id.replace("-", " ").replace("_", " ").capitalize()


@dataclass(frozen=True)
class Music:
    """Background music. `file` is absolute; `digest` is the sha256 of its bytes, taken
    when the story was loaded, so editing the file re-keys the final video."""

    file: Path
    digest: str
    volume: float = 0.15
    duck_db: float = -12.0  # how far the music goes down under speech


@dataclass(frozen=True)
class Project:
    """A loaded story. Invariant: scene ids are unique, every reference resolves.

    `path` is the story.yaml; `root` its folder, where build/ lives.
    """

    path: Path
    title: str
    style: str
    video: VideoSettings
    providers: Providers
    characters: tuple[Character, ...]
    scenes: tuple[Scene, ...]
    version: int = 1
    music: Music | None = None
    title_card: CardSettings | None = None
    end_card: CardSettings | None = None
    loudness: float = -16.0  # integrated LUFS of the finished soundtrack
    pricing: Mapping[str, Mapping[str, float]] = field(default_factory=dict)  # the user's prices: model -> unit -> USD

    @property
    def root(self) -> Path:
        return self.path.parent

    @property
    def build_dir(self) -> Path:
        return self.root / "build"

    @property
    def slug(self) -> str:
        return slugify(self.title)

    def character(self, character_id: str) -> Character:
        for character in self.characters:
            if character.id == character_id:
                return character
        raise KeyError(character_id)


SLUG_BYTES = 80  # far below the 255-byte file-name limit, with room for ".mp4"


def slugify(text: str, max_bytes: int = SLUG_BYTES) -> str:
    """A readable, file-name-safe lower-case form of a title: "Whiskers & Buster!" ->
    "whiskers-buster", "Café Zoë" -> "cafe-zoe", "Κότα" -> "κότα", "猫と犬" -> "猫と犬".

    Invariant: only Unicode letters, digits and combining marks (lower-cased) and
    single '-' between words; never empty ("story"); at most `max_bytes` UTF-8 bytes.
    Latin letters lose their accents; other scripts are kept. A slug that had to be
    cut keeps whole words and ends in 8 hex digits of the uncut slug's hash, so two
    long titles that share a beginning still get different names, the same on every
    run (and titles differing only in case or punctuation share one, as short ones do).
    """
    words = _slug_words(text)
    slug = "-".join(words)
    if len(slug.encode("utf-8")) <= max_bytes:
        return slug or "story"
    tag = hashlib.sha256(slug.encode("utf-8", "surrogatepass")).hexdigest()[:8]  # of the whole slug
    room = max_bytes - len(tag) - 1
    kept = ""
    for word in words:
        longer = f"{kept}-{word}" if kept else word
        if len(longer.encode("utf-8")) > room:
            break
        kept = longer
    if not kept:  # one word longer than the room: cut it between characters
        kept = words[0].encode("utf-8")[:room].decode("utf-8", "ignore")
    return f"{kept}-{tag}"


def _slug_words(text: str) -> list[str]:
    """Runs of letters and digits (with their combining marks), accents removed from
    Latin letters, lower-cased ("Straße" -> "strasse"; Greek keeps its final ς)."""
    words, current, previous = [], [], ""
    for char in unicodedata.normalize("NFKD", text.lower().replace("ß", "ss")):
        if unicodedata.category(char)[0] == "M":
            # An accent on a Latin letter goes (é -> e); elsewhere marks are part of
            # the letter (Devanagari vowel signs) and stay with the word.
            if current and not (previous.isascii() and previous.isalpha()):
                current.append(char)
            continue
        previous = char
        if char.isalnum():
            current.append(char)
        elif current:
            words.append(unicodedata.normalize("NFC", "".join(current)))
            current = []
    if current:
        words.append(unicodedata.normalize("NFC", "".join(current)))
    return words
