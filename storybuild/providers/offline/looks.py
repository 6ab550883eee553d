"""PURE: how a character looks in the storyboard, read from its description's words.

"a small fluffy orange tabby cat with bright green eyes" -> a cat (pointy ears, whiskers,
a curled tail) with an orange body and green eyes. The first animal word decides the
kind ("a kind grandmother badger" is a badger); people's words ("girl", "grandma")
come next; anything else is a friendly generic creature. Colours come from colour
words attached to the body, a part or a piece of clothing; a character without a body
colour gets its kind's natural colour, else a stable hue from its id.
"""

from __future__ import annotations

from dataclasses import dataclass

from storybuild.providers.offline.drawing import RGB, hls, mix, stable_int
from storybuild.providers.offline.setting import words_of


@dataclass(frozen=True)
class Anatomy:
    """Which parts a kind is drawn with. `shape`: critter | egg | human | robot | bug |
    ghost; the other fields name variants the figure drawer knows. `color` is the
    natural body colour, None when any colour suits the kind."""

    shape: str
    ears: str = "round"
    snout: str = "none"
    tail: str = "none"
    extras: tuple[str, ...] = ()
    color: RGB | None = None
    belly: RGB | None = None


_A = Anatomy
ANATOMIES: dict[str, Anatomy] = {
    "cat": _A("critter", "pointy", "whiskers", "curl"),
    "kitten": _A("critter", "pointy", "whiskers", "curl"),
    "tiger": _A("critter", "round", "whiskers", "curl", ("stripes",), (240, 150, 60), (250, 240, 225)),
    "lion": _A("critter", "round", "whiskers", "curl", ("mane",), (235, 185, 95)),
    "dog": _A("critter", "floppy", "muzzle", "curl"),
    "puppy": _A("critter", "floppy", "muzzle", "curl"),
    "bunny": _A("critter", "long", "whiskers", "puff"),
    "rabbit": _A("critter", "long", "whiskers", "puff"),
    "bear": _A("critter", "round", "muzzle", "none", (), (165, 115, 75)),
    "teddy": _A("critter", "round", "muzzle", "none", (), (190, 140, 90)),
    "panda": _A("critter", "round", "muzzle", "none", ("panda",), (248, 248, 245)),
    "koala": _A("critter", "big", "nose", "none", (), (160, 165, 175)),
    "mouse": _A("critter", "big", "whiskers", "thin", (), (175, 170, 170)),
    "hamster": _A("critter", "round", "whiskers", "none", (), (230, 175, 110)),
    "monkey": _A("critter", "side", "muzzle", "thin", (), (150, 100, 65)),
    "squirrel": _A("critter", "pointy", "whiskers", "bushy", (), (200, 110, 60)),
    "fox": _A("critter", "pointy", "fox", "bushy", (), (236, 128, 55)),
    "wolf": _A("critter", "pointy", "muzzle", "bushy", (), (150, 155, 165)),
    "pig": _A("critter", "pointy", "pig", "curl", (), (245, 170, 185)),
    "piglet": _A("critter", "pointy", "pig", "curl", (), (245, 175, 190)),
    "sheep": _A("critter", "floppy", "none", "puff", ("wool",), (248, 246, 238)),
    "lamb": _A("critter", "floppy", "none", "puff", ("wool",), (250, 248, 240)),
    "cow": _A("critter", "floppy", "pig", "thin", ("spots", "horns"), (250, 250, 248)),
    "horse": _A("critter", "pointy", "muzzle", "bushy", ("mane",), (170, 115, 75)),
    "pony": _A("critter", "pointy", "muzzle", "bushy", ("mane",), (225, 190, 150)),
    "unicorn": _A("critter", "pointy", "muzzle", "bushy", ("mane", "horn"), (250, 248, 252)),
    "giraffe": _A("critter", "pointy", "muzzle", "thin", ("spots", "horns"), (240, 195, 95)),
    "elephant": _A("critter", "big", "trunk", "thin", (), (165, 170, 185)),
    "hedgehog": _A("critter", "round", "nose", "none", ("spines",), (170, 125, 85), (245, 228, 200)),
    "badger": _A("critter", "round", "nose", "none", ("badger",), (150, 150, 158)),
    "raccoon": _A("critter", "pointy", "nose", "bushy", ("mask",), (150, 150, 158)),
    "frog": _A("critter", "none", "none", "none", ("frog",), (120, 190, 90)),
    "turtle": _A("critter", "none", "none", "none", ("shell",), (130, 190, 110)),
    "owl": _A("egg", "tufts", "beak", "none", ("wings",), (170, 125, 85), (240, 225, 195)),
    "bird": _A("egg", "none", "beak", "none", ("wings",), (110, 170, 230)),
    "chick": _A("egg", "none", "beak", "none", ("wings",), (250, 215, 90)),
    "duck": _A("egg", "none", "bill", "none", ("wings",), (250, 220, 90)),
    "duckling": _A("egg", "none", "bill", "none", ("wings",), (250, 225, 100)),
    "penguin": _A("egg", "none", "beak", "none", ("wings",), (60, 65, 85), (250, 250, 248)),
    "firefly": _A("bug", "none", "none", "none", ("glow",), (250, 215, 90)),
    "bee": _A("bug", "none", "none", "none", ("stripes",), (250, 205, 70)),
    "ladybug": _A("bug", "none", "none", "none", ("spots",), (225, 60, 55)),
    "butterfly": _A("bug", "none", "none", "none", (), None),
    "snail": _A("critter", "none", "none", "none", ("shell",), (200, 190, 150)),
    "dragon": _A("critter", "none", "muzzle", "dragon", ("horns", "wings", "spikes"), None),
    "dinosaur": _A("critter", "none", "muzzle", "dragon", ("spikes",), None),
    "monster": _A("critter", "none", "none", "none", ("horns",), None),
    "robot": _A("robot", color=(175, 185, 200)),
    "alien": _A("critter", "none", "none", "none", ("antennae",), (140, 215, 120)),
    "ghost": _A("ghost", color=(250, 250, 255)),
}
PEOPLE = {"girl", "boy", "child", "kid", "baby", "princess", "prince", "knight", "pirate", "astronaut", "wizard",
          "witch", "grandma", "grandmother", "granny", "nana", "grandpa", "grandfather", "granddad", "mermaid",
          "fairy", "king", "queen", "mom", "mother", "mum", "dad", "father", "teacher", "chef", "farmer",
          "girls", "boys", "children", "kids", "woman", "man", "lady", "gentleman", "elf"}
