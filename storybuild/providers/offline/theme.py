"""Reading a one-line story theme: who is in it, where it happens, what they do.

"a cat and a dog playing in the garden" -> Whiskers the cat and Buster the dog,
the garden, "playing". Everything is word lists and small rules: no model, no network,
and the same theme always gives the same answer.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from storybuild.model import slugify
from storybuild.providers.offline.conflict import Conflict, gerund, read_conflict
from storybuild.providers.offline.drawing import stable_int
from storybuild.providers.offline.story_words import (ACTIVITY_NOUNS, ALIASES, COLORS, DEFAULT_PAIRS, KINDS, NOT_VERBS,
                                                      PLACE_WORDS, PLACES, SIDEKICKS, TRAITS, VERBS, Place)

MAX_CAST = 4
NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "some": 2,
           "2": 2, "3": 3, "4": 4, "5": 5}
PREPOSITIONS = {"in", "at", "on", "to", "into", "under", "near", "by", "inside", "through", "across", "around"}
DETERMINERS = {"the", "a", "an", "their", "his", "her", "its", "my", "our", "some"}
PHRASE_STOPS = PREPOSITIONS - {"to"} | {"and", "while", "during", "who", "that", "which", "when", "until", "after",
                                        "before", "but", "so", ",", ".", ";", "!", "?"}
TRAILING = DETERMINERS | {"with", "and", "of", "to", "for", "together"}
WEAK_ACTIVITIES = {"going", "looking", "making", "helping", "finding", "being", "having", "getting", "learning"}
COMMON = {"once", "when", "how", "why", "what", "this", "that", "there", "here", "my", "our", "then",
          "story", "tale", "day", "night", "morning", "one", "two", "three", "best", "friends", "friend"}
GERUNDS = {"swim": "swimming", "run": "running", "dig": "digging", "hop": "hopping", "plan": "planning",
           "sled": "sledding", "ski": "skiing", "be": "being", "skip": "skipping", "nap": "napping",
           "knit": "knitting"}


@dataclass(frozen=True)
class Member:
    """A character of the story. `id` matches the story schema's id pattern; `noun` is
    the kind ("cat"), which every description contains."""

    id: str
    name: str
    noun: str
    description: str


@dataclass(frozen=True)
class Theme:
    """What the writer knows about a theme. Invariant: 2 to 4 cast members with unique
    ids and names; `activity` is a gerund phrase ("baking cookies"); `hero` indexes
    `cast`: the member the `conflict` (if any) belongs to."""

    text: str
    cast: tuple[Member, ...]
    place: Place
    activity: str
    conflict: Conflict | None = None
    hero: int = 0


@dataclass(frozen=True)
class _Mention:
    noun: str
    count: int
    name: str | None
    color: str | None
    trait: str | None
    at: int = -1  # its token's place in the theme (names without a kind are listed last)


def read_theme(text: str) -> Theme:
    """Characters, place and activity of `text`, with friendly defaults for what is missing."""
    conflict = read_conflict(text)
    # The trouble's own words are not characters or pastimes: "wants to be a pirate"
    # names no pirate, and "can't swim" is not a day spent swimming.
    rest = text
    if conflict and not conflict.hero_after:
        start, end = conflict.span
        rest = text[:start] + " , " + text[end:]
    tokens = _tokens(rest)
    rng = random.Random(stable_int("theme", text.lower()))
    mentions = _mentions(tokens)
    cast = _cast(mentions, rng)
    place = _place(_tokens(text), rng)
    activity = _activity(tokens) or _activity_noun(tokens) or place.activity
    if activity == "playing":  # too bare to carry a story: play something
        activity = place.activity if place.activity.startswith("playing") else "playing games"
    if conflict and conflict.kind in ("ability", "wish") and gerund(conflict.word) in activity.split():
        activity = "playing games"  # no day spent baking before the hero learns to bake
    return Theme(text, cast, place, activity, conflict, _hero(text, conflict, mentions, len(cast)))


def _tokens(text: str) -> list[str]:
    return re.findall(r"[A-Za-z][A-Za-z'-]*|\d+|[,.;!?]", text)


def _hero(text: str, conflict: Conflict | None, mentions: list[_Mention], cast_size: int) -> int:
    """Which cast member the trouble belongs to: the one named just before it ("a cat
    and a dragon who is afraid"), or just after it ("a cat and a lonely robot"),
    wherever `mentions` (the cast's order) lists it."""
    if conflict is None:
        return 0
    at = len(_tokens(text[: conflict.span[0]]))  # the trouble's place among the tokens
    if conflict.hero_after:
        found = min((m for m in mentions if m.at >= at), key=lambda m: m.at, default=None)
    else:
        found = max((m for m in mentions if 0 <= m.at < at), key=lambda m: m.at, default=None)
    if found is None:
        return 0 if conflict.hero_after else max(0, cast_size - 1)
    first = sum(m.count for m in mentions[: mentions.index(found)])
    return min(first if conflict.hero_after else first + found.count - 1, cast_size - 1)


def kind_of(word: str) -> tuple[str, bool] | None:
    """(kind noun, is plural) of a word that names a character kind, else None."""
    word = word.lower()
    if word in KINDS:
        return word, False
    if word in ALIASES:
        noun = ALIASES[word]
        return noun, word != noun and (word.endswith("s") or word in ("mice", "children"))
    for suffix, replacement in (("ies", "y"), ("es", ""), ("s", "")):
        if word.endswith(suffix) and word[: -len(suffix)] + replacement in KINDS:
            return word[: -len(suffix)] + replacement, True
    return None


def _mentions(tokens: list[str]) -> list[_Mention]:
    """Every character the theme names, in order, with count, adjectives and given name."""
    mentions: list[_Mention] = []
    named: set[int] = set()
    for i, token in enumerate(tokens):
        found = kind_of(token)
        if found is None:
            continue
        noun, plural = found
        if i + 1 < len(tokens) and (kind_of(tokens[i + 1]) or ("", False))[0] == noun:
            continue  # "teddy bear": one bear, named by the second word
        if i and tokens[i - 1].lower() == "the" and not plural and any(m.noun == noun for m in mentions):
            continue  # "a cat and a dog, and the dog ...": the same dog again
        color, trait, count = _modifiers(tokens, i)
        name = _given_name(tokens, i, named)
        mentions.append(_Mention(noun, count or (2 if plural else 1), name, color, trait, i))
    for i, token in enumerate(tokens):  # names with no kind: "Maya and Leo build a sandcastle"
        if i not in named and _looks_like_name(tokens, i):
            mentions.append(_Mention("child", 1, token, None, None, i))
    return mentions


def _modifiers(tokens: list[str], i: int) -> tuple[str | None, str | None, int | None]:
    """Color, trait and number words just before the noun at `i` ("two little red ...")."""
    color = trait = count = None
    for j in range(i - 1, max(-1, i - 4), -1):
        word = tokens[j].lower()
        if word in COLORS and color is None:
            color = "gray" if word == "grey" else word
        elif word in TRAITS and trait is None:
            trait = word
        elif word in NUMBERS:
            count = NUMBERS[word]
            break
        else:
            break
    return color, trait, count


def _given_name(tokens: list[str], i: int, named: set[int]) -> str | None:
    """ "Luna the cat" or "a cat named Luna" -> "Luna" (and remember its position)."""
    if i >= 2 and tokens[i - 1].lower() == "the" and _capitalized_word(tokens, i - 2):
        named.add(i - 2)
        return tokens[i - 2]
    if i + 2 < len(tokens) and tokens[i + 1].lower() in ("named", "called") and _capitalized_word(tokens, i + 2):
        named.add(i + 2)
        return tokens[i + 2]
    return None


def _capitalized_word(tokens: list[str], i: int) -> bool:
    token = tokens[i]
    return token[:1].isupper() and token.lower() not in NUMBERS and token.lower() not in DETERMINERS | COMMON


def _looks_like_name(tokens: list[str], i: int) -> bool:
    """A capitalized word that is no known word and not a place ("in Paris")."""
    word = tokens[i].lower()
    if not _capitalized_word(tokens, i) or kind_of(word) or word in PLACES or word in PLACE_WORDS:
        return False
    if word in VERBS or word in TRAITS or word in COLORS or word in PREPOSITIONS or word in PHRASE_STOPS:
        return False
    return not (i > 0 and tokens[i - 1].lower() in PREPOSITIONS | {"of", "from", "the"})


def _cast(mentions: list[_Mention], rng: random.Random) -> tuple[Member, ...]:
    """Up to four members; two default friends for a theme with none, a sidekick for one alone."""
    wanted: list[_Mention] = []
    for mention in mentions:
        for _ in range(mention.count):
            wanted.append(mention)
    wanted = wanted[:MAX_CAST]
    if not wanted:
        pair = DEFAULT_PAIRS[rng.randrange(len(DEFAULT_PAIRS))]
        wanted = [_Mention(noun, 1, None, None, None) for noun in pair]
    elif len(wanted) == 1:
        choices = [noun for noun in SIDEKICKS if noun != wanted[0].noun]
        wanted.append(_Mention(choices[rng.randrange(len(choices))], 1, None, None, None))
    members: list[Member] = []
    for mention in wanted:
        members.append(_member(mention, members, rng))
    return tuple(members)


def _member(mention: _Mention, others: list[Member], rng: random.Random) -> Member:
    kind = KINDS[mention.noun]
    used_names = {m.name for m in others}
    name = mention.name if mention.name and mention.name not in used_names else None
    name = name or next((n for n in kind.names if n not in used_names), f"{kind.names[0]} {len(others) + 1}")
    base_id = slugify(name)
    used_ids = {m.id for m in others}
    member_id, n = base_id, 2
    while member_id in used_ids:
        member_id, n = f"{base_id}-{n}", n + 1
    return Member(member_id, name, kind.noun, _description(kind, mention, rng))


def _description(kind, mention: _Mention, rng: random.Random) -> str:
    """ "a small fluffy orange tabby cat with bright green eyes and a white-tipped tail" """
    look = kind.looks[rng.randrange(len(kind.looks))]
    if mention.color:
        look = f"{'friendly' if not mention.trait else ''} {mention.color}".strip()
    if mention.trait and mention.trait not in look.split():
        look = f"{mention.trait} {look}"
    first, second = rng.sample(kind.features, 2)
    article = "an" if look[:1].lower() in "aeiou" else "a"
    return f"{article} {look} {kind.noun} with {first} and {second}"


def _place(tokens: list[str], rng: random.Random) -> Place:
    """Where the story happens: a place after a preposition, else any place word, else a
    place from the prepositional phrase itself, else a default."""
    lowered = [t.lower() for t in tokens]
    phrase_heads = [i for i, word in enumerate(lowered) if i > 0 and _after_preposition(lowered, i)]
    for candidates in (phrase_heads, range(len(lowered))):
        for i in candidates:
            if lowered[i] in PLACES:
                return PLACES[lowered[i]]
            if candidates is phrase_heads and lowered[i] in PLACE_WORDS:
                return PLACES[PLACE_WORDS[lowered[i]]]
    for word in lowered:
        if word in PLACE_WORDS:
            return PLACES[PLACE_WORDS[word]]
    custom = _custom_place(tokens)
    if custom:
        return custom
    return PLACES[("garden", "meadow", "park", "forest")[rng.randrange(4)]]


def _after_preposition(lowered: list[str], i: int) -> bool:
    """True if word i ends a short phrase opened by a preposition ("in the big garden")."""
    for j in range(i - 1, max(-1, i - 4), -1):
        if lowered[j] in PREPOSITIONS:
            return True
        if lowered[j] not in DETERMINERS and lowered[j] not in TRAITS and lowered[j] not in COLORS:
            return False
    return False


def _custom_place(tokens: list[str]) -> Place | None:
    """A place the vocabulary does not know, from "in/at/on the <words>"."""
    lowered = [t.lower() for t in tokens]
    for i, word in enumerate(lowered[:-1]):
        if word not in ("in", "at", "on", "inside", "near", "under"):
            continue
        words = []
        for token in tokens[i + 1: i + 5]:
            if token.lower() in PHRASE_STOPS or kind_of(token) or not token[0].isalnum():
                break
            words.append(token)
        while words and words[-1].lower() in TRAILING:
            words.pop()
        if words and not all(w.lower() in DETERMINERS for w in words):
            if words[0].lower() not in DETERMINERS and not words[0][0].isupper():
                words.insert(0, "the")  # "in puddles" -> "in the puddles"; "in Paris" stays
            name = " ".join(words)
            spots = ("a shady tree", "a little hill", "a winding path", "a cozy corner", "a sunny clearing")
            where = f"{word} {name}"
            return Place(name, where, where, "outdoor", spots, "playing games", name.split()[-1].capitalize())
    return None


def _activity(tokens: list[str]) -> str | None:
    """The first verb phrase of the theme as a gerund ("learns to bake" -> "learning to bake")."""
    for i, token in enumerate(tokens):
        gerund = _gerund(token.lower())
        if gerund is None:
            continue
        words = [gerund]
        for follower in tokens[i + 1: i + 6]:
            low = follower.lower()
            if low in PHRASE_STOPS or kind_of(low) or low in PLACES or _capitalized_word([follower], 0):
                break
            words.append(low)
        while len(words) > 1 and words[-1] in TRAILING:
            words.pop()
        phrase = " ".join(words)
        if phrase not in WEAK_ACTIVITIES:
            return phrase
    return None


def _activity_noun(tokens: list[str]) -> str | None:
    """An activity suggested by a noun ("picnic" -> "having a picnic")."""
    for token in tokens:
        if token.lower() in ACTIVITY_NOUNS:
            return ACTIVITY_NOUNS[token.lower()]
    return None


def _gerund(word: str) -> str | None:
    """The -ing form of a verb token, or None when the token is no verb we know."""
    if word.endswith("ing") and len(word) > 4 and word not in NOT_VERBS and not kind_of(word):
        return word
    base = word if word in VERBS else None
    for suffix, replacement in (("ies", "y"), ("es", ""), ("s", "")):
        if base is None and word.endswith(suffix) and word[: -len(suffix)] + replacement in VERBS:
            base = word[: -len(suffix)] + replacement
    if base is None:
        return None
    if base in GERUNDS:
        return GERUNDS[base]
    if base.endswith("ie"):
        return base[:-2] + "ying"
    if base.endswith("e") and not base.endswith("ee"):
        return base[:-1] + "ing"
    return base + "ing"
