"""The offline image provider: legible storyboard frames drawn with Pillow.

A frame shows a soft scenery background (see scenery.py), a header band with the scene
number and title, the image prompt in a panel and one card per character present.
The bottom 22% stays calm because captions are burned there later.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

from PIL import Image, ImageDraw, ImageFilter

from storybuild.keys import digest_value
from storybuild.atomic import write_atomic
from storybuild.model import ProviderChoice
from storybuild.providers.base import CharacterInfo, CharacterSheetRequest, SceneImageRequest
from storybuild.providers.offline import drawing as d
from storybuild.providers.offline.scenery import CALM_FRACTION, Palette, plan_scenery, render_scenery, vertical_gradient, words_of

PANEL_FILL = (255, 255, 255, 226)
MUTED = (96, 100, 118)
Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class _Frame:
    """Geometry shared by the pieces of one frame: `u` is the font/spacing unit
    (1.0 at 720 px on the short side), `calm_top` the first row of the caption band."""

    width: int
    height: int
    u: float
    margin: int
    calm_top: int


class StoryboardRenderer:
    """Draws storyboard frames. Invariant: the PNG is a pure function of the request
    (same request -> identical bytes); `seed`/`take` change the variation drawn.
    The header shows the scene id, not a number: requests carry no index so that
    reordering scenes does not redraw them."""

    def __init__(self, choice: ProviderChoice):
        self.choice = choice

    def draw_scene(self, request: SceneImageRequest, references: Mapping[str, Path], out: Path) -> None:
        """Write the scene frame to `out`; references are not needed by a storyboard."""
        rng = random.Random(digest_value({"scene": request.params()}))
        frame = _frame(request.width, request.height)
        panel_area, cards = _layout(frame, len(request.characters), rng)
        prompt = _fit_prompt(frame, panel_area, request.prompt, request.style)
        words = words_of(request.prompt, request.title)
        scenery = plan_scenery(words, request.style, rng, _free_area(frame, prompt.box, cards))
        image = render_scenery(request.width, request.height, scenery, rng)
        _shadows(image, [prompt.box, *cards], frame.u, frame.calm_top)
        draw = ImageDraw.Draw(image)
        _header(draw, frame, scenery.palette, request.scene_id, request.title)
        _prompt_panel(draw, frame, prompt, scenery.palette)
        _character_cards(draw, frame, cards, request.characters)
        _save_png(image.convert("RGB"), out)

    def draw_character_sheet(self, request: CharacterSheetRequest, out: Path) -> None:
        """Write a reference sheet: the character's badge big, with name and description."""
        character = request.character
        frame = _frame(request.width, request.height)
        hue = d.character_hue(character.id, character.name)
        top, bottom = d.hls(hue, 0.93, 0.45), d.hls(hue + 20, 0.82, 0.4)
        image = vertical_gradient(frame.width, frame.height, top, bottom).convert("RGBA")
        palette = Palette(top, bottom, top, bottom, hue, False, (40, 44, 62))
        badge, text_box, poses = _sheet_layout(frame)
        _shadows(image, [text_box, *poses], frame.u, frame.calm_top)
        draw = ImageDraw.Draw(image)
        _header(draw, frame, palette, "CHARACTER", character.name)
        _badge(draw, badge, hue, character.name, ring=True)
        _sheet_text(draw, frame, text_box, character, request.style)
        for box, label in zip(poses, ("front", "side", "back")):
            _pose_tile(draw, frame, box, hue, character.name, label)
        _save_png(image.convert("RGB"), out)


def _frame(width: int, height: int) -> _Frame:
    u = min(width, height) / 720
    return _Frame(width, height, u, max(8, round(24 * u)), round(height * (1 - CALM_FRACTION)))


def _header_height(frame: _Frame) -> int:
    return round(64 * frame.u)


def _layout(frame: _Frame, n_characters: int, rng: random.Random) -> tuple[Box, list[Box]]:
    """The prompt panel's largest box (anchored at the top) and the character cards'
    boxes (anchored just above the caption band), leaving the middle to the scenery.
    On wide frames the panel takes one side, which one depends on the take."""
    m, u = frame.margin, frame.u
    x0, y0 = m, _header_height(frame) + m
    x1, y1 = frame.width - m, frame.calm_top - m  # room for the cards' shadows above the calm band
    gap = round(14 * u)
    wide = (x1 - x0) > 1.5 * (y1 - y0)
    columns = min(n_characters, 3) if wide else (1 if n_characters <= 2 else 2)
    cards = _card_grid((x0, y0, x1, y1), n_characters, max(1, columns), gap, u)
    panel_bottom = (min(box[1] for box in cards) - gap) if cards else y1
    if not wide:
        return (x0, y0, x1, panel_bottom), _center(cards, x0, x1)
    panel_w = (x1 - x0) * 0.58
    if rng.random() < 0.5:
        return (x0, y0, x0 + panel_w, panel_bottom), cards
    return (x1 - panel_w, y0, x1, panel_bottom), _mirror(cards, x0, x1)


