"""The offline image provider: each scene drawn as a simple picture-book picture.

The scenery fills the frame and follows the scene's setting (time of day, weather,
indoors/outdoors, carried between scenes by the planner) and the prompt's words; the
characters present stand on the ground as simple figures in their own colours. No text
is drawn unless the provider option `annotate: true` asks for a small card with the
title and prompt. Everything that matters (faces, text) stays inside `safe_box`, the
part of the frame that every Ken Burns move keeps in view, and above the calm band at
the bottom where captions are burned.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

from PIL import Image, ImageDraw

from storybuild.atomic import write_atomic
from storybuild.keys import digest_value
from storybuild.model import ProviderChoice
from storybuild.providers.base import CharacterInfo, CharacterSheetRequest, SceneImageRequest
from storybuild.providers.offline import drawing as d
from storybuild.providers.offline.figures import draw_figure
from storybuild.providers.offline.looks import look_of
from storybuild.providers.offline.props import light
from storybuild.providers.offline.scenery import (Scenery, calm_top, finish, gradient, plan_scenery,
                                                  render_background)
from storybuild.providers.offline.setting import Setting, carried_settings, words_of

SUPERSAMPLE = 2  # drawn at twice the size and reduced: smooth edges without per-shape antialiasing
SAFE_MARGIN = 0.015  # extra room inside the Ken Burns safe box, as a fraction of the frame
PANEL_FILL = (255, 255, 255, 226)
INK = (40, 44, 62)
MUTED = (96, 100, 118)
Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class Picture:
    """A drawn scene and where its important parts are, in output pixels: each
    character's bounding box by id, and the box of every piece of text."""

    image: Image.Image
    scenery: Scenery
    figures: tuple[tuple[str, Box], ...]
    texts: tuple[Box, ...]


class StoryboardRenderer:
    """Draws storyboard pictures. Invariant: the PNG is a pure function of the request
    and the `annotate` option (same request -> identical bytes); `seed`/`take` change
    the variation drawn."""

    def __init__(self, choice: ProviderChoice):
        self.choice = choice
        self.annotate = choice.options.get("annotate", False) is True

    def draw_scene(self, request: SceneImageRequest, references: Mapping[str, Path], out: Path) -> None:
        """Write the scene picture to `out`; references are not needed by a storyboard."""
        _save_png(compose_scene(request, self.annotate).image, out)

    def draw_character_sheet(self, request: CharacterSheetRequest, out: Path) -> None:
        """Write a reference sheet: the character's figure big, with name and description."""
        _save_png(_character_sheet(request), out)


def safe_box(width: int, height: int) -> Box:
    """The part of a width x height frame that stays visible during every Ken Burns move
    (motion.KenBurns: zoom up to ZOOM, pan up to PAN of the way to an edge), inset by
    SAFE_MARGIN. At the largest zoom the view's corner sits at (1 + dx) / 2 * (1 - 1/ZOOM)
    of the frame, so that fraction (dx = PAN) is lost on each side."""
    from storybuild.motion import PAN, ZOOM

    edge = (1 + PAN) / 2 * (1 - 1 / ZOOM) + SAFE_MARGIN
    return (width * edge, height * edge, width * (1 - edge), height * (1 - edge))


def scene_setting(request: SceneImageRequest) -> Setting:
    """The request's carried setting, else the one its own prompt and style describe."""
    if request.setting:
        return Setting.from_dict(request.setting)
    return carried_settings([request.prompt], request.style)[0]


def compose_scene(request: SceneImageRequest, annotate: bool = False) -> Picture:
    """Draw the scene at SUPERSAMPLE times the size, then reduce it to the request's size."""
    rng = random.Random(digest_value({"scene": request.params()}))
    s = SUPERSAMPLE
    width, height = request.width * s, request.height * s
    words = set(words_of(request.prompt, request.title))
    scenery = plan_scenery(words, scene_setting(request), request.style, rng, width, height)
    image = render_background(width, height, scenery, rng)
    safe = safe_box(width, height)
    figures = _place_figures(image, request.characters, scenery, safe, rng)
    image = finish(image, scenery, rng)
    texts = [_caption_card(image, request, safe)] if annotate else []
    scale = lambda box: tuple(v / s for v in box)  # noqa: E731
    return Picture(image.reduce(s), scenery, tuple((cid, scale(box)) for cid, box in figures),
                   tuple(scale(box) for box in texts))


