"""The pen the figures are drawn with, and the parts every body plan shares: eyes,
a smile with cheeks, and clothes (scarf, shawl, collar, bow, hat, crown, basket).

Coordinates are in figure units: fractions of the figure height from its centre line
(x) and up from its feet (y), so every part scales with the figure.
"""

from __future__ import annotations

import math

from PIL import Image, ImageDraw

from storybuild.providers.offline.drawing import mix
from storybuild.providers.offline.looks import Look

INK = (52, 44, 50)
CHEEK = (246, 140, 150, 150)


class Pen:
    """Drawing helpers in figure units: (x, y) are fractions of the figure height h,
    x from the figure's centre line, y upwards from its base (the ground)."""

    def __init__(self, canvas: Image.Image, cx: float, base: float, h: float, side: int):
        self.canvas, self.draw = canvas, ImageDraw.Draw(canvas)
        self.cx, self.base, self.h, self.side = cx, base, h, side
        self.line = max(1, round(h * 0.012))

    def at(self, x: float, y: float) -> tuple[float, float]:
        """The pixel position of figure point (x, y)."""
        return self.cx + x * self.h, self.base - y * self.h

    def oval(self, x: float, y: float, rx: float, ry: float, fill, outline: bool = True) -> None:
        """An ellipse centred at (x, y) with radii in figure units, outlined in a darker shade unless translucent."""
        px, py = self.at(x, y)
        if len(fill) == 4:  # translucent: ImageDraw replaces RGBA pixels, so blend a small layer instead
            self._blend_oval(px, py, rx * self.h, ry * self.h, fill)
            return
        edge = mix(fill, (0, 0, 0), 0.38) if outline and len(fill) == 3 else None
        self.draw.ellipse((px - rx * self.h, py - ry * self.h, px + rx * self.h, py + ry * self.h), fill=fill,
                          outline=edge, width=self.line if edge else 0)

    def _blend_oval(self, px: float, py: float, rx: float, ry: float, fill) -> None:
        x0, y0 = max(0, math.floor(px - rx)), max(0, math.floor(py - ry))
        layer = Image.new("RGBA", (math.ceil(px + rx) - x0 + 1, math.ceil(py + ry) - y0 + 1), (0, 0, 0, 0))
        ImageDraw.Draw(layer).ellipse((px - rx - x0, py - ry - y0, px + rx - x0, py + ry - y0), fill=fill)
        self.canvas.alpha_composite(layer, (x0, y0))

    def poly(self, points: list[tuple[float, float]], fill, outline: bool = True) -> None:
        """A filled polygon through figure points, outlined in a darker shade unless translucent."""
        edge = mix(fill, (0, 0, 0), 0.38) if outline and len(fill) == 3 else None
        self.draw.polygon([self.at(x, y) for x, y in points], fill=fill, outline=edge, width=self.line if edge else 0)

    def stroke(self, points: list[tuple[float, float]], fill, width: float) -> None:
        """A thick line through figure points; `width` in figure units."""
        self.draw.line([self.at(x, y) for x, y in points], fill=fill, width=max(1, round(width * self.h)),
                       joint="curve")

    def arc(self, x: float, y: float, r: float, start: float, end: float, fill, width: float) -> None:
        """An arc of the circle at (x, y) with radius r, angles in degrees (0 = right, clockwise)."""
        px, py = self.at(x, y)
        self.draw.arc((px - r * self.h, py - r * self.h, px + r * self.h, py + r * self.h), start, end, fill=fill,
                      width=max(1, round(width * self.h)))

def eyes(pen: Pen, look: Look, x: float, y: float, r: float, gaze: float, spread: float = 1.0) -> None:
    """Two eyes centred on (x, y): coloured irises when the eyes have a colour, pupils
    moved by `gaze`, a highlight, and glasses when the look has them."""
    dark = sum(look.eyes) < 200
    for s in (-1, 1):
        ex = x + s * r * 2.1 * spread
        if not dark:
            pen.oval(ex, y, r, r * 1.1, look.eyes, outline=False)
        pupil = r * (0.62 if not dark else 0.9)
        pen.oval(ex + gaze * r * 0.25, y, pupil, pupil * 1.15, INK, outline=False)
        pen.oval(ex + gaze * r * 0.25 - r * 0.3, y + r * 0.35, r * 0.3, r * 0.3, (255, 255, 255), outline=False)
    if look.glasses:
        for s in (-1, 1):
            pen.arc(x + s * r * 2.1 * spread, y, r * 1.9, 0, 360, (90, 80, 70), 0.012)
        pen.stroke([(x - r * 0.25 * spread, y + r * 0.6), (x + r * 0.25 * spread, y + r * 0.6)], (90, 80, 70), 0.012)


def smile(pen: Pen, x: float, y: float, r: float, cheeks: float | None = None) -> None:
    """A small smile below (x, y), with pink cheeks `cheeks` to either side when given."""
    pen.arc(x, y + r * 0.6, r, 35, 145, INK, 0.011)
    if cheeks:
        for s in (-1, 1):
            pen.oval(x + s * cheeks, y + r * 0.45, r * 0.9, r * 0.55, CHEEK, outline=False)


def clothes(pen: Pen, look: Look, head_y: float, r: float) -> None:
    """Scarf, shawl, collar, bow, hat, crown and basket over a critter's body."""
    neck = head_y - r * 0.9
    for word, color in look.clothes:
        if word == "scarf":
            pen.oval(0, neck, 0.2, 0.045, color)
            pen.poly([(pen.side * 0.06, neck), (pen.side * 0.16, neck - 0.2), (pen.side * 0.02, neck - 0.18)], color)
        elif word == "shawl":
            pen.poly([(-0.25, neck + 0.01), (0.25, neck + 0.01), (0.2, neck - 0.14), (0, neck - 0.24),
                      (-0.2, neck - 0.14)], color)
        elif word in {"collar", "bell"}:
            pen.oval(0, neck + 0.01, 0.17, 0.03, color if word == "collar" else (222, 72, 64))
            pen.oval(0, neck - 0.03, 0.03, 0.03, (250, 205, 80))
        elif word in {"bow", "ribbon"}:
            for s in (-1, 1):
                pen.poly([(0.14, head_y + 0.2), (0.14 + s * 0.08, head_y + 0.25), (0.14 + s * 0.08, head_y + 0.15)],
                         color)
        elif word in {"hat", "cap"}:
            pen.oval(0, head_y + r * 0.75, r * 1.05, 0.04, color)
            pen.oval(0, head_y + r * 0.95, r * 0.65, 0.1, color)
        elif word == "crown":
            pen.poly([(-0.1, head_y + 0.2), (-0.1, head_y + 0.32), (-0.05, head_y + 0.26), (0, head_y + 0.34),
                      (0.05, head_y + 0.26), (0.1, head_y + 0.32), (0.1, head_y + 0.2)], (250, 205, 80))
        elif word == "basket":
            x = -pen.side * 0.3
            pen.arc(x, 0.2, 0.07, 180, 360, (150, 100, 55), 0.015)
            pen.poly([(x - 0.09, 0.2), (x + 0.09, 0.2), (x + 0.07, 0.1), (x - 0.07, 0.1)], (205, 160, 100))
