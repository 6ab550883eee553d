"""Characters as simple picture-book figures: a body, a head with eyes and cheeks, and
the ears, snout, tail and clothes their Look asks for (see looks.py).

`draw_figure` paints one figure on its own transparent canvas and returns it with the
offset of the figure's base point, so the caller can measure the exact bounding box
(canvas.getbbox()) and keep faces away from the frame's edges before pasting.
"""

from __future__ import annotations

import math

from PIL import Image, ImageDraw

from storybuild.providers.offline.drawing import RGB, mix
from storybuild.providers.offline.looks import Look

INK = (52, 44, 50)
CHEEK = (246, 140, 150, 150)


class _Pen:
    """Drawing helpers in figure units: (x, y) are fractions of the figure height h,
    x from the figure's centre line, y upwards from its base (the ground)."""

    def __init__(self, canvas: Image.Image, cx: float, base: float, h: float, side: int):
        self.canvas, self.draw = canvas, ImageDraw.Draw(canvas)
        self.cx, self.base, self.h, self.side = cx, base, h, side
        self.line = max(1, round(h * 0.012))

    def at(self, x: float, y: float) -> tuple[float, float]:
        return self.cx + x * self.h, self.base - y * self.h

    def oval(self, x: float, y: float, rx: float, ry: float, fill, outline: bool = True) -> None:
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
        edge = mix(fill, (0, 0, 0), 0.38) if outline and len(fill) == 3 else None
        self.draw.polygon([self.at(x, y) for x, y in points], fill=fill, outline=edge, width=self.line if edge else 0)

    def stroke(self, points: list[tuple[float, float]], fill, width: float) -> None:
        self.draw.line([self.at(x, y) for x, y in points], fill=fill, width=max(1, round(width * self.h)),
                       joint="curve")

    def arc(self, x: float, y: float, r: float, start: float, end: float, fill, width: float) -> None:
        px, py = self.at(x, y)
        self.draw.arc((px - r * self.h, py - r * self.h, px + r * self.h, py + r * self.h), start, end, fill=fill,
                      width=max(1, round(width * self.h)))


def draw_figure(look: Look, h: float, side: int = 1, gaze: float = 0.0) -> tuple[Image.Image, tuple[int, int]]:
    """A figure `h` px tall on a transparent canvas, and where its base point (the
    middle of its feet) lies on that canvas. `side` (+1/-1) is where the tail goes;
    `gaze` in [-1, 1] moves the pupils sideways (towards the other characters)."""
    width, height = round(2.6 * h), round(1.6 * h)
    canvas = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    base = (width / 2, 1.45 * h)
    pen = _Pen(canvas, base[0], base[1], h, side)
    shape = look.anatomy.shape
    if shape == "egg":
        _egg(pen, look, gaze)
    elif shape == "human":
        _human(pen, look, gaze)
    elif shape == "robot":
        _robot(pen, look, gaze)
    elif shape == "bug":
        _bug(pen, look, gaze)
    elif shape == "ghost":
        _ghost(pen, look, gaze)
    else:
        _critter(pen, look, gaze)
    return canvas, (round(base[0]), round(base[1]))


# --- faces ---

def _eyes(pen: _Pen, look: Look, x: float, y: float, r: float, gaze: float, spread: float = 1.0) -> None:
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


def _smile(pen: _Pen, x: float, y: float, r: float, cheeks: float | None = None) -> None:
    pen.arc(x, y + r * 0.6, r, 35, 145, INK, 0.011)
    if cheeks:
        for s in (-1, 1):
            pen.oval(x + s * cheeks, y + r * 0.45, r * 0.9, r * 0.55, CHEEK, outline=False)


# --- round animals ---

