"""The storyboard's scenery: a sky or a room that follows the scene's setting (time of
day, weather, indoors/outdoors, see setting.py) and the things its prompt names (trees,
ferns, water, flowers, a path, lanterns, fireflies, a table, a bed ...).

Invariants: the bottom `calm_fraction` of the frame (where captions are burned) is a
smooth vertical gradient with no shapes; a rainy or snowy sky has no sun, a night sky
no daylight. All randomness comes from the `random.Random` passed in, so a frame is a
pure function of its request. Shapes are drawn by props.py.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from PIL import Image

from storybuild.providers.offline import props, room
from storybuild.providers.offline.drawing import RGB, mix, stable_int
from storybuild.providers.offline.setting import Setting, words_of

CALM_FRACTION = 0.22  # the bottom part of a landscape or square frame that captions may cover
TALL_CALM_FRACTION = 0.30  # 9:16: captions sit above the bottom 15% (platform buttons), so higher

SPACE_WORDS = {"space", "planet", "planets", "rocket", "galaxy", "astronaut", "spaceship", "comet"}
WATER_WORDS = {"water", "pool", "pond", "lake", "river", "sea", "ocean", "splash", "swim", "swimming",
               "beach", "stream", "brook", "boat", "sail", "sailing", "island"}
SAND_WORDS = {"beach", "sand", "sandy", "desert", "sandcastle", "island", "seashells"}
FLOWER_WORDS = {"flower", "flowers", "garden", "meadow", "blossom", "blossoms", "spring", "tulips",
                "daisies", "roses", "butterflies", "butterfly", "bloom", "blooming", "petals"}
TREE_WORDS = {"tree", "trees", "forest", "woods", "park", "jungle", "orchard", "treehouse", "oak", "leaves",
              "branch", "branches", "woodland", "clearing"}
FERN_WORDS = {"fern", "ferns", "forest", "woods", "bushes", "bush", "grass", "woodland", "jungle"}
HILL_WORDS = {"hill", "hills", "mountain", "mountains", "valley", "countryside", "farm", "field", "fields",
              "meadow"}
LANTERN_WORDS = {"lantern", "lanterns", "lights", "lamps", "garland", "parade", "festival", "fairy"}
GLOW_WORDS = {"firefly", "fireflies", "sparkles", "sparkling", "glowworm", "glowworms", "magic", "sparkly"}
PATH_WORDS = {"path", "road", "trail", "track", "way", "parade"}


@dataclass(frozen=True)
class Palette:
    """The colours of one frame: sky stops top to bottom (or the wall, indoors) and the
    ground (or floor) from the horizon down. Props and characters get the setting's
    light from props.light()."""

    sky: tuple[RGB, ...]
    ground_top: RGB
    ground_bottom: RGB


@dataclass(frozen=True)
class Scenery:
    """What to draw, decided from the setting and the scene's words before any pixel."""

    setting: Setting
    palette: Palette
    horizon: float  # fraction of the height
    calm: float  # fraction of the height kept calm at the bottom
    props: tuple[str, ...]

    def has(self, name: str) -> bool:
        """Whether the prop `name` is part of this scenery."""
        return name in self.props


def calm_fraction(width: int, height: int) -> float:
    """The bottom share of the frame kept free for captions (bigger on tall frames)."""
    return TALL_CALM_FRACTION if height > width * 1.2 else CALM_FRACTION


def plan_scenery(words: set[str], setting: Setting, style: str, rng: random.Random, width: int,
                 height: int) -> Scenery:
    """Palette, horizon and props from the setting, the prompt's words and the style."""
    space = bool(words & SPACE_WORDS)
    if space:
        setting = Setting("night", "clear", "outdoors")
    palette = _palette(setting, words, style)
    if setting.place == "indoors":
        chosen = _indoor_props(words, setting)
    else:
        chosen = _sky_props(words, setting, rng, space) + _ground_props(words, setting, rng, space)
    tall = height > width * 1.2
    horizon = rng.uniform(0.5, 0.54) if tall else rng.uniform(0.54, 0.6)
    if setting.place == "indoors":
        horizon = 0.56 if tall else 0.6
    return Scenery(setting, palette, horizon, calm_fraction(width, height), tuple(chosen))


