"""PURE: expand a Project into the ordered list of build steps.

No I/O and no heavy imports here: `status` calls this on every run. A step's params
are exactly what its action receives besides its input artifacts, so everything that
can change a step's output is in its key, and nothing else is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from storybuild import providers
from storybuild.model import Project, ProviderChoice, Scene
from storybuild.providers.base import (
    CharacterInfo,
    CharacterSheetRequest,
    NarrationRequest,
    SceneImageRequest,
)

# Bump a kind's recipe version when storybuild's own code for that kind changes its
# output (the composition code for clip/video, the request shape for the others).
RECIPE_VERSIONS = {"character": 1, "image": 1, "voice": 2, "clip": 3, "video": 3}

# Options that change how a provider is called, not what it produces: kept out of keys
# so raising a concurrency limit does not regenerate a whole story.
OPERATIONAL_OPTIONS = frozenset({"concurrency", "retries", "timeout"})

# The composition steps run storybuild's own ffmpeg code, not a pluggable provider.
COMPOSER = "ffmpeg"

# Which provider kind runs each step kind (composition steps use none).
PROVIDER_KINDS = {"character": "image", "image": "image", "voice": "voice"}


@dataclass(frozen=True)
class Step:
    """One node of the build graph.

    Invariants: `id` is stable and human-readable ("voice/garden"); every id in `deps`
    names a step earlier in the graph's order; `views` maps each output name to the
    friendly path (relative to build/) where the current output is linked.
    """

    id: str
    kind: str
    provider: str
    provider_version: int
    model: str | None
    params: Mapping[str, Any]
    deps: tuple[str, ...] = ()
    views: Mapping[str, str] = field(default_factory=dict)
    scene: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    paid: bool = False
    cpu: str = "one"  # scheduling only, never in the key: "none" | "one" | "all" (see ProviderInfo)
    # Files outside the build that the action reads (name -> absolute path). Never in
    # the key: each one's content digest is in `params`, so moving the project is free.
    sources: Mapping[str, str] = field(default_factory=dict)


def build_graph(project: Project) -> list[Step]:
    """All steps of `project` in dependency order (every dep before its dependents)."""
    steps: list[Step] = []
    sheets = _uses_character_sheets(project)
    if sheets:
        steps += [_character_step(project, character.id) for character in project.characters]
    for scene in project.scenes:
        steps.append(_image_step(project, scene, sheets))
        steps.append(_voice_step(project, scene))
        steps.append(_clip_step(project, scene))
    steps.append(_video_step(project))
    return steps


def _uses_character_sheets(project: Project) -> bool:
    choice = project.providers.image
    return providers.info("image", choice.name).uses_references and choice.options.get("references", True) is not False


def _provider_fields(kind: str, choice: ProviderChoice) -> dict[str, Any]:
    entry = providers.info(kind, choice.name)
    options = {k: v for k, v in sorted(choice.options.items()) if k not in OPERATIONAL_OPTIONS}
    return {
        "provider": entry.name,
        "provider_version": entry.version,
        "model": entry.model_for(choice),
        "options": options,
        "paid": entry.paid,
        "cpu": entry.cpu,
    }


def _character_info(project: Project, character_id: str) -> CharacterInfo:
    character = project.character(character_id)
    return CharacterInfo(id=character.id, name=character.name, description=character.description)


def _character_step(project: Project, character_id: str) -> Step:
    video = project.video
    request = CharacterSheetRequest(
        character=_character_info(project, character_id),
        style=project.style,
        width=video.width,
        height=video.height,
        aspect_ratio=video.aspect_ratio,
    )
    return Step(
        id=f"character/{character_id}",
        kind="character",
        params=request.params(),
        views={"sheet.png": f"characters/{character_id}.png"},
        **_provider_fields("image", project.providers.image),
    )


def _image_step(project: Project, scene: Scene, sheets: bool) -> Step:
    video = project.video
    request = SceneImageRequest(
        scene_id=scene.id,
        title=scene.display_title,
        prompt=scene.image,
        style=project.style,
        characters=tuple(_character_info(project, c) for c in scene.characters),
        width=video.width,
        height=video.height,
        aspect_ratio=video.aspect_ratio,
        seed=scene.seed,
        take=scene.take,
    )
    deps = tuple(f"character/{c}" for c in scene.characters) if sheets else ()
    return Step(
        id=f"image/{scene.id}",
        kind="image",
        params=request.params(),
        deps=deps,
        views={"image.png": f"scenes/{scene.id}/image.png"},
        scene=scene.id,
        **_provider_fields("image", project.providers.image),
    )


def _voice_for(project: Project, scene: Scene) -> str | None:
    """The speaking character's voice, else the project's voice, else the provider default."""
    if scene.speaker and project.character(scene.speaker).voice:
        return project.character(scene.speaker).voice
    return project.providers.voice.options.get("voice")


def _voice_step(project: Project, scene: Scene) -> Step:
    choice = project.providers.voice
    request = NarrationRequest(
        scene_id=scene.id,
        text=scene.narration,
        voice=_voice_for(project, scene),
        direction=choice.options.get("direction"),
    )
    return Step(
        id=f"voice/{scene.id}",
        kind="voice",
        params=request.params(),
        views={"voice.wav": f"scenes/{scene.id}/voice.wav"},
        scene=scene.id,
        **_provider_fields("voice", choice),
    )


def _clip_step(project: Project, scene: Scene) -> Step:
    video = project.video
    params = {
        "width": video.width,
        "height": video.height,
        "fps": video.fps,
        "caption": scene.narration if video.captions else None,
        "motion": video.motion,
        "motion_strength": video.motion_strength,
        # The pan direction follows the scene, and a new take gets a new camera move.
        "motion_seed": f"{scene.id}:{scene.seed}:{scene.take}",
        "duration_floor": scene.duration,
    }
    return Step(
        id=f"clip/{scene.id}",
        kind="clip",
        provider=COMPOSER,
        provider_version=RECIPE_VERSIONS["clip"],
        model=None,
        params=params,
        deps=(f"image/{scene.id}", f"voice/{scene.id}"),
        views={"clip.mp4": f"scenes/{scene.id}/clip.mp4"},
        scene=scene.id,
    )


def _video_step(project: Project) -> Step:
    video = project.video
    params = {
        "fps": video.fps,
        "sample_rate": video.sample_rate,
        "scenes": [
            {"id": s.id, "narration": s.narration, "duration_floor": s.duration} for s in project.scenes
        ],
    }
    deps = tuple(f"clip/{s.id}" for s in project.scenes) + tuple(f"voice/{s.id}" for s in project.scenes)
    music = project.music
    params["music"] = {"digest": music.digest, "volume": music.volume} if music else None
    slug = project.slug
    return Step(
        id="video",
        kind="video",
        provider=COMPOSER,
        provider_version=RECIPE_VERSIONS["video"],
        model=None,
        params=params,
        deps=deps,
        views={"video.mp4": f"{slug}.mp4", "captions.srt": f"{slug}.srt", "captions.vtt": f"{slug}.vtt"},
        sources={"music": str(music.file)} if music else {},
    )
