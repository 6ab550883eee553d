"""Figures that are not round four-legged animals: birds (egg-shaped), flying bugs,
people, robots and ghosts. Drawn with the same Pen and face parts as figures.py."""

from __future__ import annotations

import math

from storybuild.providers.offline.drawing import mix
from storybuild.providers.offline.looks import Look
from storybuild.providers.offline.pen import CHEEK, INK, Pen, clothes, eyes, smile

DRESSED = {"girl", "girls", "princess", "queen", "witch", "fairy", "mermaid", "grandma", "grandmother", "granny",
           "nana", "mom", "mother", "mum", "lady", "woman"}

def egg(pen: Pen, look: Look, gaze: float) -> None:
    """An owl or bird: one egg-shaped body with face discs (owls), beak or bill, wings and feet."""
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
    eyes(pen, look, 0, eye_y, 0.042 if owl else 0.035, gaze, 1.15 if owl else 1.4)
    beak = (240, 160, 60)
    if look.anatomy.snout == "bill":
        pen.oval(0, eye_y - 0.11, 0.09, 0.04, beak)
    else:
        pen.poly([(-0.035, eye_y - 0.06), (0.035, eye_y - 0.06), (0, eye_y - 0.13)], beak)
    for s in (-1, 1):
        pen.oval(s * 0.17, eye_y - 0.1, 0.035, 0.022, CHEEK, outline=False)
    clothes(pen, look, 0.6, 0.28)


def bug(pen: Pen, look: Look, gaze: float) -> None:
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
    eyes(pen, look, 0, y + 0.15, 0.02, gaze, 1.1)
    smile(pen, 0, y + 0.08, 0.02)


def human(pen: Pen, look: Look, gaze: float) -> None:
    """A child or grown-up: legs, a shirt or dress in the body colour, arms, a head with
    hair (a grey bun for grandparents)."""
    top = look.body
    dress = look.kind in DRESSED or "dress" in dict(look.clothes)
    for s in (-1, 1):
        pen.oval(s * 0.07, 0.11, 0.045, 0.11, look.skin if dress else (70, 80, 110))
        pen.oval(s * 0.08, 0.02, 0.065, 0.03, (90, 70, 60))
    if dress:
        pen.poly([(-0.13, 0.5), (0.13, 0.5), (0.22, 0.16), (-0.22, 0.16)], top)
    else:
        pen.poly([(-0.14, 0.5), (0.14, 0.5), (0.15, 0.2), (-0.15, 0.2)], top)
    for s in (-1, 1):
        pen.stroke([(s * 0.13, 0.47), (s * 0.22, 0.3)], top, 0.06)
        pen.oval(s * 0.23, 0.28, 0.035, 0.035, look.skin)
    head_y = 0.66
    if look.elder:
        pen.oval(0, head_y + 0.17, 0.07, 0.06, look.hair)
    if dress:  # pigtails
        for s in (-1, 1):
            pen.oval(s * 0.19, head_y + 0.04, 0.06, 0.07, look.hair)
    pen.oval(0, head_y + 0.02, 0.175, 0.165, look.hair)  # hair behind the head
    pen.oval(0, head_y, 0.16, 0.16, look.skin)
    fringe = [(math.cos(t) * 0.168, head_y + 0.045 + math.sin(t) * 0.13)
              for t in (k * math.pi / 12 for k in range(13))]
    pen.poly(fringe + [(-0.09, head_y + 0.06), (0.04, head_y + 0.07)], look.hair, outline=False)
    eyes(pen, look, 0, head_y - 0.01, 0.026, gaze, 1.4)
    smile(pen, 0, head_y - 0.08, 0.035, 0.1)
    clothes(pen, look, head_y, 0.17)


def robot(pen: Pen, look: Look, gaze: float) -> None:
    """A boxy robot with a screen face, an antenna and arms."""
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


def ghost(pen: Pen, look: Look, gaze: float) -> None:
    """A friendly sheet ghost with a wavy hem."""
    points = [(-0.22, 0.1)] + [(-0.22 + 0.088 * k, 0.1 + (0.05 if k % 2 else 0)) for k in range(6)]
    points += [(0.22, 0.1), (0.22, 0.55)]
    points += [(math.cos(t) * 0.22, 0.55 + math.sin(t) * 0.25) for t in (k * math.pi / 12 for k in range(13))]
    pen.poly(points, look.body)
    eyes(pen, look, 0, 0.58, 0.035, gaze, 1.2)
    smile(pen, 0, 0.48, 0.04, 0.13)
