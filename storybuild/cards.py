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
    "twilight": (240, -0.25), "dusk": (250, -0.2), "starry": (235, -0.3), "blue": (215, 0.0),
    "green": (115, 0.0), "purple": (275, 0.0), "lavender": (270, +0.1), "red": (5, 0.0),
}
# Mood words colour a card only when no word names a colour or a sky.
_MOODS = {"warm", "sunny", "golden", "autumn", "cozy"}


def style_palette(style: str) -> tuple[RGB, RGB, RGB]:
    """(top colour, bottom colour, text colour) for a style description."""
    words = [w.strip(".,;:!?'\"").lower() for w in style.split()]
    hinted = [w for w in words if w in _STYLE_HINTS and _STYLE_HINTS[w][0] is not None]
    hues = [_STYLE_HINTS[w][0] for w in sorted(hinted, key=lambda w: w in _MOODS)]
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
    card = _decorate(_gradient(width, height, top, bottom), style, ink)
    draw = ImageDraw.Draw(card)
    safe_width = width * (0.76 if height > width else 0.84)
    short = min(width, height)
    blocks = [(title, round(short * 0.11)), (subtitle, round(short * 0.05))]
    laid = [(_fit(text, size, safe_width), size) for text, size in blocks if text]
    gap = round(short * 0.04)
    total = sum(len(lines) * round(size * 1.25) for (lines, size) in laid) + gap * (len(laid) - 1)
    y = (height * (0.9 if height > width else 1.0) - total) / 2
    for index, (lines, size) in enumerate(laid):
        weight = max(1, size // 28) if index == 0 else 0  # the title a little bolder
        for line in lines:
            typeset.draw(draw, (width / 2, y + size * 0.625), line, size, ink, anchor="mm",
                         stroke_width=weight, stroke_fill=ink)
            y += round(size * 1.25)
        if index == 0:  # a small rule under the title
            half = short * 0.08
            draw.line((width / 2 - half, y + gap / 2, width / 2 + half, y + gap / 2), fill=ink,
                      width=max(1, short // 240))
        y += gap
    card.save(out, format="PNG")


def _decorate(card, style: str, ink: RGB):
    """Soft light from above and a few blurred circles of light, placed by the style's
    hash (the same card every time), kept faint so the text stays the subject."""
    import random

    from PIL import Image, ImageDraw, ImageFilter

    width, height = card.size
    short = min(width, height)
    glow = Image.new("L", card.size, 0)
    pen = ImageDraw.Draw(glow)
    pen.ellipse((width * 0.15, -height * 0.35, width * 0.85, height * 0.45), fill=70)
    rng = random.Random(style)
    for _ in range(9):
        x, y, r = rng.uniform(0, width), rng.uniform(0, height), rng.uniform(0.02, 0.07) * short
        pen.ellipse((x - r, y - r, x + r, y + r), fill=rng.randint(35, 70))
    glow = glow.filter(ImageFilter.GaussianBlur(short * 0.03))
    light = (255, 255, 255) if ink != (255, 255, 255) else (255, 236, 190)
    return Image.composite(Image.new("RGB", card.size, light), card, glow)


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