def _critter(pen: _Pen, look: Look, gaze: float) -> None:
    a, body, belly = look.anatomy, look.body, look.belly
    if "badger" in a.extras:
        belly = mix(body, (255, 255, 255), 0.5)
    dark = mix(body, (0, 0, 0), 0.22)
    head_y, head_r = 0.64, 0.25
    if "spines" in a.extras:
        _spines(pen, mix(body, (0, 0, 0), 0.3), head_y, head_r)
    if "wings" in a.extras:
        for s in (-1, 1):
            pen.poly([(s * 0.15, 0.42), (s * 0.55, 0.7), (s * 0.48, 0.45), (s * 0.5, 0.3), (s * 0.2, 0.28)],
                     mix(body, (255, 255, 255), 0.25))
    if "shell" in a.extras:
        pen.oval(-pen.side * 0.2, 0.3, 0.24, 0.22, (200, 140, 90))
        pen.arc(-pen.side * 0.2, 0.3, 0.12, 0, 360, (150, 100, 60), 0.015)
    _tail(pen, a.tail, body, look)
    if any(word == "cape" for word, _ in look.clothes):
        pen.poly([(-0.2, 0.5), (0.2, 0.5), (0.32, 0.02), (-0.32, 0.02)], dict(look.clothes)["cape"])
    pen.oval(0, 0.27, 0.25, 0.27, body)
    if "panda" not in a.extras:
        pen.oval(0, 0.23, 0.15, 0.17, belly, outline=False)
    for s in (-1, 1):
        pen.oval(s * 0.22, 0.31, 0.065, 0.1, dark if "panda" in a.extras else body)
        pen.oval(s * 0.12, 0.035, 0.085, 0.045, dark)
    if "mane" in a.extras:
        mane = mix(body, (150, 70, 20), 0.45)
        for k in range(12):
            t = k * math.pi / 6
            pen.oval(math.cos(t) * 0.24, head_y + math.sin(t) * 0.24, 0.1, 0.1, mane, outline=False)
    _ears(pen, a.ears, body, head_y, head_r, a.extras)
    if "wool" in a.extras:
        for k in range(10):
            t = k * math.pi / 5
            pen.oval(math.cos(t) * 0.22, head_y + 0.02 + math.sin(t) * 0.22, 0.09, 0.09, body)
    pen.oval(0, head_y, head_r, head_r * 0.94, (248, 248, 246) if "badger" in a.extras else body)
    _head_marks(pen, look, head_y, head_r)
    _snout(pen, a.snout, look, head_y)
    eye_y = head_y + 0.03 if "frog" not in a.extras else head_y + 0.2
    _eyes(pen, look, 0, eye_y, 0.042, gaze, 1.05 if "frog" not in a.extras else 1.6)
    if a.snout in {"none", "nose"}:
        _smile(pen, 0, head_y - 0.1, 0.04, 0.15)
    else:
        for s in (-1, 1):
            pen.oval(s * 0.16, head_y - 0.05, 0.035, 0.022, CHEEK, outline=False)
    _clothes(pen, look, head_y, head_r)


def _spines(pen: _Pen, color: RGB, head_y: float, head_r: float) -> None:
    points = []
    for k in range(27):
        t = math.pi * (-0.18 + 1.36 * k / 26)
        r = (head_r + 0.17) if k % 2 else (head_r + 0.05)
        points.append((math.cos(t) * r * 1.1, head_y - 0.15 + math.sin(t) * r * 1.05))
    pen.poly(points, color)


def _ears(pen: _Pen, ears: str, body: RGB, y: float, r: float, extras: tuple[str, ...]) -> None:
    inner = mix(body, (246, 160, 170), 0.5)
    dark = mix(body, (0, 0, 0), 0.25)
    if "panda" in extras or "badger" in extras:
        inner = body = (60, 60, 68) if "panda" in extras else body
    for s in (-1, 1):
        if ears == "pointy":
            pen.poly([(s * 0.07, y + 0.2), (s * 0.24, y + 0.33), (s * 0.23, y + 0.09)], body)
            pen.poly([(s * 0.11, y + 0.19), (s * 0.21, y + 0.27), (s * 0.2, y + 0.13)], inner, outline=False)
        elif ears == "round":
            pen.oval(s * 0.17, y + 0.18, 0.075, 0.075, body)
            pen.oval(s * 0.17, y + 0.18, 0.04, 0.04, inner, outline=False)
        elif ears == "big":
            pen.oval(s * 0.23, y + 0.12, 0.13, 0.13, body)
            pen.oval(s * 0.23, y + 0.12, 0.08, 0.08, inner, outline=False)
        elif ears == "side":
            pen.oval(s * 0.26, y, 0.08, 0.08, body)
            pen.oval(s * 0.26, y, 0.045, 0.045, inner, outline=False)
        elif ears == "long":
            pen.oval(s * 0.1, y + 0.33, 0.06, 0.2, body)
            pen.oval(s * 0.1, y + 0.33, 0.03, 0.15, inner, outline=False)
    if ears == "floppy":  # hang over the head's sides, drawn after the head by _head_marks
        return
    if "horns" in extras:
        for s in (-1, 1):
            pen.poly([(s * 0.08, y + 0.2), (s * 0.16, y + 0.36), (s * 0.15, y + 0.17)], (245, 235, 210))
    if "horn" in extras:
        pen.poly([(-0.04, y + 0.22), (0, y + 0.42), (0.04, y + 0.22)], (250, 215, 110))
    if "antennae" in extras:
        for s in (-1, 1):
            pen.stroke([(s * 0.06, y + 0.2), (s * 0.14, y + 0.38)], dark, 0.015)
            pen.oval(s * 0.14, y + 0.38, 0.03, 0.03, (250, 210, 90))
    if "spikes" in extras:
        for k in range(3):
            x = -0.09 + k * 0.09
            pen.poly([(x - 0.04, y + 0.22), (x, y + 0.3), (x + 0.04, y + 0.22)], mix(body, (255, 120, 80), 0.4))


