"""The storyboard's background: a soft sky/ground gradient and a few simple shapes
suggested by words of the scene (sun, moon, rainbow, clouds, water, flowers, trees, snow).

Invariant: everything below `calm_top` (the caption band) is a smooth gradient with
no shapes, so captions burned there later stay legible. All randomness comes from the
`random.Random` passed in, so a frame is a pure function of its request.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from PIL import Image, ImageDraw

from storybuild.providers.offline.drawing import RGB, hls, mix, stable_int

CALM_FRACTION = 0.22  # the bottom part of every frame that captions may cover

NIGHT_WORDS = {"night", "moon", "moonlit", "moonlight", "starry", "goodnight", "sleep", "asleep", "sleepy",
               "dream", "dreams", "dreaming", "bedtime", "midnight", "owl"}
EVENING_WORDS = {"evening", "sunset", "dusk", "twilight"}
SPACE_WORDS = {"space", "planet", "planets", "rocket", "galaxy", "astronaut", "spaceship", "comet"}
INDOOR_WORDS = {"kitchen", "bedroom", "room", "house", "home", "bakery", "library", "classroom", "school",
                "living", "indoors", "inside", "castle", "hall", "shop", "museum"}
WATER_WORDS = {"water", "pool", "pond", "lake", "river", "sea", "ocean", "splash", "swim", "swimming",
               "beach", "waves", "stream", "brook", "boat", "sail", "sailing", "puddle", "island"}
SAND_WORDS = {"beach", "sand", "sandy", "desert", "sandcastle", "island", "seashells"}
SNOW_WORDS = {"snow", "snowy", "winter", "snowman", "ice", "icy", "frozen", "sled", "sledding", "snowflakes"}
FLOWER_WORDS = {"flower", "flowers", "garden", "meadow", "blossom", "blossoms", "spring", "tulips",
                "daisies", "roses", "butterflies", "butterfly", "bloom", "blooming", "petals"}
TREE_WORDS = {"tree", "trees", "forest", "woods", "park", "jungle", "orchard", "treehouse", "oak", "leaves"}
CLOUD_WORDS = {"cloud", "clouds", "cloudy", "fluffy", "rain", "windy", "kite", "flying", "fly"}
SUN_WORDS = {"sun", "sunny", "sunshine", "morning", "summer", "bright", "day", "warm"}
HILL_WORDS = {"hill", "hills", "mountain", "mountains", "valley", "countryside", "farm", "field", "fields"}


@dataclass(frozen=True)
class Palette:
    """The colors of one frame. `accent` is a saturated hue for badges and labels;
    `ink` is the text color used on light panels."""

    sky_top: RGB
    sky_bottom: RGB
    ground_top: RGB
    ground_bottom: RGB
    accent_hue: float
    night: bool
    ink: RGB


@dataclass(frozen=True)
class Scenery:
    """What to draw, decided from the scene's words before any pixel is touched."""

    palette: Palette
    horizon: float  # fraction of the height
    indoor: bool
    space: bool
    shapes: tuple[str, ...]
    free: tuple[float, float, float, float]  # sky area no panel covers: sun and moon go there


def words_of(*texts: str) -> set[str]:
    """Lower-case words of `texts`, punctuation stripped."""
    out: set[str] = set()
    for text in texts:
        out.update("".join(c if c.isalnum() else " " for c in text.lower()).split())
    return out


def plan_scenery(words: set[str], style: str, rng: random.Random,
                 free: tuple[float, float, float, float]) -> Scenery:
    """Decide palette, horizon and shapes from the scene's words and the project style.
    `free` is the part of the frame the text panels leave visible."""
    space = bool(words & SPACE_WORDS)
    night = space or bool(words & NIGHT_WORDS)
    indoor = not space and bool(words & INDOOR_WORDS) and not words & (WATER_WORDS | TREE_WORDS | SNOW_WORDS)
    palette = _palette(words, style, night, rng)
    shapes: list[str] = []
    if not indoor and not space:
        shapes += _outdoor_shapes(words, night, rng)
    if space:
        shapes += ["stars", "planet"]
    if indoor:
        shapes += ["window", "rug"]
    return Scenery(palette, rng.uniform(0.56, 0.64), indoor, space, tuple(shapes), free)


def _outdoor_shapes(words: set[str], night: bool, rng: random.Random) -> list[str]:
    shapes = ["moon", "stars"] if night else []
    if not night and (words & SUN_WORDS or rng.random() < 0.5):
        shapes.append("sun")
    if words & HILL_WORDS or rng.random() < 0.5:
        shapes.append("hills")
    if "rainbow" in words or "rainbows" in words:
        shapes.append("rainbow")
    if words & CLOUD_WORDS or (not night and rng.random() < 0.6):
        shapes.append("clouds")
    if words & WATER_WORDS:
        shapes.append("water")
    if words & TREE_WORDS:
        shapes.append("trees")
    if words & FLOWER_WORDS:
        shapes.append("flowers")
    if words & SNOW_WORDS:
        shapes.append("snowflakes")
    return shapes


