"""The validated story project as frozen dataclasses.

Everything downstream (graph, plan, providers) reads these types, never raw YAML:
by the time a Project exists, the file has passed schema and cross-field checks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping


@dataclass(frozen=True)
class VideoSettings:
    """Output format. Invariant: width and height are even, fps >= 1, motion_strength
    in [0, 1] and 0 whenever motion is off (motion is on exactly when it is > 0)."""

    width: int = 1280
    height: int = 720
    fps: int = 24
    captions: bool = True
    motion: bool = True
    sample_rate: int = 24000
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


@dataclass(frozen=True)
class Character:
    """A declared character. `id` is the key used in scenes; `voice` overrides the
    project voice when this character speaks a scene's narration."""

    id: str
    name: str
    description: str
    voice: str | None = None


@dataclass(frozen=True)
class Scene:
    """One scene. Invariant: `characters` and `speaker` only name declared characters,
    narration is non-empty. `duration` is a floor in seconds; the narration may make
    the scene longer. `seed`/`take` ask for a new variation without changing prompts."""

    id: str
    image: str
    narration: str
    title: str = ""
    characters: tuple[str, ...] = ()
    speaker: str | None = None
    duration: float | None = None
    seed: int | None = None
    take: int | None = None

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


def slugify(text: str) -> str:
    """A file-name-safe lower-case form of a title ("Whiskers & Buster!" -> "whiskers-buster")."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug or "story"