def _head_marks(pen: _Pen, look: Look, y: float, r: float) -> None:
    a, body = look.anatomy, look.body
    if a.ears == "floppy":
        for s in (-1, 1):
            pen.oval(s * 0.23, y - 0.02, 0.07, 0.16, mix(body, (80, 50, 30), 0.35))
    if "badger" in a.extras:
        for s in (-1, 1):
            pen.poly([(s * 0.04, y + 0.24), (s * 0.15, y + 0.22), (s * 0.12, y - 0.05), (s * 0.05, y - 0.02)],
                     (55, 55, 62), outline=False)
    if "panda" in a.extras or "mask" in a.extras:
        for s in (-1, 1):
            pen.oval(s * 0.09, y + 0.03, 0.075, 0.065, (60, 60, 68), outline=False)
    if "stripes" in a.extras:
        dark = mix(body, (40, 20, 10), 0.55)
        for s in (-1, 1):
            pen.stroke([(s * 0.2, y + 0.1), (s * 0.12, y + 0.08)], dark, 0.02)
        pen.stroke([(0, y + 0.24), (0, y + 0.15)], dark, 0.025)
    if "tabby" in look.kind or look.kind in {"cat", "kitten"}:
        dark = mix(body, (60, 30, 10), 0.35)
        for dx in (-0.06, 0, 0.06):
            pen.stroke([(dx, y + 0.23), (dx * 0.8, y + 0.16)], dark, 0.018)
    if "spots" in a.extras:
        spot = (70, 60, 55) if look.kind != "giraffe" else (170, 105, 50)
        for x, yy in ((-0.15, 0.3), (0.12, 0.18), (0.05, 0.4)):
            pen.oval(x, yy, 0.05, 0.04, spot, outline=False)


def _snout(pen: _Pen, snout: str, look: Look, y: float) -> None:
    light = mix(look.body, (255, 250, 240), 0.6)
    if snout == "muzzle":
        pen.oval(0, y - 0.09, 0.1, 0.07, light)
        pen.oval(0, y - 0.06, 0.035, 0.025, INK, outline=False)
        pen.arc(0, y - 0.1, 0.035, 30, 150, INK, 0.01)
    elif snout == "whiskers":
        pen.poly([(-0.025, y - 0.05), (0.025, y - 0.05), (0, y - 0.08)], (240, 140, 150), outline=False)
        pen.arc(0, y - 0.1, 0.03, 30, 150, INK, 0.009)
        for s in (-1, 1):
            for dy in (0.0, -0.03):
                pen.stroke([(s * 0.08, y - 0.07 + dy), (s * 0.26, y - 0.05 + dy * 1.8)], INK, 0.006)
    elif snout == "fox":
        pen.poly([(-0.2, y - 0.02), (0, y - 0.2), (0.2, y - 0.02), (0, y - 0.06)], (252, 246, 236), outline=False)
        pen.oval(0, y - 0.15, 0.03, 0.022, INK, outline=False)
    elif snout == "nose":
        pen.oval(0, y - 0.055, 0.03, 0.022, INK, outline=False)
    elif snout == "pig":
        pen.oval(0, y - 0.08, 0.07, 0.05, mix(look.body, (230, 110, 130), 0.4))
        for s in (-1, 1):
            pen.oval(s * 0.025, y - 0.08, 0.013, 0.018, INK, outline=False)
    elif snout == "trunk":
        pen.stroke([(0, y - 0.05), (0.02, y - 0.2), (0.08, y - 0.28)], look.body, 0.08)