ELDERS = {"grandma", "grandmother", "granny", "nana", "grandpa", "grandfather", "granddad"}
SKIN = ((255, 222, 196), (241, 194, 150), (214, 160, 112), (168, 112, 72), (118, 78, 50))
HAIR = ((60, 45, 40), (110, 70, 45), (165, 110, 60), (235, 200, 120), (200, 95, 55))

COLORS: dict[str, RGB] = {
    "red": (222, 72, 64), "orange": (240, 145, 60), "ginger": (230, 130, 60), "yellow": (250, 215, 80),
    "golden": (236, 190, 72), "gold": (236, 190, 72), "amber": (232, 160, 50), "green": (95, 175, 90),
    "mint": (160, 222, 190), "teal": (60, 160, 160), "turquoise": (70, 200, 200), "blue": (80, 140, 220),
    "navy": (50, 70, 130), "purple": (150, 100, 200), "violet": (150, 100, 210), "lavender": (188, 165, 228),
    "pink": (245, 160, 190), "rosy": (240, 150, 160), "brown": (150, 105, 70), "tan": (205, 165, 115),
    "tawny": (190, 135, 78), "chocolate": (110, 70, 45), "black": (62, 62, 72), "white": (246, 246, 242),
    "snowy": (248, 248, 250), "cream": (246, 232, 204), "grey": (152, 152, 162), "gray": (152, 152, 162),
    "silver": (188, 192, 204), "beige": (226, 206, 170), "copper": (190, 110, 60), "russet": (180, 90, 50),
    "honey": (225, 170, 80), "crimson": (200, 40, 60), "scarlet": (225, 50, 45), "sky": (130, 190, 240),
    "berry": (170, 50, 95), "peach": (250, 190, 150), "lilac": (200, 170, 225), "emerald": (40, 160, 100),
}
SHADES = {"light": 0.35, "pale": 0.45, "dark": -0.35, "deep": -0.3}
OTHER_PARTS = {"cheeks", "nose", "paws", "ears", "tail", "wings", "beak", "spots", "stripes", "tip", "lights", "paw"}
BODY_PARTS = {"fur", "coat", "body", "feathers", "spines", "quills", "scales", "skin", "wool", "shell", "tabby",
              "fluff", "plumage"}