def _free_area(frame: _Frame, panel: Box, cards: Sequence[Box]) -> Box:
    """The sky the panels leave visible: beside the prompt on wide frames, between the
    prompt and the cards on tall ones."""
    top = _header_height(frame)
    if panel[2] - panel[0] < frame.width * 0.8:
        if panel[0] + panel[2] > frame.width:  # the panel's center is right of the middle
            return (0, top, panel[0], frame.calm_top)
        return (panel[2], top, frame.width, frame.calm_top)
    return (0, panel[3], frame.width, min([box[1] for box in cards] + [frame.calm_top]))


def _center(boxes: list[Box], left: float, right: float) -> list[Box]:
    """Center a grid of boxes horizontally between left and right."""
    if not boxes:
        return boxes
    shift = (right - max(box[2] for box in boxes) - (min(box[0] for box in boxes) - left)) / 2
    return [(x0 + shift, y0, x1 + shift, y1) for x0, y0, x1, y1 in boxes]


def _mirror(boxes: list[Box], left: float, right: float) -> list[Box]:
    """Right-align a row of boxes that was laid out from the left."""
    if not boxes:
        return boxes
    shift = right - max(box[2] for box in boxes) - (min(box[0] for box in boxes) - left)
    return [(x0 + shift, y0, x1 + shift, y1) for x0, y0, x1, y1 in boxes]


