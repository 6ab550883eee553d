"""Characters as simple picture-book figures: a body, a head with eyes and cheeks, and
the ears, snout, tail and clothes their Look asks for (see looks.py).

`draw_figure` paints one figure on its own transparent canvas and returns it with the
offset of the figure's base point, so the caller can measure the exact bounding box
(canvas.getbbox()) and keep faces away from the frame's edges before pasting.
"""

from __future__ import annotations

import math

from PIL import Image

from storybuild.providers.offline.drawing import RGB, mix
from storybuild.providers.offline import bodies
from storybuild.providers.offline.looks import Look
from storybuild.providers.offline.pen import CHEEK, INK, Pen, clothes, eyes, smile


def draw_figure(look: Look, h: float, side: int = 1, gaze: float = 0.0) -> tuple[Image.Image, tuple[int, int]]:
    """A figure `h` px tall on a transparent canvas, and where its base point (the
    middle of its feet) lies on that canvas. `side` (+1/-1) is where the tail goes;
    `gaze` in [-1, 1] moves the pupils sideways (towards the other characters)."""
    width, height = round(2.6 * h), round(1.6 * h)
    canvas = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    base = (width / 2, 1.45 * h)
    pen = Pen(canvas, base[0], base[1], h, side)
    shape = look.anatomy.shape
    if shape == "egg":
        bodies.egg(pen, look, gaze)
    elif shape == "human":
        bodies.human(pen, look, gaze)
    elif shape == "robot":
        bodies.robot(pen, look, gaze)
    elif shape == "bug":
        bodies.bug(pen, look, gaze)
    elif shape == "ghost":
        bodies.ghost(pen, look, gaze)
    else:
        _critter(pen, look, gaze)
    return canvas, (round(base[0]), round(base[1]))


# --- round animals ---

def _critter(pen: Pen, look: Look, gaze: float) -> None:
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
    eyes(pen, look, 0, eye_y, 0.042, gaze, 1.05 if "frog" not in a.extras else 1.6)
    if a.snout in {"none", "nose"}:
        smile(pen, 0, head_y - 0.1, 0.04, 0.15)
    else:
        for s in (-1, 1):
            pen.oval(s * 0.16, head_y - 0.05, 0.035, 0.022, CHEEK, outline=False)
    clothes(pen, look, head_y, head_r)


def _spines(pen: Pen, color: RGB, head_y: float, head_r: float) -> None:
    points = []
    for k in range(27):
        t = math.pi * (-0.18 + 1.36 * k / 26)
        r = (head_r + 0.17) if k % 2 else (head_r + 0.05)
        points.append((math.cos(t) * r * 1.1, head_y - 0.15 + math.sin(t) * r * 1.05))
    pen.poly(points, color)


def _ears(pen: Pen, ears: str, body: RGB, y: float, r: float, extras: tuple[str, ...]) -> None:
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


def _head_marks(pen: Pen, look: Look, y: float, r: float) -> None:
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


def _snout(pen: Pen, snout: str, look: Look, y: float) -> None:
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


def _tail(pen: Pen, tail: str, body: RGB, look: Look) -> None:
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