def _sky_props(words: set[str], setting: Setting, rng: random.Random, space: bool) -> list[str]:
    if space:
        return ["stars", "planet"]
    time, weather = setting.time, setting.weather
    out = []
    if time == "night" and weather in {"clear", "cloudy"}:
        out.append("stars" if weather == "clear" else "few-stars")
    if time == "evening" and weather == "clear":
        out.append("few-stars")
    moon_word = bool(words & {"moon", "moonlight", "moonlit", "moonbeams", "moonbeam"})
    if weather in {"clear", "cloudy"} and (moon_word or (time == "night" and weather == "clear")):
        out.append("moon")
    elif time == "evening" and weather == "clear":
        out.append("sunset")
    if time == "day" and (weather == "clear" or (weather == "cloudy" and words & {"sun", "sunny", "sunshine"})):
        out.append("sun")
    if "rainbow" in words and weather != "snow" and time == "day":
        out.append("rainbow")
    if weather in {"rain", "snow"}:
        out.append("storm-clouds")
    elif weather == "cloudy" or (time == "day" and rng.random() < 0.7):
        out.append("clouds")
    return out


def _ground_props(words: set[str], setting: Setting, rng: random.Random, space: bool) -> list[str]:
    if space:
        return []
    out = []
    if words & HILL_WORDS or rng.random() < 0.4:
        out.append("hills")
    if words & TREE_WORDS or words & FERN_WORDS - {"grass"}:
        out.append("trees")
    if words & WATER_WORDS:
        out.append("water")
    if words & PATH_WORDS:
        out.append("path")
    if "log" in words or "logs" in words:
        out.append("log")
    if words & FERN_WORDS:
        out.append("ferns")
    if words & FLOWER_WORDS and setting.weather != "snow":
        out.append("flowers")
    out += _shared_props(words, setting)
    return out


def _indoor_props(words: set[str], setting: Setting) -> list[str]:
    out = ["floor", "window", "rug"]
    if words & {"burrow", "den", "cave", "hole", "nest"}:
        out.append("burrow")
    if words & {"table", "desk", "kitchen", "bakery", "breakfast", "lunch", "supper", "tea"}:
        out.append("table")
    if words & {"bed", "bedroom", "bedtime", "tucks", "tucked", "sleep", "asleep", "pillow"}:
        out.append("bed")
    if setting.time != "day":
        out.append("lamp")
    return out + _shared_props(words, setting)


def _shared_props(words: set[str], setting: Setting) -> list[str]:
    out = []
    if words & LANTERN_WORDS:
        out.append("lanterns")
    if words & GLOW_WORDS:
        out.append("fireflies")
    if setting.place == "outdoors" and setting.weather in {"rain", "snow"}:
        out.append(setting.weather)
    return out


def _palette(setting: Setting, words: set[str], style: str) -> Palette:
    # The style nudges every colour a little (one story, one look); pastel styles are lighter.
    soft = 0.12 if set(words_of(style)) & {"pastel", "soft", "watercolor", "gentle", "muted", "dreamy"} else 0.0
    shift = (stable_int("style", style) % 21 - 10) / 100
    if setting.place == "indoors":
        warm = (238, 214, 178) if "burrow" not in words else (196, 160, 120)
        wall = warm if setting.time == "day" else mix(warm, (120, 90, 110), 0.45)
        sky = (mix(wall, (255, 255, 255), 0.1), wall)
        ground = ((190, 135, 90), (150, 100, 66))
    else:
        sky, ground = _outdoor_colors(setting, words)
    sky = tuple(mix(c, (255, 255, 255), soft + shift * 0.5) for c in sky)
    return Palette(sky, mix(ground[0], (255, 255, 255), soft / 2), ground[1])


def _outdoor_colors(setting: Setting, words: set[str]) -> tuple[tuple[RGB, ...], tuple[RGB, RGB]]:
    sky: tuple[RGB, ...] = {
        "day": ((118, 182, 234), (206, 233, 248)),
        "evening": ((50, 58, 122), (128, 100, 160), (244, 168, 128)),
        "night": ((14, 20, 50), (34, 44, 92), (52, 66, 114)),
    }[setting.time]
    ground = {"day": ((132, 196, 106), (96, 160, 82)), "evening": ((92, 128, 96), (66, 96, 78)),
              "night": ((48, 78, 78), (30, 52, 58))}[setting.time]
    if setting.weather == "cloudy":
        sky = tuple(mix(c, (150, 156, 170), 0.25) for c in sky)
    elif setting.weather == "rain":
        sky = tuple(mix(c, (112, 122, 140), 0.55) for c in sky)
    elif setting.weather == "snow":
        sky = tuple(mix(c, (200, 210, 226), 0.45) for c in sky)
    if setting.weather == "snow" or words & {"snow", "snowy", "snowman", "ice", "icy", "frozen"}:
        dim = {"day": 0.0, "evening": 0.25, "night": 0.45}[setting.time]
        ground = (mix((240, 244, 250), (40, 50, 90), dim), mix((214, 224, 238), (30, 40, 80), dim))
    elif words & SAND_WORDS:
        ground = ((242, 216, 160), (226, 192, 130))
    if setting.weather == "rain":  # wet, grey-lit ground
        ground = (mix(ground[0], (90, 100, 110), 0.35), mix(ground[1], (70, 80, 90), 0.35))
    return sky, ground


