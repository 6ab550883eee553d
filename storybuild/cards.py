"""Drawing the title and end cards: the story's name (or "The End") on a soft
gradient in colours taken from the story's style words, so a watercolour pastel story
and a dark space adventure get cards that match them. Deterministic: the same text
and style always give the same pixels."""

from __future__ import annotations

import colorsys
import hashlib
from pathlib import Path

from storybuild import typeset

RGB = tuple[int, int, int]

# Style words that steer the card's colours: (hue in degrees or None, lightness shift).
_STYLE_HINTS = {
    "pastel": (None, +0.18), "watercolor": (None, +0.12), "watercolour": (None, +0.12), "soft": (None, +0.08),
    "warm": (30, 0.0), "sunny": (45, +0.05), "golden": (42, 0.0), "autumn": (25, -0.05), "cozy": (28, 0.0),
    "cool": (205, 0.0), "ocean": (195, 0.0), "sea": (195, 0.0), "winter": (210, +0.08), "snow": (210, +0.1),
    "forest": (120, -0.08), "garden": (105, 0.0), "spring": (95, +0.08), "jungle": (130, -0.1),
    "night": (235, -0.3), "moon": (235, -0.25), "moonlight": (235, -0.25), "space": (255, -0.35),
    "dark": (None, -0.3), "noir": (None, -0.4), "candy": (330, +0.12), "pink": (330, +0.1),
}


def style_palette(style: str) -> tuple[RGB, RGB, RGB]:
    """(top colour, bottom colour, text colour) for a style description."""
    words = [w.strip(".,;:!?'\"").lower() for w in style.split()]
    hues = [_STYLE_HINTS[w][0] for w in words if w in _STYLE_HINTS and _STYLE_HINTS[w][0] is not None]
    shift = sum(_STYLE_HINTS[w][1] for w in words if w in _STYLE_HINTS)
    seed = int.from_bytes(hashlib.sha256(style.encode("utf-8")).digest()[:2], "big")
    hue = (hues[0] if hues else seed % 360) / 360
    light = min(0.82, max(0.16, 0.55 + shift))
    top = _hls(hue, light, 0.45)
    bottom = _hls((hue + 0.06) % 1, max(0.1, light - 0.18), 0.5)
    text = (255, 255, 255) if light < 0.62 else (48, 36, 40)
    return top, bottom, text


def _hls(hue: float, light: float, saturation: float) -> RGB:
    r, g, b = colorsys.hls_to_rgb(hue, light, saturation)
    return round(r * 255), round(g * 255), round(b * 255)


def draw_card(out: Path, *, title: str, subtitle: str, style: str, width: int, height: int) -> None:
    """Write the card as a PNG of width x height: `title` large and centred, `subtitle`
    smaller under it, both wrapped to fit inside the title-safe area (90% of the frame,
    and clear of the bottom and right edges platforms cover in 9:16)."""
    from PIL import ImageDraw

    top, bottom, ink = style_palette(style)
    card = _gradient(width, height, top, bottom)
    draw = ImageDraw.Draw(card)
    safe_width = width * (0.76 if height > width else 0.84)
    short = min(width, height)
    blocks = [(title, round(short * 0.11)), (subtitle, round(short * 0.05))]
    laid = [(_fit(text, size, safe_width), size) for text, size in blocks if text]
    gap = round(short * 0.04)
    total = sum(len(lines) * round(size * 1.25) for (lines, size) in laid) + gap * (len(laid) - 1)
    y = (height * (0.9 if height > width else 1.0) - total) / 2
    for lines, size in laid:
        for line in lines:
            typeset.draw(draw, (width / 2, y + size * 0.625), line, size, ink, anchor="mm")
            y += round(size * 1.25)
        y += gap
    card.save(out, format="PNG")


def _gradient(width: int, height: int, top: RGB, bottom: RGB):
    from PIL import Image

    column = Image.new("RGB", (1, 256))
    for y in range(256):
        t = y / 255
        column.putpixel((0, y), tuple(round(a + (b - a) * t) for a, b in zip(top, bottom)))
    return column.resize((width, height), Image.Resampling.BILINEAR)


def _fit(text: str, size: int, max_width: float) -> list[str]:
    """Wrapped to max_width at `size` (any script; a long word keeps a line of its own)."""
    return typeset.wrap(text, size, max_width)