def _palette(words: set[str], style: str, night: bool, rng: random.Random) -> Palette:
    # The style shifts every hue a little and sets how saturated the frame is, so
    # all frames of one story share a look; the take adds a small jitter.
    style_words = words_of(style)
    shift = stable_int("style", style) % 40 - 20 + rng.uniform(-10, 10)
    sat = 0.55 if style_words & {"pastel", "soft", "watercolor", "gentle", "muted"} else 0.7
    if style_words & {"vibrant", "bold", "bright", "saturated", "neon"}:
        sat = 0.85
    accent = (stable_int("accent", style) + rng.randrange(0, 360, 30)) % 360
    if night:
        sky_top, sky_bottom = hls(232 + shift, 0.16, 0.5), hls(262 + shift, 0.34, 0.45)
        ground = hls(220 + shift, 0.22, 0.3), hls(225 + shift, 0.14, 0.3)
        return Palette(sky_top, sky_bottom, *ground, accent, True, (35, 38, 60))
    if words & INDOOR_WORDS and not words & SPACE_WORDS:  # sky becomes a warm wall
        sky_top, sky_bottom = hls(38 + shift / 2, 0.88, sat * 0.6), hls(30 + shift / 2, 0.82, sat * 0.55)
    elif words & EVENING_WORDS:
        sky_top, sky_bottom = hls(250 + shift, 0.62, sat * 0.6), hls(28 + shift, 0.78, sat)
    else:
        sky_top, sky_bottom = hls(205 + shift, 0.7, sat), hls(195 + shift, 0.9, sat * 0.8)
    ground = _ground(words, shift, sat)
    return Palette(sky_top, sky_bottom, *ground, accent, False, (40, 44, 62))


def _ground(words: set[str], shift: float, sat: float) -> tuple[RGB, RGB]:
    if words & INDOOR_WORDS:
        return hls(30 + shift / 2, 0.62, sat * 0.55), hls(25 + shift / 2, 0.5, sat * 0.5)
    if words & SNOW_WORDS:
        return hls(205, 0.95, 0.4), hls(210, 0.86, 0.35)
    if words & SAND_WORDS:
        return hls(42 + shift / 3, 0.8, sat), hls(36 + shift / 3, 0.7, sat * 0.8)
    return hls(105 + shift, 0.66, sat * 0.8), hls(120 + shift, 0.5, sat * 0.7)


def vertical_gradient(width: int, height: int, top: RGB, bottom: RGB) -> Image.Image:
    """A smooth top-to-bottom gradient: a 1x256 strip stretched to one column (bilinear),
    then repeated sideways (nearest), which costs a fraction of a 2-D bilinear resize."""
    strip = Image.new("RGB", (1, 256))
    strip.putdata([mix(top, bottom, i / 255) for i in range(256)])
    column = strip.resize((1, max(1, height)), Image.Resampling.BILINEAR)
    return column.resize((width, max(1, height)), Image.Resampling.NEAREST)


def render_scenery(width: int, height: int, scenery: Scenery, rng: random.Random) -> Image.Image:
    """The full background, RGBA (opaque), width x height."""
    pal = scenery.palette
    horizon = round(height * scenery.horizon)
    image = vertical_gradient(width, height, pal.sky_top, pal.sky_bottom).convert("RGBA")
    sky = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    sky_draw = ImageDraw.Draw(sky)
    for name, shape in _SKY_SHAPES.items():  # back to front, whatever order the words came in
        if name in scenery.shapes:
            shape(sky_draw, width, horizon, pal, rng, scenery.free)
    image.alpha_composite(sky)
    if not scenery.space:
        ground = vertical_gradient(width, height - horizon, pal.ground_top, pal.ground_bottom)
        image.paste(ground, (0, horizon))
    front = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    front_draw = ImageDraw.Draw(front)
    calm_top = round(height * (1 - CALM_FRACTION))
    for name, shape in _GROUND_SHAPES.items():
        if name in scenery.shapes:
            shape(front_draw, width, horizon, calm_top, pal, rng)
    image.alpha_composite(front)
    return image


# --- shapes in the sky (drawn before the ground, which hides their lower parts) ---

def _place(free: tuple[float, float, float, float], horizon: int, radius: float,
           rng: random.Random) -> tuple[float, float, float]:
    """Center and radius of a round sky object inside the free area, above the horizon."""
    x0, y0, x1, y1 = free
    y1 = min(y1, horizon)
    radius = max(6.0, min(radius, (y1 - y0) / 4, (x1 - x0) / 4))
    cx = rng.uniform(x0 + 2 * radius, max(x0 + 2 * radius, x1 - 2 * radius))
    cy = rng.uniform(y0 + 1.8 * radius, max(y0 + 1.8 * radius, y1 - 1.8 * radius))
    return cx, cy, radius


