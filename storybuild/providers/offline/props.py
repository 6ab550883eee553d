"""The things a scenery is made of: sun, moon, stars, clouds, rain, hills, trees, ferns,
water, a path, lanterns, fireflies, and a room's window, bed, table and rug.

Each prop is a function of a Stage (the image, its horizon and calm band top, the
setting and the frame's random source). BACK props are drawn behind the characters,
FRONT props over them. No prop draws below `calm_top` (the caption band).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from PIL import Image, ImageDraw

from storybuild.providers.offline.drawing import RGB, mix
from storybuild.providers.offline.setting import Setting

SHADE = {"day": ((255, 255, 255), 0.0), "evening": ((80, 64, 130), 0.18), "night": ((28, 36, 92), 0.4)}


def light(setting: Setting) -> tuple[RGB, float]:
    """The colour things take on in this setting and how much (0: daylight as drawn):
    night blue, evening violet, rain grey; lamplight halves it indoors."""
    tint, strength = SHADE[setting.time]
    if setting.weather == "rain" and setting.place == "outdoors":
        tint, strength = mix(tint, (100, 110, 130), 0.5), max(strength, 0.2)
    if setting.place == "indoors":
        strength *= 0.5
    return tint, strength


@dataclass
class Stage:
    """Where props are drawn. `draw` blends translucent colours (RGBA on an RGB image)."""

    image: Image.Image
    horizon: int
    calm_top: int
    setting: Setting
    rng: random.Random
    draw: ImageDraw.ImageDraw = field(init=False)
    moon: tuple[float, float, float] | None = None
    window_x: float | None = None  # where a room's window is, so the lamp goes elsewhere

    def __post_init__(self) -> None:
        self.draw = ImageDraw.Draw(self.image, "RGBA")

    @property
    def w(self) -> int:
        """The image width in pixels."""
        return self.image.width

    @property
    def h(self) -> int:
        """The image height in pixels."""
        return self.image.height

    @property
    def u(self) -> int:
        """The short side: sizes of round things scale with it, so 9:16 skies are not crowded."""
        return min(self.image.width, self.image.height)

    def shade(self, color: RGB, alpha: int = 255) -> tuple[int, int, int, int]:
        """`color` as the setting's light shows it (darker and bluer at night)."""
        tint, strength = light(self.setting)
        return (*mix(color, tint, strength), alpha)

    def circle(self, x: float, y: float, r: float, fill) -> None:
        """A filled circle (translucent fills blend)."""
        self.draw.ellipse((x - r, y - r, x + r, y + r), fill=fill)

    def glow(self, x: float, y: float, r: float, color: RGB, rings: int = 6, alpha: int = 22) -> None:
        """Soft light around (x, y): widening, faint rings."""
        for k in range(rings, 0, -1):
            self.circle(x, y, r * (1 + k * 0.45), (*color, alpha))


def _side_x(stage: Stage) -> float:
    """An x off the middle (above the characters' heads) but clear of the side trees."""
    return stage.w * stage.rng.choice([stage.rng.uniform(0.3, 0.4), stage.rng.uniform(0.6, 0.7)])


# --- sky ---

def stars(stage: Stage, count: int = 70, depth: float = 0.5) -> None:
    """Small stars of varied size and brightness in the upper sky."""
    for _ in range(count):
        x, y = stage.rng.uniform(0, stage.w), stage.rng.uniform(0, stage.horizon * depth)
        r = stage.rng.choice([1.0, 1.4, 2.0, 2.6]) * stage.u / 720
        stage.circle(x, y, r, (255, 248, 215, stage.rng.randrange(150, 255)))


def few_stars(stage: Stage) -> None:
    """The first stars of the evening, high up."""
    stars(stage, 18, 0.3)


def sun(stage: Stage) -> None:
    """A sun with a soft glow, off the middle of the sky."""
    x, y, r = _side_x(stage), stage.horizon * stage.rng.uniform(0.22, 0.32), stage.u * 0.07
    stage.glow(x, y, r, (255, 240, 170), 5, 40)
    stage.circle(x, y, r, (255, 214, 92, 255))


def sunset(stage: Stage) -> None:
    """A big setting sun on the horizon (the ground, pasted after, hides its lower half)."""
    x, r = _side_x(stage), stage.u * 0.11
    stage.glow(x, stage.horizon, r, (255, 190, 130), 4, 24)
    stage.circle(x, stage.horizon, r, (255, 178, 96, 255))