def _tail(pen: _Pen, tail: str, body: RGB, look: Look) -> None:
    s = pen.side
    if tail == "curl":
        pen.stroke([(s * 0.18, 0.12), (s * 0.34, 0.14), (s * 0.42, 0.28), (s * 0.38, 0.4)], mix(body, (0, 0, 0), 0.1),
                   0.06)
    elif tail == "bushy":
        pen.oval(s * 0.36, 0.25, 0.14, 0.22, body)
        pen.oval(s * 0.4, 0.42, 0.07, 0.06, (252, 248, 240), outline=False)
    elif tail == "thin":
        pen.stroke([(s * 0.2, 0.1), (s * 0.38, 0.08), (s * 0.46, 0.22), (s * 0.4, 0.3)], mix(body, (0, 0, 0), 0.2),
                   0.022)
    elif tail == "puff":
        pen.oval(s * 0.25, 0.12, 0.08, 0.08, (252, 250, 246))
    elif tail == "dragon":
        pen.poly([(s * 0.15, 0.2), (s * 0.5, 0.05), (s * 0.55, 0.2), (s * 0.15, 0.05)], body)
        pen.poly([(s * 0.5, 0.12), (s * 0.62, 0.22), (s * 0.6, 0.06)], mix(body, (255, 120, 80), 0.4))


def _clothes(pen: _Pen, look: Look, head_y: float, r: float) -> None:
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


# --- other body plans ---

def _egg(pen: _Pen, look: Look, gaze: float) -> None:
    body, belly = look.body, look.belly
    owl = look.anatomy.ears == "tufts"
    for s in (-1, 1):
        pen.oval(s * 0.1, 0.03, 0.07, 0.035, (240, 160, 60))
    if owl:
        for s in (-1, 1):
            pen.poly([(s * 0.1, 0.74), (s * 0.25, 0.9), (s * 0.24, 0.66)], body)
    pen.oval(0, 0.4, 0.29, 0.38, body)
    pen.oval(0, 0.26, 0.19, 0.22, belly, outline=False)
    if owl:
        mark = mix(belly, body, 0.6)
        for x, y in ((-0.07, 0.3), (0.07, 0.3), (0, 0.2), (-0.1, 0.16), (0.1, 0.16)):
            pen.arc(x, y + 0.03, 0.035, 30, 150, mark, 0.012)
    for s in (-1, 1):
        pen.poly([(s * 0.24, 0.55), (s * 0.36, 0.32), (s * 0.26, 0.12), (s * 0.2, 0.3)], mix(body, (0, 0, 0), 0.15))
    eye_y = 0.56
    if owl:
        for s in (-1, 1):
            pen.oval(s * 0.1, eye_y, 0.095, 0.095, mix(belly, (255, 255, 255), 0.4))
    _eyes(pen, look, 0, eye_y, 0.042 if owl else 0.035, gaze, 1.15 if owl else 1.4)
    beak = (240, 160, 60)
    if look.anatomy.snout == "bill":
        pen.oval(0, eye_y - 0.11, 0.09, 0.04, beak)
    else:
        pen.poly([(-0.035, eye_y - 0.06), (0.035, eye_y - 0.06), (0, eye_y - 0.13)], beak)
    for s in (-1, 1):
        pen.oval(s * 0.17, eye_y - 0.1, 0.035, 0.022, CHEEK, outline=False)
    _clothes(pen, look, 0.6, 0.28)


def _bug(pen: _Pen, look: Look, gaze: float) -> None:
    """A small flying insect (drawn at about half a figure's size, hovering)."""
    body = look.body
    y = 0.55
    glow = "glow" in look.anatomy.extras
    if glow:
        for k in range(6, 0, -1):
            pen.oval(0, y - 0.12, 0.05 + k * 0.03, 0.05 + k * 0.03, (255, 230, 120, 26), outline=False)
    for s in (-1, 1):
        pen.oval(s * 0.13, y + 0.1, 0.11, 0.07, (235, 245, 255, 170), outline=False)
        pen.arc(s * 0.13, y + 0.1, 0.11, 0, 360, (200, 215, 235), 0.008)
    pen.oval(0, y - 0.12, 0.09, 0.1, (255, 236, 140) if glow else mix(body, (0, 0, 0), 0.2))
    pen.oval(0, y, 0.11, 0.1, body)
    if "stripes" in look.anatomy.extras:
        pen.stroke([(-0.1, y - 0.03), (0.1, y - 0.03)], INK, 0.02)
    if "spots" in look.anatomy.extras:
        for x in (-0.05, 0.05):
            pen.oval(x, y - 0.02, 0.02, 0.02, INK, outline=False)
    pen.oval(0, y + 0.14, 0.085, 0.08, body)
    for s in (-1, 1):
        pen.stroke([(s * 0.03, y + 0.2), (s * 0.08, y + 0.3)], INK, 0.01)
        pen.oval(s * 0.08, y + 0.3, 0.015, 0.015, INK, outline=False)
    _eyes(pen, look, 0, y + 0.15, 0.02, gaze, 1.1)
    _smile(pen, 0, y + 0.08, 0.02)