def _sun(draw: ImageDraw.ImageDraw, width: int, horizon: int, pal: Palette, rng: random.Random, free) -> None:
    cx, cy, radius = _place(free, horizon, horizon * rng.uniform(0.09, 0.12), rng)
    for step in range(5, 0, -1):  # soft glow: widening, fading rings
        r = radius * (1 + step * 0.14)
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(255, 238, 160, 30))
    draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=(255, 214, 92, 255))


def _moon(draw: ImageDraw.ImageDraw, width: int, horizon: int, pal: Palette, rng: random.Random, free) -> None:
    cx, cy, radius = _place(free, horizon, horizon * rng.uniform(0.07, 0.09), rng)
    for step in range(5, 0, -1):
        r = radius * (1 + step * 0.25)
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(230, 235, 255, 16))
    draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=(250, 246, 222, 255))
    for dx, dy, f in ((-0.3, -0.2, 0.22), (0.25, 0.3, 0.16), (0.35, -0.35, 0.1)):
        r = radius * f
        x, y = cx + dx * radius, cy + dy * radius
        draw.ellipse((x - r, y - r, x + r, y + r), fill=(226, 220, 196, 255))


def _stars(draw: ImageDraw.ImageDraw, width: int, horizon: int, pal: Palette, rng: random.Random, free) -> None:
    for _ in range(40):
        x, y = rng.uniform(0, width), rng.uniform(0, horizon * 0.9)
        r = rng.choice([1.0, 1.5, 2.0, 2.5]) * max(1.0, width / 1280)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=(255, 250, 220, rng.randrange(140, 255)))


def _rainbow(draw: ImageDraw.ImageDraw, width: int, horizon: int, pal: Palette, rng: random.Random, free) -> None:
    cx = width * rng.uniform(0.35, 0.65)
    outer = min(width * 0.42, horizon * 0.85)
    band = outer * 0.06
    colors = [(235, 90, 90), (245, 160, 70), (245, 215, 80), (110, 195, 110), (90, 150, 225), (150, 110, 200)]
    for i, color in enumerate(colors):
        r = outer - i * band
        draw.ellipse((cx - r, horizon - r, cx + r, horizon + r), outline=(*color, 190), width=math.ceil(band))


def _clouds(draw: ImageDraw.ImageDraw, width: int, horizon: int, pal: Palette, rng: random.Random, free) -> None:
    color = (120, 120, 160, 150) if pal.night else (255, 255, 255, 215)
    for _ in range(rng.randint(2, 4)):
        size = horizon * rng.uniform(0.07, 0.11)
        cx, cy = rng.uniform(0.05, 0.95) * width, horizon * rng.uniform(0.22, 0.6)
        for dx, dy, f in ((-1.2, 0.25, 0.7), (0, 0, 1.0), (1.1, 0.2, 0.75), (0.5, -0.35, 0.7)):
            r = size * f
            x, y = cx + dx * size, cy + dy * size
            draw.ellipse((x - r * 1.2, y - r, x + r * 1.2, y + r), fill=color)


def _hills(draw: ImageDraw.ImageDraw, width: int, horizon: int, pal: Palette, rng: random.Random, free) -> None:
    color = mix(pal.ground_top, pal.sky_bottom, 0.45)
    for _ in range(3):
        cx = rng.uniform(-0.1, 1.1) * width
        rx, ry = width * rng.uniform(0.25, 0.45), horizon * rng.uniform(0.12, 0.22)
        draw.ellipse((cx - rx, horizon - ry, cx + rx, horizon + ry), fill=(*color, 255))


def _planet(draw: ImageDraw.ImageDraw, width: int, horizon: int, pal: Palette, rng: random.Random, free) -> None:
    radius = horizon * 0.16
    cx, cy = width * rng.uniform(0.6, 0.85), horizon * rng.uniform(0.5, 0.8)
    hue = pal.accent_hue
    draw.ellipse((cx - radius * 2, cy - radius * 0.45, cx + radius * 2, cy + radius * 0.45),
                 outline=hls(hue + 40, 0.75, 0.5, 230), width=max(2, round(radius * 0.12)))
    draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=hls(hue, 0.6, 0.55, 255))


