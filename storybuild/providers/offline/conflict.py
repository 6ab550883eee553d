"""The trouble a theme gives its hero ("a dragon who is afraid of the dark"), read with
small patterns, and the four beats that carry it through a story: the problem, a try,
the turn (a friend helps) and the ending (it is overcome).

Five kinds: fear ("afraid of the dark"), ability ("can't swim", "learns to ride a
bike"), wish ("wants to fly"), lost ("lost his red kite") and feeling ("is lonely").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

STOPS = r"(?=\s*(?:[,.;!?]|\band\b|\bbut\b|\bwho\b|\bwhen\b|\bwhile\b|\buntil\b|\bso\b|\bbecause\b|\bwith\b|" \
        r"\bin\b|\bat\b|\bon\b|\bby\b|\bnear\b|\binside\b|\bduring\b|$))"
OBJECT = r"((?:[a-z'-]+\s+){0,3}?[a-z'-]+)" + STOPS
FEELINGS = r"(lonely|shy|sad|grumpy|jealous|bored|worried|homesick|angry|cross|nervous|scared|afraid)"
PATTERNS: tuple[tuple[str, str], ...] = (
    ("lost", r"\b(?:loses|lost|has\s+lost|can't\s+find|cannot\s+find|is\s+looking\s+for|"
             r"looks\s+for|searches\s+for)\s+(?:his|her|their|its|a|an|the|my)\s+" + OBJECT),
    ("fear", r"\b(afraid|scared|frightened|terrified|nervous|fearful)\s+of\s+" + OBJECT),
    ("fear", r"\b(fears)\s+" + OBJECT),
    ("ability", r"\b(?:can't|cannot|can\s+not|couldn't|could\s+not|doesn't\s+know\s+how\s+to|"
                r"does\s+not\s+know\s+how\s+to|is\s+unable\s+to|(?:learns?|learning)\s+(?:how\s+)?to)\s+" + OBJECT),
    ("wish", r"\b(?:wants?|wanted|wishes|wished|longs|hopes|dreams\s+of\s+being\s+able)\s+to\s+" + OBJECT),
    ("feeling", r"\b(?:is|feels|was|felt|gets)\s+(?:very\s+|so\s+|too\s+|a\s+little\s+)?" + FEELINGS + r"\b()"),
)
# "a lonely robot": the feeling before its noun, read only when no phrase above matched.
BEFORE_NOUN = r"\b" + FEELINGS + r"\s+(?:little\s+|young\s+|old\s+)?[a-z]"
ARTICLES = {"the", "a", "an", "his", "her", "their", "its", "my"}
FILLER = {"the", "a", "an", "his", "her", "their", "its", "very", "big", "little", "favorite", "favourite"}
GERUNDS = {"be": "being", "see": "seeing", "swim": "swimming", "run": "running", "dig": "digging",
           "hop": "hopping", "skip": "skipping", "sit": "sitting", "win": "winning", "get": "getting",
           "stop": "stopping", "shop": "shopping", "jog": "jogging", "spin": "spinning", "swing": "swinging"}


@dataclass(frozen=True)
class Conflict:
    """A theme's trouble. `kind` is one of fear, ability, wish, lost, feeling; `word` is
    the theme's own word that every story with this conflict says (afraid, swim, kite,
    lonely); `thing` is what it is about, as the theme put it ("the dark", "ride a bike",
    "red kite", ""); `feeling` is the fear word the theme used; `span` is where the
    phrase stands in the theme text, so its nouns are not read as characters; `hero_after`
    says the hero is the character named right after it ("a lonely robot"), not before
    it ("a dragon who is afraid")."""

    kind: str
    word: str
    thing: str
    feeling: str
    span: tuple[int, int]
    hero_after: bool = False


def read_conflict(text: str) -> Conflict | None:
    """The first conflict phrase of `text`, or None when the theme names no trouble."""
    lowered = text.lower().replace("\u2019", "'")
    found = []
    for kind, pattern in PATTERNS:
        match = re.search(pattern, lowered)
        if match:  # a feeling is placed at its word, so "is afraid of" is read as a fear
            found.append((match.start(1) if kind == "feeling" else match.start(), kind, match))
    if not found:
        match = re.search(BEFORE_NOUN, lowered)
        return Conflict("feeling", match.group(1), "", match.group(1), match.span(1), True) if match else None
    _, kind, match = min(found, key=lambda item: item[0])  # the first in the text; ties go to PATTERNS' order
    if kind == "fear":
        feeling = "afraid" if match.group(1) == "fears" else match.group(1)
        thing = match.group(2)
        return Conflict(kind, _key_noun(thing), thing, feeling, match.span())
    if kind == "feeling":
        return Conflict(kind, match.group(1), "", match.group(1), match.span())
    thing = match.group(1)
    word = _key_noun(thing) if kind == "lost" else _key_verb(thing)
    return Conflict(kind, word, _without_article(thing) if kind == "lost" else thing, "", match.span())


def gerund(phrase: str) -> str:
    """ "ride a bike" -> "riding a bike": the first word of a verb phrase in its -ing form."""
    first, _, rest = phrase.partition(" ")
    if first in GERUNDS:
        word = GERUNDS[first]
    elif first.endswith("ie"):
        word = first[:-2] + "ying"
    elif first.endswith("e") and not first.endswith(("ee", "ye", "oe")):
        word = first[:-1] + "ing"
    else:
        word = first + "ing"
    return f"{word} {rest}".strip()


def _key_noun(phrase: str) -> str:
    """The word a story about `phrase` must say: its last word ("the dark" -> "dark")."""
    return phrase.split()[-1]


def _key_verb(phrase: str) -> str:
    """ "ride a bike" -> "ride"; "be a pirate" -> "pirate" (the verb says too little)."""
    words = [w for w in phrase.split() if w not in FILLER]
    if len(words) > 1 and words[0] in ("be", "become", "have", "get", "make", "go"):
        return words[-1]
    return words[0] if words else phrase.split()[0]


def _without_article(phrase: str) -> str:
    words = phrase.split()
    return " ".join(words[1:]) if len(words) > 1 and words[0] in ARTICLES else phrase