def _human(pen: _Pen, look: Look, gaze: float) -> None:
    clothes = dict(look.clothes)
    top = look.body
    legs = (70, 80, 110)
    for s in (-1, 1):
        pen.oval(s * 0.07, 0.11, 0.045, 0.11, legs if "dress" not in clothes else look.skin)
        pen.oval(s * 0.08, 0.02, 0.065, 0.03, (90, 70, 60))
    if look.elder or "girl" in look.kind or "dress" in clothes or look.kind == "person" and look.hair[0] > 200:
        pen.poly([(-0.13, 0.5), (0.13, 0.5), (0.22, 0.16), (-0.22, 0.16)], top)
    else:
        pen.poly([(-0.14, 0.5), (0.14, 0.5), (0.15, 0.2), (-0.15, 0.2)], top)
    for s in (-1, 1):
        pen.stroke([(s * 0.13, 0.47), (s * 0.22, 0.3)], top, 0.06)
        pen.oval(s * 0.23, 0.28, 0.035, 0.035, look.skin)
    head_y = 0.66
    if look.elder:
        pen.oval(0, head_y + 0.17, 0.07, 0.06, look.hair)
    pen.oval(0, head_y - 0.01, 0.19, 0.16, look.hair)  # hair behind the head
    pen.oval(0, head_y, 0.16, 0.16, look.skin)
    pen.poly([(-0.16, head_y + 0.02), (-0.12, head_y + 0.14), (0, head_y + 0.17), (0.12, head_y + 0.14),
              (0.16, head_y + 0.02), (0.05, head_y + 0.1)], look.hair, outline=False)
    _eyes(pen, look, 0, head_y - 0.01, 0.026, gaze, 1.4)
    _smile(pen, 0, head_y - 0.08, 0.035, 0.1)
    _clothes(pen, look, head_y, 0.17)


def _robot(pen: _Pen, look: Look, gaze: float) -> None:
    metal = look.body
    for s in (-1, 1):
        pen.oval(s * 0.11, 0.05, 0.06, 0.05, (90, 95, 110))
    pen.poly([(-0.2, 0.48), (0.2, 0.48), (0.2, 0.08), (-0.2, 0.08)], metal)
    pen.oval(0, 0.3, 0.06, 0.06, (240, 110, 100))
    pen.poly([(-0.18, 0.86), (0.18, 0.86), (0.18, 0.54), (-0.18, 0.54)], metal)
    pen.stroke([(0, 0.86), (0, 0.96)], (90, 95, 110), 0.015)
    pen.oval(0, 0.97, 0.03, 0.03, (250, 205, 80))
    pen.poly([(-0.14, 0.82), (0.14, 0.82), (0.14, 0.6), (-0.14, 0.6)], (50, 60, 80))
    for s in (-1, 1):
        pen.oval(s * 0.06 + gaze * 0.01, 0.73, 0.03, 0.03, (120, 230, 250), outline=False)
        pen.stroke([(s * 0.2, 0.44), (s * 0.28, 0.26)], (90, 95, 110), 0.03)
    pen.arc(0, 0.7, 0.04, 30, 150, (120, 230, 250), 0.012)


def _ghost(pen: _Pen, look: Look, gaze: float) -> None:
    points = [(-0.22, 0.1)] + [(-0.22 + 0.088 * k, 0.1 + (0.05 if k % 2 else 0)) for k in range(6)]
    points += [(0.22, 0.1), (0.22, 0.55)]
    points += [(math.cos(t) * 0.22, 0.55 + math.sin(t) * 0.25) for t in (k * math.pi / 12 for k in range(13))]
    pen.poly(points, look.body)
    _eyes(pen, look, 0, 0.58, 0.035, gaze, 1.2)
    _smile(pen, 0, 0.48, 0.04, 0.13)
