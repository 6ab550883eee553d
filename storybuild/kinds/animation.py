"""animation/<scene>: the scene's picture made into a moving clip by the animation
provider (Veo), for scenes with `animate: true` (or `video.animate: true`).

Its key is the picture (the image step's output), the prompt, the model, the aspect
ratio and the clip length: never the narration, so editing a line never pays for a
new video, while a new picture or prompt does. The clip step then fits the video to
the narration's length.
"""

from __future__ import annotations

from pathlib import Path

from storybuild.kinds.common import provider_fields
from storybuild.model import Project, Scene
from storybuild.providers.base import AnimationRequest
from storybuild.step import Inputs, Step, StepKind

DEFAULT_SECONDS = 8


def animates(project: Project, scene: Scene) -> bool:
    """Whether the scene gets an animation step: it asks, and a provider is chosen."""
    return scene.animate and project.providers.animation is not None


def aspect_ratio(width: int, height: int) -> str:
    """The Veo shape closest to the frame (Veo makes 16:9 and 9:16; the clip crops)."""
    return "9:16" if height > width else "16:9"


def step(project: Project, scene: Scene) -> Step:
    choice = project.providers.animation
    assert choice is not None, "only an animated scene (see animates) has an animation step"
    seconds = int(choice.options.get("seconds", DEFAULT_SECONDS))
    prompt = f"{scene.image}. Gentle, slow movement; keep the art style: {project.style}"
    request = AnimationRequest(scene.id, prompt, aspect_ratio(project.video.width, project.video.height), seconds)
    return Step(
        id=f"animation/{scene.id}",
        kind="animation",
        params=request.params(),
        deps=(f"image/{scene.id}",),
        views={"animation.mp4": f"scenes/{scene.id}/animation.mp4"},
        scene=scene.id,
        **provider_fields("animation", choice),  # without `fit`: that is the clip's business
    )


def run(step: Step, inputs: Inputs, workdir: Path, pool) -> dict[str, Path]:
    out = workdir / "animation.mp4"
    picture = inputs[f"image/{step.scene}"]["image.png"]
    pool.get("animation").animate(AnimationRequest(**step.params), picture, out)
    return {"animation.mp4": out}


# A Veo operation takes about a minute: started first, it ends before the composition does.
KIND = StepKind("animation", recipe=1, run=run, provider_kind="animation", views=("scenes/*/animation.mp4",),
                seconds=60.0)