def moon(stage: Stage) -> None:
    """A full moon with craters and a glow, low in the evening, higher at night; remembered so a cloud can cross it."""
    x, y = _side_x(stage), stage.horizon * stage.rng.uniform(0.24, 0.36)
    if stage.setting.time == "evening":
        y = stage.horizon * stage.rng.uniform(0.42, 0.5)  # rising
    r = stage.u * 0.065
    stage.moon = (x, y, r)
    stage.glow(x, y, r, (235, 238, 255), 6, 20)
    stage.circle(x, y, r, (252, 247, 222, 255))
    for dx, dy, f in ((-0.3, -0.2, 0.22), (0.25, 0.3, 0.16), (0.35, -0.35, 0.1)):
        stage.circle(x + dx * r, y + dy * r, r * f, (232, 225, 198, 255))


def planet(stage: Stage) -> None:
    """A ringed planet for space scenes."""
    x, y, r = stage.w * 0.78, stage.h * 0.25, stage.h * 0.09
    stage.draw.ellipse((x - 2 * r, y - 0.45 * r, x + 2 * r, y + 0.45 * r), outline=(240, 200, 150, 230),
                       width=max(2, round(r * 0.12)))
    stage.circle(x, y, r, (236, 140, 110, 255))


def rainbow(stage: Stage) -> None:
    """A rainbow arching from the horizon."""
    cx, outer = stage.w * stage.rng.uniform(0.35, 0.65), min(stage.w * 0.42, stage.horizon * 0.85)
    band = outer * 0.06
    for i, color in enumerate([(235, 90, 90), (245, 160, 70), (245, 215, 80), (110, 195, 110), (90, 150, 225),
                               (150, 110, 200)]):
        r = outer - i * band
        stage.draw.ellipse((cx - r, stage.horizon - r, cx + r, stage.horizon + r), outline=(*color, 190),
                           width=math.ceil(band))


def _puff(stage: Stage, x: float, y: float, size: float, color) -> None:
    for dx, dy, f in ((-1.2, 0.25, 0.7), (0, 0, 1.0), (1.1, 0.2, 0.75), (0.5, -0.35, 0.7), (-0.6, -0.2, 0.6)):
        r = size * f
        stage.draw.ellipse((x + dx * size - r * 1.2, y + dy * size - r, x + dx * size + r * 1.2, y + dy * size + r),
                           fill=color)


def clouds(stage: Stage) -> None:
    """A few puffy clouds (more, and greyer, when the weather is cloudy); one crosses the moon."""
    color = {"day": (255, 255, 255, 225), "evening": (236, 196, 214, 200), "night": (92, 100, 140, 210)}
    fill = color[stage.setting.time]
    if stage.setting.weather == "cloudy":
        fill = (*mix(fill[:3], (150, 150, 165), 0.3), 235)
    count = 5 if stage.setting.weather == "cloudy" else stage.rng.randint(2, 3)
    if stage.moon:  # a cloud drifting across the moon
        x, y, r = stage.moon
        _puff(stage, x + r * 1.1, y + r * 0.5, r * 0.9, fill)
    for _ in range(count):
        size = stage.u * stage.rng.uniform(0.04, 0.065)
        _puff(stage, stage.rng.uniform(0.05, 0.95) * stage.w, stage.horizon * stage.rng.uniform(0.15, 0.6), size, fill)


def storm_clouds(stage: Stage) -> None:
    """A heavy band of dark clouds across the top of the sky, for rain and snow."""
    base = (96, 104, 124) if stage.setting.time == "day" else (58, 64, 88)
    for k in range(14):
        size = stage.u * stage.rng.uniform(0.06, 0.09)
        x = (k + stage.rng.uniform(-0.3, 0.3)) * stage.w / 12
        _puff(stage, x, stage.h * stage.rng.uniform(0.02, 0.14), size, (*mix(base, (0, 0, 0), k % 3 * 0.08), 245))


# --- ground ---

def hills(stage: Stage) -> None:
    """Soft hills rising behind the horizon."""
    color = stage.shade(mix(stage.image.getpixel((0, stage.horizon + 2))[:3], (120, 170, 200), 0.25))
    for _ in range(3):
        cx, rx = stage.rng.uniform(-0.1, 1.1) * stage.w, stage.w * stage.rng.uniform(0.25, 0.45)
        ry = stage.horizon * stage.rng.uniform(0.12, 0.2)
        stage.draw.ellipse((cx - rx, stage.horizon - ry, cx + rx, stage.horizon + ry), fill=color)


