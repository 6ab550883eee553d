"""PURE: the setting of each scene (time of day, weather, indoors/outdoors), carried
from scene to scene unless a prompt's words change it.

A one-evening story stays in the evening, rain keeps falling until a prompt says the
sun is out. Planning calls `carried_settings` (so this module imports nothing heavy);
each scene's image request then carries only its own resolved Setting, so editing one
prompt redraws a later scene only when that scene's resolved setting changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Iterator, Mapping, Sequence

TIMES = ("day", "evening", "night")
WEATHERS = ("clear", "cloudy", "rain", "snow")
PLACES = ("outdoors", "indoors")

# Words that say what time it is. "moon" alone means night, but "at dusk, the moon
# rising" is evening: evening words win over night words in one prompt.
DAY_WORDS = {"morning", "sunrise", "dawn", "noon", "midday", "daytime", "daylight", "sunny", "sunshine",
             "sunlight", "sunlit", "breakfast", "lunch", "afternoon", "sun"}
EVENING_WORDS = {"evening", "dusk", "sunset", "twilight", "sundown", "nightfall", "supper"}
NIGHT_WORDS = {"night", "nighttime", "midnight", "moon", "moonlit", "moonlight", "moonbeam", "moonbeams",
               "starry", "starlight", "starlit", "goodnight", "bedtime", "asleep", "tonight", "dark"}
RAIN_WORDS = {"rain", "raining", "rainy", "rained", "raindrops", "raindrop", "drizzle", "storm", "stormy",
              "thunder", "thunderstorm", "downpour", "umbrella", "umbrellas", "showers", "drenched"}
SNOW_WORDS = {"snow", "snowy", "snowing", "snowfall", "snowflakes", "snowflake", "blizzard", "snowman",
              "snowmen", "snowball", "snowballs", "sled", "sledding", "wintry"}
CLOUD_WORDS = {"cloud", "clouds", "cloudy", "overcast", "fog", "foggy", "mist", "misty"}
CLEAR_WORDS = {"sun", "sunny", "sunshine", "sunlight", "sunlit", "clear", "cloudless", "rainbow", "starry"}
INDOOR_WORDS = {"kitchen", "bedroom", "bed", "room", "home", "bakery", "library", "classroom", "living",
                "burrow", "den", "nest", "cottage", "attic", "bathroom", "bath", "table", "sofa", "couch",
                "fireplace", "windowsill", "inside", "shop", "museum", "hall", "castle", "house", "cave", "igloo"}
OUTDOOR_WORDS = {"meadow", "forest", "woods", "wood", "garden", "park", "path", "clearing", "beach", "field",
                 "fields", "sky", "street", "hill", "hills", "river", "lake", "pond", "sea", "ocean",
                 "mountain", "mountains", "trees", "tree", "grass", "jungle", "farm", "yard", "playground",
                 "road", "bridge", "island", "desert", "valley", "orchard", "fern", "ferns", "branch", "log", "picnic"}
STRONG_INDOOR = {"indoors", "kitchen", "bedroom", "burrow", "classroom", "bed"}
STRONG_OUTDOOR = {"outside", "outdoors", "meadow", "forest", "woods", "beach", "sky", "garden"}


@dataclass(frozen=True)
class Setting:
    """Where and when a scene happens. Invariant: each field is one of TIMES, WEATHERS,
    PLACES respectively."""

    time: str = "day"
    weather: str = "clear"
    place: str = "outdoors"

    def as_dict(self) -> dict[str, str]:
        """The setting as plain strings, as it goes into a SceneImageRequest."""
        return {"time": self.time, "weather": self.weather, "place": self.place}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Setting":
        """The Setting in `data`; unknown or missing values fall back to the defaults."""
        default = cls()
        time = data.get("time") if data.get("time") in TIMES else default.time
        weather = data.get("weather") if data.get("weather") in WEATHERS else default.weather
        place = data.get("place") if data.get("place") in PLACES else default.place
        return cls(str(time), str(weather), str(place))


def words_of(*texts: str) -> list[str]:
    """Lower-case words of `texts` in order, punctuation and hyphens as separators."""
    out: list[str] = []
    for text in texts:
        out.extend("".join(c if c.isalnum() else " " for c in text.lower()).split())
    return out


def resolve(words: Sequence[str], previous: Setting) -> Setting:
    """The setting a prompt with `words` describes, taking from `previous` whatever the
    words do not say."""
    found = set(words)
    return Setting(_time(found) or previous.time, _weather(found) or previous.weather,
                   _place(words) or previous.place)


def carried_settings(prompts: Sequence[str], style: str = "") -> list[Setting]:
    """One Setting per prompt, each resolved from its words and the one before; the
    first starts from what the style says ("twilight sky" -> evening), else a clear day
    outdoors."""
    return list(iter_carried_settings(prompts, style))


def iter_carried_settings(prompts: Iterable[str], style: str = "") -> Iterator[Setting]:
    """carried_settings one prompt at a time (planning a long story keeps none)."""
    current = resolve(words_of(style), Setting())
    for prompt in prompts:
        current = resolve(words_of(prompt), current)
        yield current


def _time(words: set[str]) -> str | None:
    if words & EVENING_WORDS:
        return "evening"
    if words & NIGHT_WORDS - {"dark"} or ("dark" in words and "sky" in words):
        return "night"
    if words & DAY_WORDS:
        return "day"
    return None


def _weather(words: set[str]) -> str | None:
    if words & RAIN_WORDS:
        return "rain"
    if words & SNOW_WORDS:
        return "snow"
    if words & {"away", "cleared", "clears", "gone"} and words & {"cloud", "clouds", "rain"}:
        return "clear"  # "the clouds drifted away"
    if words & CLEAR_WORDS:
        return "clear"
    if words & CLOUD_WORDS:
        return "cloudy"
    return None


def _place(words: Sequence[str]) -> str | None:
    """Indoors or outdoors by counting place words; "inside", "outside" and a few
    unmistakable places count double. A tie says nothing."""
    indoor = sum(1 + (w in STRONG_INDOOR) for w in words if w in INDOOR_WORDS | STRONG_INDOOR)
    outdoor = sum(1 + (w in STRONG_OUTDOOR) for w in words if w in OUTDOOR_WORDS | STRONG_OUTDOOR)
    if indoor > outdoor:
        return "indoors"
    if outdoor > indoor:
        return "outdoors"
    return None