def _slots(count: int, tall: bool) -> list[tuple[int, int]]:
    """(row, position in row) for each character: one row, or two on tall frames with
    three or more characters (row 1 stands further back)."""
    if not tall or count < 3:
        return [(0, i) for i in range(count)]
    front = -(-count // 2)
    return [(0, i) if i < front else (1, i - front) for i in range(count)]


def _place_figures(image: Image.Image, characters: Sequence[CharacterInfo], scenery: Scenery, safe: Box,
                   rng: random.Random) -> list[tuple[str, Box]]:
    """Draw each character on the ground, evenly spread inside the safe box and as big
    as the frame allows; returns their bounding boxes (drawn pixels) in cast order.
    On tall frames flying characters hover above the others instead of taking a place
    in the row."""
    width, height = image.size
    tall = height > width * 1.2
    looks = [look_of(c.id, c.description, c.name) for c in characters]
    walkers = [i for i, look in enumerate(looks) if not (tall and look.flying)]
    fliers = [i for i in range(len(looks)) if i not in walkers]
    slots = dict(zip(walkers, _slots(len(walkers), tall)))
    base = calm_top(height, scenery) - height * 0.045
    spots: list[tuple[int, float, float, float]] = []  # (index, x, feet y, height)
    for i in sorted(walkers, key=lambda i: -slots[i][0]):  # back row first
        row, pos = slots[i]
        span = (safe[2] - safe[0]) / sum(1 for r, _ in slots.values() if r == row)
        h = min(height * (0.34 if tall else 0.44), span * 1.25) * (0.82 if row else 1.0)
        x = safe[0] + span * (pos + 0.5) + rng.uniform(-0.06, 0.06) * span
        y = base - row * height * 0.15
        if looks[i].flying:
            h, y = h * 0.6, y - h * 0.45
        spots.append((i, x, y, h))
    for k, i in enumerate(fliers):
        x = safe[0] + (safe[2] - safe[0]) * (k + 1) / (len(fliers) + 1) + rng.uniform(-0.05, 0.05) * width
        spots.append((i, x, base - height * 0.3, height * 0.2))
    boxes = {i: _paste_figure(image, looks[i], scenery, x, y, h, safe) for i, x, y, h in spots}
    return [(characters[i].id, boxes[i]) for i in range(len(characters))]


def _paste_figure(image: Image.Image, look, scenery: Scenery, x: float, y: float, h: float, safe: Box) -> Box:
    """Draw one figure with its feet at (x, y), moved sideways (and shrunk if need be)
    so that its drawn pixels stay inside `safe`; returns its bounding box."""
    centre = (safe[0] + safe[2]) / 2
    side = -1 if x < centre else 1
    canvas, (bx, by) = draw_figure(look, h, side, gaze=0.7 if x < centre else -0.7)
    left, top, right, bottom = canvas.getbbox() or (bx, by, bx + 1, by + 1)
    room = safe[2] - safe[0]
    if right - left > room or y - (by - top) < safe[1]:
        factor = min(room / (right - left), (y - safe[1]) / (by - top)) * 0.98
        canvas = canvas.resize((max(1, round(canvas.width * factor)), max(1, round(canvas.height * factor))),
                               Image.Resampling.LANCZOS)
        bx, by = round(bx * factor), round(by * factor)
        left, top, right, bottom = canvas.getbbox() or (bx, by, bx + 1, by + 1)
    ox = round(x) - bx
    ox += max(0, round(safe[0]) + 1 - (ox + left)) - max(0, ox + right - (int(safe[2]) - 1))
    oy = round(y) - by
    if not look.flying:  # a soft shadow on the ground
        ImageDraw.Draw(image, "RGBA").ellipse((ox + left, y - h * 0.035, ox + right, y + h * 0.035),
                                              fill=(20, 30, 40, 60))
    tint, strength = light(scenery.setting)
    rgb = canvas.convert("RGB")
    if strength:  # characters catch a little less of the night than the scenery: they stay readable
        rgb = Image.blend(rgb, Image.new("RGB", canvas.size, tint), strength * 0.75)
    image.paste(rgb, (ox, oy), canvas.getchannel("A"))
    return (ox + left, oy + top, ox + right, oy + bottom)


def _caption_card(image: Image.Image, request: SceneImageRequest, safe: Box) -> Box:
    """The `annotate` card: the title, the prompt (at most three lines) and the style, in
    a panel at the top left of the safe box; returns the panel's box."""
    width, height = image.size
    u = min(width, height) / 720
    pad = round(16 * u)
    panel_w = (safe[2] - safe[0]) * (1.0 if height > width else 0.55)
    inner = panel_w - 2 * pad
    title_face, body_face, small = d.font(round(30 * u)), d.font(round(20 * u)), d.font(round(15 * u))
    title = [d.ellipsize(request.title, title_face, inner)]
    lines = d.wrap(request.prompt, body_face, inner, 3)
    style = [d.ellipsize(f"style: {request.style}", small, inner)]
    panel_h = 2 * pad + d.line_height(title_face) + len(lines) * d.line_height(body_face) + d.line_height(small)
    box = (safe[0], safe[1], safe[0] + panel_w, safe[1] + panel_h)
    draw = ImageDraw.Draw(image, "RGBA")
    draw.rounded_rectangle(box, radius=14 * u, fill=PANEL_FILL)
    y = d.draw_lines(draw, (box[0] + pad, box[1] + pad), title, title_face, INK, bold=True)
    y = d.draw_lines(draw, (box[0] + pad, y), lines, body_face, INK)
    d.draw_lines(draw, (box[0] + pad, y), style, small, MUTED)
    return box


def _character_sheet(request: CharacterSheetRequest) -> Image.Image:
    """The figure big on the left (top on tall frames), name and description beside it."""
    character = request.character
    s = SUPERSAMPLE
    width, height = request.width * s, request.height * s
    hue = d.character_hue(character.id, character.name)
    image = gradient(width, height, (d.hls(hue, 0.93, 0.45), d.hls(hue + 20, 0.82, 0.4)))
    safe = safe_box(width, height)
    look = look_of(character.id, character.description, character.name)
    tall = height > width
    figure_box = (safe[0], safe[1], safe[2] if tall else width * 0.5, height * 0.55 if tall else safe[3])
    h = min(figure_box[2] - figure_box[0], figure_box[3] - figure_box[1]) * 0.9
    if look.flying:
        h *= 1.6
    _paste_figure(image, look, _daylight(), (figure_box[0] + figure_box[2]) / 2, figure_box[3], h,
                  figure_box)
    text_box = (safe[0], height * 0.58, safe[2], safe[3]) if tall else (width * 0.52, safe[1], safe[2], safe[3])
    u = min(width, height) / 720
    pad = round(20 * u)
    draw = ImageDraw.Draw(image, "RGBA")
    draw.rounded_rectangle(text_box, radius=16 * u, fill=PANEL_FILL)
    inner = text_box[2] - text_box[0] - 2 * pad
    name_face, small = d.font(round(40 * u)), d.font(round(15 * u))
    y = d.draw_lines(draw, (text_box[0] + pad, text_box[1] + pad), [d.ellipsize(character.name, name_face, inner)],
                     name_face, INK, bold=True)
    room = text_box[3] - pad - y - d.line_height(small)
    face, lines = d.fit_paragraph(character.description, inner, room, round(26 * u), round(16 * u))
    d.draw_lines(draw, (text_box[0] + pad, y), lines, face, INK)
    d.draw_lines(draw, (text_box[0] + pad, text_box[3] - pad - d.line_height(small)),
                 [d.ellipsize(f"style: {request.style}", small, inner)], small, MUTED)
    return image.reduce(s)


def _daylight() -> Scenery:
    from storybuild.providers.offline.scenery import Palette

    return Scenery(Setting(), Palette(((255, 255, 255),), (255, 255, 255), (255, 255, 255)), 0.6, 0.22, ())


def _save_png(image: Image.Image, out: Path) -> None:
    """Atomic write: a reader never sees half a PNG. compress_level 1 because frames
    are re-encoded to video anyway and level 6 costs ~5x the time."""
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="PNG", compress_level=1)
    write_atomic(Path(out), buffer.getvalue())
