"""PURE: the setting of each scene (time of day, weather, indoors/outdoors), carried
from scene to scene unless a prompt's words change it.

A one-evening story stays in the evening, rain keeps falling until a prompt says the
sun is out. Planning calls `iter_carried_settings` (so this module imports nothing heavy);
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
RAIN_WORDS = {"rain", "rains", "raining", "rainy", "rained", "raindrops", "raindrop", "rainfall", "rainstorm",
              "drizzle", "drizzling", "storm", "stormy", "thunder", "thunderstorm", "downpour", "umbrella",
              "umbrellas", "showers", "drenched"}
SNOW_WORDS = {"snow", "snows", "snowy", "snowing", "snowed", "snowfall", "snowflakes", "snowflake", "blizzard",
              "snowman", "snowmen", "snowball", "snowballs", "sled", "sledding", "wintry"}
# Weather that ends: one of WEATHER_NOUNS, then within CLEARING_REACH words one of CLEARING_WORDS.
WEATHER_NOUNS = {"rain", "storm", "thunderstorm", "downpour", "drizzle", "showers", "snow", "snowfall", "blizzard",
                 "cloud", "clouds", "fog", "mist"}
CLEARING_WORDS = {"stopped", "stops", "stop", "ended", "ends", "passed", "cleared", "clears", "away", "gone",
                  "lifted"}
CLEARING_REACH = 3
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
    return Setting(_time(found) or previous.time, _weather(words) or previous.weather,
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


def _weather(words: Sequence[str]) -> str | None:
    if _clearing(words):
        return "clear"  # "the rain stopped", "the clouds drifted away": said before any rain word counts
    found = set(words)
    if found & RAIN_WORDS:
        return "rain"
    if found & SNOW_WORDS:
        return "snow"
    if found & CLEAR_WORDS:
        return "clear"
    if found & CLOUD_WORDS:
        return "cloudy"
    return None


def _clearing(words: Sequence[str]) -> bool:
    """Weather that ends: a rain, snow or cloud word followed within CLEARING_REACH
    words by one saying it stops ("the rain stopped", "the storm passed", "the clouds
    drifted away"); a clearing word elsewhere ("ran away in the rain") is not one."""
    ending = [index for index, word in enumerate(words) if word in CLEARING_WORDS]
    return any(word in WEATHER_NOUNS and any(0 < end - index <= CLEARING_REACH for end in ending)
               for index, word in enumerate(words))


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
