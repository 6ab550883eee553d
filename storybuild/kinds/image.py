"""image/<scene>: the scene's picture, drawn by the image provider from the prompt (with
the character sheets as references when the provider uses them), or the user's own
picture file (`image: {file: art/garden.png}`), keyed by the file's bytes."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

from storybuild.kinds.common import character_info, provider_fields
from storybuild.model import Project, Scene
from storybuild.providers.base import SceneImageRequest
from storybuild.step import Inputs, Step, StepKind

# Image providers that draw the setting carried between scenes (time of day, weather,
# indoors/outdoors); the others get no `setting`, so their keys do not depend on it.
SETTING_PROVIDERS = frozenset({"storyboard"})

OWN_PICTURE = "file"  # the provider name shown for a scene that uses the user's picture
MAX_SIDE = 3840  # larger photos are scaled down once: the clip never needs more


def settings(project: Project) -> Iterator[dict[str, str] | None]:
    """Each scene's carried setting, in the story's order, for providers that draw it
    (else None for each). A scene's value depends on earlier prompts only through the
    setting they leave, so they are made one at a time as the graph asks."""
    from storybuild.providers.offline.setting import iter_carried_settings

    if project.providers.image.name not in SETTING_PROVIDERS:
        yield from (None for _ in project.scenes)
        return
    for setting in iter_carried_settings((scene.image for scene in project.scenes), project.style):
        yield setting.as_dict()


def step(project: Project, scene: Scene, sheets: bool, setting: dict[str, str] | None = None) -> Step:
    if scene.picture is not None:
        return _own_picture_step(scene)
    video = project.video
    request = SceneImageRequest(
        scene_id=scene.id,
        title=scene.display_title,
        prompt=scene.image,
        style=project.style,
        characters=tuple(character_info(project, c) for c in scene.characters),
        width=video.width,
        height=video.height,
        aspect_ratio=video.aspect_ratio,
        seed=scene.seed,
        take=scene.take,
        setting=setting,
    )
    deps = tuple(f"character/{c}" for c in scene.characters) if sheets else ()
    return Step(
        id=f"image/{scene.id}",
        kind="image",
        params=request.params(),
        deps=deps,
        views={"image.png": f"scenes/{scene.id}/image.png"},
        scene=scene.id,
        **provider_fields("image", project.providers.image),
    )


def _own_picture_step(scene: Scene) -> Step:
    return Step(
        id=f"image/{scene.id}",
        kind="image",
        provider=OWN_PICTURE,
        provider_version=1,
        model=None,
        params={"picture": scene.picture_digest},
        views={"image.png": f"scenes/{scene.id}/image.png"},
        scene=scene.id,
        sources={"picture": (str(scene.picture), scene.picture_digest)},
    )


def run(step: Step, inputs: Inputs, workdir: Path, pool) -> dict[str, Path]:
    out = workdir / "image.png"
    if step.provider == OWN_PICTURE:
        _convert_picture(step.source("picture"), out)
        return {"image.png": out}
    references = {dep.split("/", 1)[1]: files["sheet.png"] for dep, files in inputs.items()
                  if dep.startswith("character/")}
    pool.get("image").draw_scene(SceneImageRequest.from_params(step.params), references, out)
    return {"image.png": out}


def _convert_picture(source: Path, out: Path) -> None:
    """The user's picture as an upright RGB PNG (phone photos carry their rotation in
    EXIF), at most MAX_SIDE pixels on its long side."""
    from PIL import Image, ImageOps

    from storybuild.errors import ProviderError

    try:
        with Image.open(source) as picture:
            picture = ImageOps.exif_transpose(picture)
            if picture.mode not in ("RGB", "RGBA"):
                picture = picture.convert("RGBA" if "transparency" in picture.info else "RGB")
            picture.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
            picture.save(out, format="PNG")
    except (OSError, ValueError) as error:
        raise ProviderError(f"cannot read the picture {source.name}: {error}") from None


KIND = StepKind("image", recipe=1, run=run, provider_kind="image", views=("scenes/*/image.png",), seconds=0.25)