def trees(stage: Stage) -> None:
    """A far treeline on the horizon and a few round trees and firs at both sides."""
    rng, horizon = stage.rng, stage.horizon
    far = stage.shade(mix((84, 140, 100), stage.image.getpixel((0, max(0, horizon - 1)))[:3], 0.35))
    band = stage.u * 0.03
    stage.draw.rectangle((0, horizon - band, stage.w, horizon + band * 0.5), fill=far)  # a far treeline
    for k in range(17):
        x, r = (k + rng.uniform(0, 0.8)) * stage.w / 16, stage.u * rng.uniform(0.03, 0.055)
        stage.circle(x, horizon - band, r, far)
    for left in (True, False):
        for i in range(rng.randint(2, 3)):
            frac = rng.uniform(0.0, 0.16) + i * 0.07
            _tree(stage, stage.w * (frac if left else 1 - frac), horizon + (stage.calm_top - horizon) * rng.uniform(0, 0.3))


def _tree(stage: Stage, x: float, base: float) -> None:
    rng = stage.rng
    height = stage.h * rng.uniform(0.32, 0.46)
    trunk = height * 0.09
    stage.draw.rectangle((x - trunk / 2, base - height * 0.55, x + trunk / 2, base), fill=stage.shade((120, 86, 58)))
    green = mix((70, 140, 80), (120, 170, 80), rng.random())
    if rng.random() < 0.5:  # a round tree
        for dx, dy, f in ((0, -0.72, 0.26), (-0.17, -0.55, 0.2), (0.17, -0.55, 0.2)):
            stage.circle(x + dx * height, base + dy * height, height * f, stage.shade(green))
    else:  # a fir
        for k in range(3):
            y = base - height * (0.35 + k * 0.2)
            half = height * (0.26 - k * 0.06)
            stage.draw.polygon([(x - half, y), (x + half, y), (x, y - height * 0.32)],
                               fill=stage.shade(mix(green, (30, 80, 60), 0.35)))


def water(stage: Stage) -> None:
    """A lake along the horizon with little wave arcs."""
    depth = (stage.calm_top - stage.horizon) * stage.rng.uniform(0.3, 0.4)
    stage.draw.rectangle((0, stage.horizon, stage.w, stage.horizon + depth), fill=stage.shade((110, 180, 225)))
    for _ in range(14):
        x = stage.rng.uniform(0, stage.w)
        y = stage.rng.uniform(stage.horizon + depth * 0.2, stage.horizon + depth * 0.9)
        r = stage.w * stage.rng.uniform(0.02, 0.04)
        stage.draw.arc((x - r, y - r * 0.3, x + r, y + r * 0.3), 200, 340, fill=stage.shade((235, 248, 255)),
                       width=max(2, round(stage.w / 640)))


def path(stage: Stage) -> None:
    """A winding path from the horizon down towards the viewer."""
    top, bottom = stage.horizon, stage.calm_top + stage.h * 0.02
    cx = stage.w * stage.rng.uniform(0.4, 0.6)
    points_l, points_r = [], []
    for k in range(11):
        t = k / 10
        y = top + (bottom - top) * t
        x = cx + math.sin(t * 5) * stage.w * 0.07 * (1 - 0.5 * t)
        half = stage.w * (0.012 + 0.07 * t)
        points_l.append((x - half, y))
        points_r.append((x + half, y))
    stage.draw.polygon(points_l + points_r[::-1], fill=stage.shade((222, 196, 150)))


def log(stage: Stage) -> None:
    """A fallen log to sit on."""
    y, x = stage.horizon + (stage.calm_top - stage.horizon) * 0.45, stage.w * stage.rng.uniform(0.3, 0.4)
    length, r = stage.w * 0.22, stage.h * 0.04
    stage.draw.rounded_rectangle((x - length / 2, y - r, x + length / 2, y + r), radius=r,
                                 fill=stage.shade((140, 98, 62)))
    stage.draw.ellipse((x + length / 2 - r * 1.2, y - r, x + length / 2 + r * 0.8, y + r),
                       fill=stage.shade((205, 165, 110)))


def ferns(stage: Stage) -> None:
    """Fern fronds in both bottom corners, just above the caption band."""
    green = (76, 150, 86)
    for left in (True, False):
        for i in range(3):
            x = stage.w * ((0.03 + i * 0.05) if left else (0.97 - i * 0.05))
            _frond(stage, x, stage.calm_top, stage.h * stage.rng.uniform(0.14, 0.2),
                   (1 if left else -1) * stage.rng.uniform(0.2, 0.7), stage.shade(mix(green, (40, 100, 70), i * 0.2)))