def _window(draw: ImageDraw.ImageDraw, width: int, horizon: int, pal: Palette, rng: random.Random, free) -> None:
    w, h = width * 0.16, horizon * 0.42
    x = width * rng.choice([0.2, 0.5, 0.68]) - w / 2
    y = horizon * 0.3
    draw.rectangle((x - 8, y - 8, x + w + 8, y + h + 8), fill=(250, 244, 232, 255))
    draw.rectangle((x, y, x + w, y + h), fill=(170, 215, 245, 255))
    draw.line((x + w / 2, y, x + w / 2, y + h), fill=(250, 244, 232, 255), width=6)
    draw.line((x, y + h / 2, x + w, y + h / 2), fill=(250, 244, 232, 255), width=6)


_SKY_SHAPES = {"hills": _hills, "stars": _stars, "rainbow": _rainbow, "sun": _sun, "moon": _moon,
               "clouds": _clouds, "planet": _planet, "window": _window}


# --- shapes on the ground (between the horizon and the calm caption band) ---

def _water(draw, width, horizon, calm_top, pal, rng) -> None:
    depth = (calm_top - horizon) * rng.uniform(0.35, 0.5)
    draw.rectangle((0, horizon, width, horizon + depth), fill=(110, 180, 225, 255))
    draw.rectangle((0, horizon, width, horizon + depth * 0.3), fill=(150, 205, 240, 255))
    for _ in range(14):
        x, y = rng.uniform(0, width), rng.uniform(horizon + depth * 0.2, horizon + depth * 0.9)
        w = width * rng.uniform(0.02, 0.04)
        draw.arc((x - w, y - w * 0.3, x + w, y + w * 0.3), 200, 340, fill=(235, 248, 255, 220),
                 width=max(2, round(width / 640)))


def _flowers(draw, width, horizon, calm_top, pal, rng) -> None:
    band = calm_top - horizon
    for _ in range(rng.randint(16, 24)):
        y = horizon + band * rng.uniform(0.15, 0.7)  # stem included, stays above the calm band
        size = band * (0.06 + 0.08 * (y - horizon) / band)  # nearer flowers are larger
        x = rng.uniform(0.02, 0.98) * width
        petal = hls(rng.choice([0, 45, 300, 330, 200, 270]), 0.72, 0.75, 255)
        draw.line((x, y, x, y + size * 1.6), fill=(70, 140, 70, 255), width=max(2, round(size / 4)))
        for k in range(5):
            a = k * 2 * math.pi / 5
            px, py = x + math.cos(a) * size * 0.6, y + math.sin(a) * size * 0.6
            draw.ellipse((px - size * 0.45, py - size * 0.45, px + size * 0.45, py + size * 0.45), fill=petal)
        draw.ellipse((x - size * 0.3, y - size * 0.3, x + size * 0.3, y + size * 0.3), fill=(255, 215, 80, 255))


def _trees(draw, width, horizon, calm_top, pal, rng) -> None:
    for _ in range(rng.randint(3, 5)):
        x = rng.choice([rng.uniform(0.02, 0.3), rng.uniform(0.7, 0.98)]) * width
        height = horizon * rng.uniform(0.25, 0.38)
        trunk = height * 0.12
        base = horizon + (calm_top - horizon) * rng.uniform(0.0, 0.15)
        draw.rectangle((x - trunk / 2, base - height * 0.5, x + trunk / 2, base), fill=(125, 90, 60, 255))
        green = hls(110 + rng.uniform(-15, 15), rng.uniform(0.35, 0.45), 0.45, 255)
        for dx, dy, f in ((0, -0.72, 0.3), (-0.2, -0.55, 0.24), (0.2, -0.55, 0.24)):
            r = height * f
            cx, cy = x + dx * height, base + dy * height
            draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=green)


def _snowflakes(draw, width, horizon, calm_top, pal, rng) -> None:
    for _ in range(50):
        x, y = rng.uniform(0, width), rng.uniform(0, calm_top * 0.97)
        r = rng.uniform(1.5, 3.5) * max(1.0, width / 1280)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=(255, 255, 255, 210))


def _rug(draw, width, horizon, calm_top, pal, rng) -> None:
    draw.rectangle((0, horizon, width, horizon + max(4, (calm_top - horizon) * 0.06)), fill=(250, 244, 232, 255))
    cx, rx = width * rng.uniform(0.35, 0.65), width * rng.uniform(0.22, 0.3)
    top, bottom = horizon + (calm_top - horizon) * 0.3, calm_top - (calm_top - horizon) * 0.05
    draw.ellipse((cx - rx, top, cx + rx, bottom), fill=hls(pal.accent_hue, 0.62, 0.45, 255))
    inset = (bottom - top) * 0.18
    draw.ellipse((cx - rx + inset * 2, top + inset, cx + rx - inset * 2, bottom - inset),
                 outline=hls(pal.accent_hue, 0.8, 0.5, 255), width=max(2, round(inset / 4)))


_GROUND_SHAPES = {"rug": _rug, "water": _water, "flowers": _flowers, "trees": _trees, "snowflakes": _snowflakes}
