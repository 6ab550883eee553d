"""GeminiImages: character reference sheets and scene pictures from a Gemini image model.

Scenes are drawn with the characters' reference sheets attached as image parts, each
labelled with the character's name, so the model keeps characters consistent across
scenes. Whatever image format comes back is stored as PNG.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any, Mapping

from storybuild.model import ProviderChoice
from storybuild.providers.base import CharacterSheetRequest, SceneImageRequest
from storybuild.providers.gemini import response as responses
from storybuild.providers.gemini.client import GeminiSession
from storybuild.atomic import write_atomic

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class GeminiImages:
    """Draws with a Gemini image model through generate_content.

    Invariant: every file written is a PNG that Pillow decodes; a blocked or empty
    answer raises ProviderError naming the scene (or character) and the reason, and
    is never retried (the same prompt would be blocked again).
    """

    def __init__(self, choice: ProviderChoice):
        self._session = GeminiSession("image", choice)

    def draw_character_sheet(self, request: CharacterSheetRequest, out: Path) -> None:
        from google.genai import types

        contents = [types.Part.from_text(text=sheet_prompt(request))]
        response = self._session.generate(contents, _config(request.aspect_ratio, None))
        self._save(response, out, f"character {request.character.id}")

    def draw_scene(self, request: SceneImageRequest, references: Mapping[str, Path], out: Path) -> None:
        from google.genai import types

        shown = [c for c in request.characters if c.id in references]
        contents: list[Any] = [types.Part.from_text(text=scene_prompt(request, [c.name for c in shown]))]
        for character in shown:
            contents.append(types.Part.from_text(text=f"Reference image of {character.name}:"))
            contents.append(types.Part.from_bytes(data=Path(references[character.id]).read_bytes(),
                                                  mime_type="image/png"))
        response = self._session.generate(contents, _config(request.aspect_ratio, request.seed))
        self._save(response, out, f"scene {request.scene_id}")

    def _save(self, response: Any, out: Path, subject: str) -> None:
        image = responses.inline_data(response, "image/")
        if image is None:
            raise self._session.error(f"{subject}: no image returned: {responses.why_missing(response)}")
        try:
            write_atomic(out, as_png(image.data))
        except ValueError as exc:
            raise self._session.error(f"{subject}: the returned {image.mime_type} image is unreadable: {exc}") from exc


def _config(aspect_ratio: str, seed: int | None) -> Any:
    from google.genai import types

    return types.GenerateContentConfig(
        response_modalities=["IMAGE"],
        image_config=types.ImageConfig(aspect_ratio=aspect_ratio),
        seed=seed,
    )


def sheet_prompt(request: CharacterSheetRequest) -> str:
    character = request.character
    return (
        f"Character reference sheet of {character.name}: {character.description}.\n"
        "Full body, front view, standing, centred, the whole character visible, "
        "plain white background, no other characters, no text or labels.\n"
        f"Art style: {request.style}"
    )


def scene_prompt(request: SceneImageRequest, referenced: list[str]) -> str:
    """The text part of a scene request: style, picture, characters, and which
    reference image shows whom. The take number is only mentioned when set, so that a
    new take asks for a new variation while take-less prompts stay unchanged."""
    lines = [
        f"Art style: {request.style}",
        f"Illustration for the scene \"{request.title}\": {request.prompt}",
    ]
    if request.characters:
        lines.append("Characters in this scene: " + "; ".join(
            f"{c.name} ({c.description})" for c in request.characters))
    if referenced:
        lines.append("The reference images that follow show " + ", ".join(referenced)
                     + ", one each, labelled by name. Draw each character exactly as in their reference "
                       "(same colours, markings, proportions and clothing), in the scene's pose and setting.")
    if request.take is not None:
        lines.append(f"This is take {request.take}: draw a fresh variation of the scene.")
    lines.append("No text, letters or captions in the picture.")
    return "\n".join(lines)


def as_png(data: bytes) -> bytes:
    """`data` as PNG bytes: PNGs are checked and kept byte for byte, JPEG/WebP/other
    formats Pillow reads are converted. Raises ValueError if Pillow cannot decode it."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            if data.startswith(PNG_SIGNATURE):
                image.verify()
                return data
            image.load()
            converted = image if image.mode in ("RGB", "RGBA", "L", "LA", "P") else image.convert("RGBA")
            buffer = io.BytesIO()
            converted.save(buffer, format="PNG")
            return buffer.getvalue()
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise ValueError(str(exc) or type(exc).__name__) from None