def _frond(stage: Stage, x: float, y: float, length: float, lean: float, color) -> None:
    for k in range(12):
        t = k / 12
        px, py = x + lean * length * t * t, y - length * t
        leaf = length * 0.16 * (1 - t * 0.8)
        stage.draw.ellipse((px - leaf, py - leaf * 0.35, px + leaf, py + leaf * 0.35), fill=color)
    stage.draw.line([(x, y), (x + lean * length, y - length)], fill=color, width=max(1, round(length * 0.03)))


def flowers(stage: Stage) -> None:
    """Flowers scattered over the grass, nearer ones bigger."""
    band = stage.calm_top - stage.horizon
    for _ in range(stage.rng.randint(14, 20)):
        y = stage.horizon + band * stage.rng.uniform(0.15, 0.7)
        size = band * (0.05 + 0.06 * (y - stage.horizon) / band)
        x = stage.rng.uniform(0.02, 0.98) * stage.w
        petal = stage.shade(stage.rng.choice([(245, 130, 150), (250, 200, 90), (200, 150, 240), (250, 250, 250)]))
        stage.draw.line((x, y, x, y + size * 1.6), fill=stage.shade((70, 140, 70)), width=max(2, round(size / 4)))
        for k in range(5):
            a = k * 2 * math.pi / 5
            stage.circle(x + math.cos(a) * size * 0.6, y + math.sin(a) * size * 0.6, size * 0.45, petal)
        stage.circle(x, y, size * 0.3, stage.shade((255, 215, 80)))


# --- in front of the characters ---

LANTERN_COLORS = ((214, 70, 96), (120, 180, 240), (120, 200, 130), (250, 200, 80), (245, 140, 70), (190, 140, 230))


def lanterns(stage: Stage) -> None:
    """A sagging string of glowing paper lanterns across the top of the frame."""
    rng = stage.rng
    y0 = stage.h * (0.1 if stage.setting.place == "indoors" else rng.uniform(0.1, 0.16))
    sag = stage.u * 0.07
    count = max(3, round(stage.w / (stage.u * 0.13)))  # spacing follows the short side
    line = [(stage.w * t / (2 * count), y0 + sag * math.sin(math.pi * t / (2 * count))) for t in range(2 * count + 1)]
    stage.draw.line(line, fill=(70, 60, 60, 200), width=max(1, round(stage.h / 500)), joint="curve")
    r = stage.u * 0.03
    for k, (x, y) in enumerate(line[1:-1:2]):
        color = LANTERN_COLORS[(k + rng.randrange(6)) % 6]
        if stage.setting.time != "day":
            stage.glow(x, y + r * 1.6, r, (255, 220, 140), 5, 26)
        stage.draw.ellipse((x - r, y + r * 0.4, x + r, y + r * 2.8), fill=(*color, 255))
        stage.draw.ellipse((x - r * 0.55, y + r * 0.9, x + r * 0.55, y + r * 2.3), fill=(*mix(color, (255, 240, 190), 0.55), 255))
        stage.draw.rectangle((x - r * 0.45, y + r * 0.2, x + r * 0.45, y + r * 0.5), fill=(60, 50, 50, 255))


def fireflies(stage: Stage) -> None:
    """Glowing fireflies over the ground."""
    for _ in range(26):
        x = stage.rng.uniform(0.03, 0.97) * stage.w
        y = stage.rng.uniform(stage.horizon * 0.45, stage.calm_top - stage.h * 0.06)
        r = stage.u * stage.rng.uniform(0.004, 0.007)
        stage.glow(x, y, r, (255, 236, 130), 4, 40)
        stage.circle(x, y, r, (255, 246, 180, 255))


def rain(stage: Stage) -> None:
    """Slanting rain streaks over the whole picture above the caption band."""
    length = stage.h * 0.035
    for _ in range(220):
        x, y = stage.rng.uniform(-0.05, 1.0) * stage.w, stage.rng.uniform(0, stage.calm_top - length * 1.5)
        stage.draw.line((x, y, x + length * 0.25, y + length), fill=(220, 230, 248, 190),
                        width=max(2, round(stage.u / 300)))


def snow(stage: Stage) -> None:
    """Falling snowflakes above the caption band."""
    for _ in range(120):
        x, y = stage.rng.uniform(0, stage.w), stage.rng.uniform(0, stage.calm_top - stage.h * 0.02)
        stage.circle(x, y, stage.h * stage.rng.uniform(0.002, 0.005), (255, 255, 255, 220))