def _card_grid(area: Box, count: int, columns: int, gap: int, u: float) -> list[Box]:
    """Card boxes in rows at the bottom of `area`, at most half its height; when not
    all cards fit legibly the grid holds as many as fit (the last says "+N more")."""
    if count == 0:
        return []
    x0, y0, x1, y1 = area
    rows = -(-count // columns)
    room = (y1 - y0) * 0.5
    card_h = min(100 * u, (room - gap * (rows - 1)) / rows)
    if card_h < 56 * u:
        card_h = 56 * u
        rows = max(1, int((room + gap) // (card_h + gap)))
    card_w = min(400 * u, (x1 - x0 - gap * (columns - 1)) / columns)
    boxes = []
    shown = min(count, rows * columns)
    used_rows = -(-shown // columns)
    for i in range(shown):
        row, col = divmod(i, columns)
        left = x0 + col * (card_w + gap)
        top = y1 - (used_rows - row) * card_h - (used_rows - row - 1) * gap
        boxes.append((left, top, left + card_w, top + card_h))
    return boxes


def _shadows(image: Image.Image, boxes: Sequence[Box], u: float, calm_top: int) -> None:
    """Soft drop shadows under panels, blurred at quarter size (full-size blur costs 30 ms),
    cut off above the calm caption band."""
    scale = 4
    small = Image.new("RGBA", (image.width // scale + 1, image.height // scale + 1), (0, 0, 0, 0))
    draw = ImageDraw.Draw(small)
    offset = 3 * u
    for x0, y0, x1, y1 in boxes:
        draw.rounded_rectangle(((x0) / scale, (y0 + offset) / scale, (x1) / scale, (y1 + offset) / scale),
                               radius=16 * u / scale, fill=(20, 24, 40, 70))
    small = small.filter(ImageFilter.GaussianBlur(1.8 * u))
    bbox = small.getbbox()  # upscale only the part that has shadows
    if bbox is None:
        return
    part = small.crop(bbox).resize(((bbox[2] - bbox[0]) * scale, (bbox[3] - bbox[1]) * scale),
                                   Image.Resampling.BILINEAR)
    layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
    layer.paste(part, (bbox[0] * scale, bbox[1] * scale))
    layer.paste((0, 0, 0, 0), (0, calm_top, image.width, image.height))
    image.alpha_composite(layer)


def _header(draw: ImageDraw.ImageDraw, frame: _Frame, palette: Palette, label: str, title: str) -> None:
    u, m = frame.u, frame.margin
    band = _header_height(frame)
    draw.rectangle((0, 0, frame.width, band), fill=(*palette.ink, 215))
    pill_face = d.font(round(20 * u))
    pad = round(12 * u)
    pill_w = d.text_width(label, pill_face) + 2 * pad
    pill_h = round(34 * u)
    top = (band - pill_h) / 2
    draw.rounded_rectangle((m, top, m + pill_w, top + pill_h), radius=pill_h / 2,
                           fill=d.hls(palette.accent_hue, 0.5, 0.65))
    d.text(draw, (m + pad, band / 2), label, pill_face, (255, 255, 255), anchor="lm",
           stroke_width=1 if pill_face.size >= 18 else 0, stroke_fill=(255, 255, 255))
    title_face = d.font(round(32 * u))
    left = m + pill_w + pad * 1.5
    text = d.ellipsize(title, title_face, frame.width - left - m)
    d.text(draw, (left, band / 2), text, title_face, (255, 255, 255), anchor="lm")


@dataclass(frozen=True)
class _PromptText:
    """The prompt panel after fitting: its final box and the wrapped text."""

    box: Box
    face: object
    lines: tuple[str, ...]
    style_line: str


def _fit_prompt(frame: _Frame, area: Box, prompt: str, style: str) -> _PromptText:
    """Wrap the prompt at the largest size that fits `area`; the panel shrinks to its text."""
    u = frame.u
    x0, y0, x1, y1 = area
    pad = round(18 * u)
    small = d.font(round(15 * u))
    inner_w = x1 - x0 - 2 * pad
    room = y1 - y0 - 2 * pad - 2 * d.line_height(small) - round(10 * u)
    face, lines = d.fit_paragraph(prompt, inner_w, room, round(29 * u), round(17 * u))
    used = 2 * d.line_height(small) + round(10 * u) + len(lines) * d.line_height(face)
    style_line = d.ellipsize(f"style: {style}", small, inner_w)
    return _PromptText((x0, y0, x1, y0 + used + 2 * pad), face, tuple(lines), style_line)


def _prompt_panel(draw: ImageDraw.ImageDraw, frame: _Frame, text: _PromptText, palette: Palette) -> None:
    u = frame.u
    x0, y0, x1, y1 = text.box
    pad = round(18 * u)
    small = d.font(round(15 * u))
    draw.rounded_rectangle(text.box, radius=16 * u, fill=PANEL_FILL)
    y = d.draw_lines(draw, (x0 + pad, y0 + pad), ["IMAGE"], small, d.hls(palette.accent_hue, 0.42, 0.7), bold=True)
    y = d.draw_lines(draw, (x0 + pad, y + round(6 * u)), text.lines, text.face, palette.ink)
    d.draw_lines(draw, (x0 + pad, y + round(4 * u)), [text.style_line], small, MUTED)


def _character_cards(draw: ImageDraw.ImageDraw, frame: _Frame, boxes: Sequence[Box],
                     characters: Sequence[CharacterInfo]) -> None:
    hidden = len(characters) - len(boxes)
    for i, (box, character) in enumerate(zip(boxes, characters)):
        more = hidden + 1 if hidden > 0 and i == len(boxes) - 1 else 0
        _card(draw, frame, box, character, more)


def _card(draw: ImageDraw.ImageDraw, frame: _Frame, box: Box, character: CharacterInfo, more: int) -> None:
    """A badge with the initial, the name and the start of the description.
    `more` > 0 turns the last card into "+N more" when not all characters fit."""
    u = frame.u
    x0, y0, x1, y1 = box
    draw.rounded_rectangle(box, radius=14 * u, fill=PANEL_FILL)
    pad = round(10 * u)
    size = y1 - y0 - 2 * pad
    hue = d.character_hue(character.id, character.name)
    _badge(draw, (x0 + pad, y0 + pad, x0 + pad + size, y0 + pad + size), hue, character.name)
    left = x0 + 2 * pad + size
    inner_w = x1 - left - pad
    name_face = d.font(round(min(24 * u, size * 0.36)))
    name = character.name if not more else f"+{more} more"
    y = d.draw_lines(draw, (left, y0 + pad), [d.ellipsize(name, name_face, inner_w)], name_face,
                     (40, 44, 62), bold=True)
    desc_face = d.font(round(min(17 * u, size * 0.26)))
    lines = int((y1 - pad - y) // d.line_height(desc_face))
    if lines > 0 and not more:
        d.draw_lines(draw, (left, y), d.wrap(character.description, desc_face, inner_w, lines), desc_face, MUTED)


def _badge(draw: ImageDraw.ImageDraw, box: Box, hue: float, name: str, ring: bool = False) -> None:
    x0, y0, x1, y1 = box
    size = x1 - x0
    if ring:
        pad = size * 0.04
        draw.ellipse((x0 - pad, y0 - pad, x1 + pad, y1 + pad), fill=(255, 255, 255))
    draw.ellipse(box, fill=d.hls(hue, 0.55, 0.6))
    draw.ellipse((x0 + size * 0.08, y0 + size * 0.08, x1 - size * 0.08, y1 - size * 0.08),
                 outline=d.hls(hue, 0.7, 0.6), width=max(1, round(size * 0.025)))
    face = d.font(round(size * 0.52))
    d.text(draw, ((x0 + x1) / 2, (y0 + y1) / 2), d.initial(name), face, (255, 255, 255), anchor="mm",
           stroke_width=max(1, round(size * 0.015)), stroke_fill=(255, 255, 255))


def _sheet_layout(frame: _Frame) -> tuple[Box, Box, list[Box]]:
    """Badge, text panel and three pose tiles; side by side on wide frames, stacked on tall ones."""
    m, u = frame.margin, frame.u
    top, bottom = _header_height(frame) + 2 * m, frame.calm_top - m
    if frame.width >= frame.height * 1.2:
        size = min(bottom - top, frame.width * 0.3)
        badge = (2 * m, top, 2 * m + size, top + size)
        text_box = (badge[2] + 2 * m, top, frame.width - 2 * m, top + (bottom - top) * 0.6)
        tiles_area = (text_box[0], text_box[3] + m, text_box[2], bottom)
    else:
        size = min(frame.width * 0.42, (bottom - top) * 0.4)
        left = (frame.width - size) / 2
        badge = (left, top, left + size, top + size)
        rest = bottom - badge[3] - m
        text_box = (2 * m, badge[3] + m, frame.width - 2 * m, badge[3] + m + rest * 0.58)
        tiles_area = (text_box[0], text_box[3] + m, text_box[2], bottom)
    gap = round(14 * u)
    tile_w = (tiles_area[2] - tiles_area[0] - 2 * gap) / 3
    tile_h = min(tiles_area[3] - tiles_area[1], tile_w)
    tiles = [(tiles_area[0] + i * (tile_w + gap), tiles_area[1], tiles_area[0] + i * (tile_w + gap) + tile_w,
              tiles_area[1] + tile_h) for i in range(3)]
    return badge, text_box, tiles


def _sheet_text(draw: ImageDraw.ImageDraw, frame: _Frame, box: Box, character: CharacterInfo, style: str) -> None:
    u = frame.u
    x0, y0, x1, y1 = box
    draw.rounded_rectangle(box, radius=16 * u, fill=PANEL_FILL)
    pad = round(20 * u)
    name_face = d.font(round(40 * u))
    y = d.draw_lines(draw, (x0 + pad, y0 + pad), [d.ellipsize(character.name, name_face, x1 - x0 - 2 * pad)],
                     name_face, (40, 44, 62), bold=True)
    style_face = d.font(round(15 * u))
    room = y1 - pad - y - d.line_height(style_face)
    face, lines = d.fit_paragraph(character.description, x1 - x0 - 2 * pad, room, round(26 * u), round(16 * u))
    y = d.draw_lines(draw, (x0 + pad, y), lines, face, (40, 44, 62))
    d.draw_lines(draw, (x0 + pad, y1 - pad - d.line_height(style_face)),
                 [d.ellipsize(f"style: {style}", style_face, x1 - x0 - 2 * pad)], style_face, MUTED)


def _pose_tile(draw: ImageDraw.ImageDraw, frame: _Frame, box: Box, hue: float, name: str, label: str) -> None:
    u = frame.u
    x0, y0, x1, y1 = box
    draw.rounded_rectangle(box, radius=12 * u, fill=PANEL_FILL)
    label_face = d.font(round(15 * u))
    label_h = d.line_height(label_face)
    size = min(x1 - x0, y1 - y0 - label_h) * 0.62
    cx, cy = (x0 + x1) / 2, y0 + (y1 - y0 - label_h) / 2
    _badge(draw, (cx - size / 2, cy - size / 2, cx + size / 2, cy + size / 2), hue, name)
    d.text(draw, (cx, y1 - label_h * 0.8), label.upper(), label_face, MUTED, anchor="mm")


def _save_png(image: Image.Image, out: Path) -> None:
    """Atomic write: a reader never sees half a PNG. compress_level 1 because frames
    are re-encoded to video anyway and level 6 costs ~5x the time."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=1)
    write_atomic(Path(out), buffer.getvalue())