BELLY_PARTS = {"face", "belly", "tummy", "chest", "muzzle"}
CLOTHES = {"scarf", "shawl", "collar", "bow", "ribbon", "hat", "cap", "dress", "cape", "cloak", "shirt", "jacket",
           "sweater", "jumper", "overalls", "apron", "bandana", "vest", "hoodie", "raincoat", "tie", "crown",
           "backpack", "helmet", "armor", "armour", "basket", "boots", "tutu", "bell"}
GLASSES = {"glasses", "spectacles", "goggles", "monocle"}


@dataclass(frozen=True)
class Look:
    """A character as the figure drawer needs it. Invariant: colours are RGB tuples;
    `clothes` maps a clothing word (scarf, shawl, dress ...) to its colour."""

    kind: str
    anatomy: Anatomy
    body: RGB
    belly: RGB
    eyes: RGB
    hair: RGB
    skin: RGB
    clothes: tuple[tuple[str, RGB], ...]
    glasses: bool
    elder: bool
    flying: bool


def look_of(character_id: str, description: str, name: str = "") -> Look:
    """The Look of a character from its description (same words -> same Look)."""
    words = words_of(description)
    person = next((w for w in words if w in PEOPLE), None)
    kind = next((w for w in words if w in ANATOMIES), None) or person or "friend"
    anatomy = ANATOMIES.get(kind) or (Anatomy("human") if kind == person else Anatomy("critter", "round", "none"))
    colors = _colors(words)
    hue = stable_int("character", character_id, name) % 360
    body = colors.get("body") or anatomy.color or hls(hue, 0.66, 0.55)
    belly = colors.get("belly") or anatomy.belly or mix(body, (255, 250, 240), 0.55)
    clothes = tuple((word, colors.get(word) or hls(hue + 40 * i, 0.6, 0.6)) for i, word in
                    enumerate(dict.fromkeys(w for w in words if w in CLOTHES)))
    pick = stable_int("look", character_id)
    elder = bool(set(words) & ELDERS)
    hair = colors.get("hair") or ((214, 214, 222) if elder else HAIR[pick % len(HAIR)])
    if anatomy.shape == "human" and not colors.get("body"):
        body = next((c for w, c in clothes if w in {"dress", "shirt", "sweater", "jumper", "raincoat", "jacket",
                                                    "overalls", "hoodie", "armor"}), hls(hue, 0.6, 0.6))
    flying = anatomy.shape == "bug" or kind in {"fairy", "ghost", "butterfly"}
    return Look(kind, anatomy, body, belly, colors.get("eyes") or (45, 40, 45), hair,
                SKIN[(pick // 7) % len(SKIN)], clothes, bool(set(words) & GLASSES), elder, flying)


def _colors(words: list[str]) -> dict[str, RGB]:
    """Colour of each part: "body", "belly", "eyes", "hair" or a clothing word. A colour
    goes to the first part word within three words after it; a colour before no part
    word is the body's (once)."""
    found: dict[str, RGB] = {}
    i = 0
    while i < len(words):
        color, i = _color_run(words, i)
        if color is None:
            i += 1
            continue
        part = next((words[j] for j in range(i, min(i + 3, len(words))) if _part(words[j])), None)
        key = _part(part) if part else "body"
        if key != "other":
            found.setdefault(key, color)
    return found


def _color_run(words: list[str], i: int) -> tuple[RGB | None, int]:
    """The colour named by the words from i ("light brown", "mint green"), and the
    index after them; (None, i) when words[i] starts no colour."""
    shade, colors, j = 0.0, [], i
    while j < len(words) and (words[j] in SHADES or words[j] in COLORS):
        if words[j] in SHADES:
            shade += SHADES[words[j]]
        else:
            colors.append(COLORS[words[j]])
        j += 1
    if not colors:
        return None, i
    color = colors[0] if len(colors) == 1 else mix(colors[0], colors[-1], 0.5)
    if shade > 0:
        color = mix(color, (255, 255, 255), shade)
    elif shade < 0:
        color = mix(color, (0, 0, 0), -shade)
    return color, j


def _part(word: str | None) -> str | None:
    if word in BODY_PARTS or word in ANATOMIES:
        return "body"
    if word in BELLY_PARTS:
        return "belly"
    if word in {"eyes", "eye"}:
        return "eyes"
    if word in {"hair", "curls", "pigtails", "braids", "ponytail"}:
        return "hair"
    if word in CLOTHES:
        return word
    if word in OTHER_PARTS:
        return "other"
    return None