def gradient(width: int, height: int, stops: tuple[RGB, ...]) -> Image.Image:
    """A smooth top-to-bottom RGB gradient through evenly spaced `stops`: a 1x256 strip
    stretched to one column (bilinear), then repeated sideways (nearest), which costs a
    fraction of a 2-D bilinear resize. Every row is one colour."""
    strip = Image.new("RGB", (1, 256))
    spans = max(1, len(stops) - 1)
    colors = []
    for i in range(256):
        t = i / 255 * spans
        k = min(int(t), spans - 1)
        colors.append(mix(stops[k], stops[min(k + 1, len(stops) - 1)], t - k))
    strip.putdata(colors)
    column = strip.resize((1, max(1, height)), Image.Resampling.BILINEAR)
    return column.resize((max(1, width), max(1, height)), Image.Resampling.NEAREST)


def render_background(width: int, height: int, scenery: Scenery, rng: random.Random) -> Image.Image:
    """Sky (or wall), ground (or floor) and every prop behind the characters, then the
    calm caption band; RGB, width x height."""
    pal = scenery.palette
    horizon = round(height * scenery.horizon)
    image = gradient(width, height, pal.sky)
    stage = props.Stage(image, horizon, calm_top(height, scenery), scenery.setting, rng)
    for name, draw in SKY.items():  # back to front, whatever order the words came in
        if scenery.has(name):
            draw(stage)
    if not scenery.has("planet"):  # the ground hides the lower half of a setting sun
        image.paste(gradient(width, height - horizon, (pal.ground_top, pal.ground_bottom)), (0, horizon))
    for name, draw in BACK.items():
        if scenery.has(name):
            draw(stage)
    return image


def calm_top(height: int, scenery: Scenery) -> int:
    """The first row of the calm caption band."""
    return round(height * (1 - scenery.calm))


def finish(image: Image.Image, scenery: Scenery, rng: random.Random) -> Image.Image:
    """After the characters: what glows (lanterns, fireflies) and the weather in front,
    then the calm band again so nothing drawn spills into it."""
    horizon = round(image.height * scenery.horizon)
    stage = props.Stage(image, horizon, calm_top(image.height, scenery), scenery.setting, rng)
    for name, draw in FRONT.items():
        if scenery.has(name):
            draw(stage)
    _calm_band(image, scenery)
    return image


def _calm_band(image: Image.Image, scenery: Scenery) -> None:
    """Repaint the caption band as the plain ground gradient ,
    fading in over a few rows above it so no prop ends in a hard line."""
    width, height = image.size
    pal = scenery.palette
    top = calm_top(height, scenery)
    feather = max(2, round(height * 0.03))
    horizon = height * scenery.horizon

    def ground_at(row: float) -> RGB:
        color = mix(pal.ground_top, pal.ground_bottom, (row - horizon) / max(1.0, height - horizon))
        return color

    band = gradient(width, height - top + feather, (ground_at(top - feather), mix(ground_at(height), (0, 0, 0), 0.1)))
    mask = Image.new("L", (1, band.height), 255)
    mask.putdata([min(255, round(255 * (i + 1) / feather)) for i in range(band.height)])
    image.paste(band, (0, top - feather), mask.resize(band.size, Image.Resampling.NEAREST))


SKY = {"stars": props.stars, "few-stars": props.few_stars, "sunset": props.sunset, "sun": props.sun,
       "moon": props.moon, "planet": props.planet, "rainbow": props.rainbow, "clouds": props.clouds,
       "storm-clouds": props.storm_clouds}
BACK = {"hills": props.hills, "trees": props.trees, "water": props.water,
        "path": props.path, "log": props.log, "flowers": props.flowers, "ferns": props.ferns,
        "burrow": room.burrow, "floor": room.floor, "window": room.window, "lamp": room.lamp, "bed": room.bed,
        "table": room.table, "rug": room.rug}
FRONT = {"lanterns": props.lanterns, "fireflies": props.fireflies, "rain": props.rain, "snow": props.snow}
