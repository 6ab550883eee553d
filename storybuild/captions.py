"""PURE: a scene's narration split into caption pages, and subtitle cues from them.

A page is at most MAX_LINES lines of at most LINE_CHARS characters, each line also
at most `max_width` by the caller's `measure` (pixels at the burned font size), so
the same pages are burned into the picture and written to the .srt/.vtt. Splitting
never cuts a word, never adds an ellipsis and never breaks inside a name; every word
of the narration appears exactly once, in order, across the pages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Sequence

LINE_CHARS = 42
MAX_LINES = 2

Measure = Callable[[str], float]

_PHRASE_END = re.compile(r"[,;:\u2014\u2013)]['\"\u2019\u201d]*$")
_SENTENCE_END = re.compile(r"[.!?\u2026]['\"\u2019\u201d)]*$")
# Costs of the page search: a new page is worth more than any balance or phrase bonus,
# so pages are as few as fit, then balanced, then cut where a reader pauses.
PAGE_COST = 100.0
MID_PHRASE_PAGE_END = 6.0
AFTER_COMMA_PAGE_END = 1.5
IN_QUOTATION_PAGE_END = 8.0
MID_PHRASE_LINE_BREAK = 0.35
SHORT_LAST_LINE = 0.5


# Scripts written without spaces between words (Chinese, Japanese; Korean uses spaces
# but its syllables may break too): lines may break between any two of their letters.
_CJK = re.compile(r"[\u2e80-\u2fdf\u3005-\u3007\u3021-\u3029\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# Marks that never end a line: they stay with the letter after them.
_OPENING = set("「『（【〔〈《“‘([{")
# Marks that never start a line: they stay with the letter before them.
_CLOSING = set("、。，．・：；？！ー」』）】〕〉》”’…‥々ゝゞヽヾぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ)]},.!?:;")


def _wide(char: str) -> bool:
    """A Chinese or Japanese letter or one of their own (full-width) marks."""
    return bool(_CJK.match(char)) or (ord(char) > 0x7F and (char in _OPENING or char in _CLOSING))


def tokens(text: str) -> list[str]:
    """The words of `text` for captions: split at spaces, and runs of Chinese or
    Japanese (written without spaces) split between letters, a closing mark (。、」)
    kept with the letter before it. Invariants: tokens(join(tokens(t))) == tokens(t), so
    a page's words are the narration's; and join(tokens(t)) == " ".join(t.split()) for
    text without spaces next to CJK letters or marks."""
    out: list[str] = []
    for word in text.split():
        if not _CJK.search(word):
            out.append(word)
            continue
        pieces: list[str] = []
        for char in word:
            # A Latin letter continues a Latin word, never a Chinese or Japanese mark:
            # "た。Hello" is two words, as "「こ" after "said" is a word of its own.
            latin_run = (not _wide(char) and char not in _OPENING and pieces and not _wide(pieces[-1][-1]))
            if pieces and (char in _CLOSING or latin_run or pieces[-1][-1] in _OPENING):
                pieces[-1] += char
            else:
                pieces.append(char)
        out += pieces
    return out


def join(words: Sequence[str]) -> str:
    """Words back into a line: a space between two words, none where either side is a
    Chinese or Japanese letter (those scripts use no spaces)."""
    text = ""
    for word in words:
        if text and not (_CJK.match(text[-1]) or _CJK.match(word[0]) or text[-1] in _CLOSING and _CJK.search(text)
                         or word[0] in _OPENING and _CJK.search(word)):
            text += " "
        text += word
    return text


@dataclass(frozen=True)
class Page:
    """One caption page. Invariant: 1 <= len(lines) <= MAX_LINES, no line is empty,
    `first` is the index (in tokens(narration)) of the page's first word, and the
    words of the lines, in order, are words[first : first + word_count]."""

    lines: tuple[str, ...]
    first: int
    speaker: str = ""  # who speaks the page in a dialogue ("" for narration); never one of `words`

    @property
    def words(self) -> list[str]:
        return [word for line in self.lines for word in tokens(line)]

    @property
    def text(self) -> str:
        return join(self.lines)


@dataclass(frozen=True)
class Cue:
    """One subtitle. Invariant: 0 <= start < end (seconds); `lines` are shown as given."""

    start: float
    end: float
    lines: tuple[str, ...]
    speaker: str = ""  # a dialogue line's speaker: its name starts the cue ("" for narration)


def label(speaker: str) -> str:
    """The name label a dialogue page starts with ("Whiskers:"), "" for narration."""
    return f"{speaker}:" if speaker else ""


def char_measure(text: str) -> float:
    """The plain-text measure: one unit per character (for subtitles and tests)."""
    return float(len(text))


def name_units(words: Sequence[str], names: Sequence[str] = ()) -> list[tuple[int, int]]:
    """[start, end) word ranges that must stay on one line: a caller's name (any
    multi-word entry of `names`, matched ignoring trailing punctuation and case), or a
    run of capitalised words ("Grandma Bramble") not separated by punctuation, or a
    mark written apart from its word, as French does ("Noël !", "« Regarde"): a line
    never starts with a closing mark nor ends with an opening one. Every other word
    is its own unit; the ranges cover all words in order."""
    name_words = [tuple(_bare(w) for w in name.split()) for name in names if len(name.split()) > 1]
    units, index = [], 0
    while index < len(words):
        end = index + 1
        for name in sorted(name_words, key=len, reverse=True):
            if tuple(_bare(w) for w in words[index:index + len(name)]) == name:
                end = index + len(name)
                break
        else:
            while end < len(words) and _capitalised(words[end - 1]) and _capitalised(words[end]) \
                    and not _ends_phrase(words[end - 1]):
                end += 1
        units.append((index, end))
        index = end
    return _glue_marks(words, units)


_CLOSING_MARK = re.compile(r"^[»!?:;.,…)\]}\u201d\u2019\u203a]+$")
_OPENING_MARK = re.compile(r"^[«(\[{\u201c\u2018\u2039¿¡]+$")


def _glue_marks(words: Sequence[str], units: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Units with a lone closing mark joined to the unit before it and a lone opening
    mark joined to the unit after it."""
    glued: list[tuple[int, int]] = []
    for start, end in units:
        alone = " ".join(words[start:end])
        if glued and (_CLOSING_MARK.match(alone) or _OPENING_MARK.match(" ".join(words[slice(*glued[-1])]))):
            glued[-1] = (glued[-1][0], end)
        else:
            glued.append((start, end))
    return glued


def _bare(word: str) -> str:
    return word.strip(".,;:!?\"'()\u2019\u201c\u201d").lower()


def _capitalised(word: str) -> bool:
    letters = word.lstrip("\"'(\u201c\u2018")
    return bool(letters) and letters[0].isupper()


def _ends_phrase(word: str) -> bool:
    return bool(_PHRASE_END.search(word) or _SENTENCE_END.search(word))


def paginate(
    text: str, *, measure: Measure = char_measure, max_width: float = float("inf"), names: Sequence[str] = (),
    speaker: str = "",
) -> list[Page]:
    """The narration's pages: as few as fit, balanced in length, ending after a
    sentence or phrase where possible, each with balanced line breaks. A unit wider
    than a line (a very long word or name) gets a line of its own (names are then
    split into words first); it is never cut. With a `speaker`, every page is that
    speaker's and its first line starts with the speaker's label, so each line is
    measured (in characters and by `measure`) with the label in front of it."""
    words = tokens(text)
    if not words:
        return []
    if speaker:
        measure = _Labelled(label(speaker) + " ", measure)
    units = _fitting_units(words, name_units(words, names), measure, max_width)
    quoting = _inside_quotation(words)
    best: list[tuple[float, int, tuple[str, ...]] | None] = [None] * (len(units) + 1)
    best[len(units)] = (0.0, len(units), ())
    for start in range(len(units) - 1, -1, -1):  # cost of laying out units[start:]
        for end in range(start + 1, len(units) + 1):
            layout = _page_layout(words, units[start:end], measure, max_width)
            if layout is None:
                break  # longer pages only get wider
            lines, cost = layout
            last = units[end - 1][1] - 1
            total = cost + best[end][0] + _page_end_cost(words[last], end == len(units), quoting[last])
            if best[start] is None or total < best[start][0]:
                best[start] = (total, end, lines)
    pages, start = [], 0
    while start < len(units):
        _, end, lines = best[start]
        pages.append(Page(lines, units[start][0], speaker))
        start = end
    return pages


@dataclass(frozen=True)
class _Labelled:
    """A measure of a line shown after `tag` (a speaker's label): the label's width
    and characters count against the line's."""

    tag: str
    plain: Measure

    @property
    def chars(self) -> int:
        return LINE_CHARS - len(self.tag)

    def __call__(self, line: str) -> float:
        return self.plain(self.tag + line)


def _fitting_units(words, units, measure: Measure, max_width: float) -> list[tuple[int, int]]:
    """Units, with any multi-word unit too wide for one line split into its words."""
    out = []
    for start, end in units:
        if end - start > 1 and not _fits(join(words[start:end]), measure, max_width):
            out += [(index, index + 1) for index in range(start, end)]
        else:
            out.append((start, end))
    return out


def _fits(line: str, measure: Measure, max_width: float) -> bool:
    # A labelled page's measure carries the characters left beside the label.
    return len(line) <= getattr(measure, "chars", LINE_CHARS) and measure(line) <= max_width


def _page_layout(words, units, measure: Measure, max_width: float):
    """(lines, cost) of the best layout of `units` on one page, or None if they cannot
    fit in MAX_LINES lines (a lone unit always fits: it is never cut)."""
    texts = [join(words[a:b]) for a, b in units]
    whole = join(texts)
    fill = len(whole) / (LINE_CHARS * MAX_LINES)
    base = PAGE_COST + 20.0 * (1.0 - min(fill, 1.0)) ** 2
    if len(units) == 1 or _fits(whole, measure, max_width):
        return (whole,), base
    best = None
    for split in range(1, len(units)):
        top, bottom = join(texts[:split]), join(texts[split:])
        if not (_fits(top, measure, max_width) or split == 1) or not (_fits(bottom, measure, max_width)
                                                                      or split == len(units) - 1):
            continue
        # Squared imbalance in characters, relative to a full line.
        cost = ((len(top) - len(bottom)) / LINE_CHARS) ** 2 * 4
        cost += 0.0 if _ends_phrase(texts[split - 1]) else MID_PHRASE_LINE_BREAK
        cost += SHORT_LAST_LINE if len(tokens(bottom)) == 1 and len(units) > 2 else 0.0
        if best is None or cost < best[1]:
            best = ((top, bottom), cost)
    return None if best is None else (best[0], base + best[1])


def _page_end_cost(last_word: str, is_last: bool, quoting: bool = False) -> float:
    """What ending a page after `last_word` costs: nothing after a sentence, a little
    after a phrase, more mid-phrase, and more still inside a quotation, comma or not
    ("« plic, | ploc »"), so a quotation that fits stays on one page."""
    if is_last or _SENTENCE_END.search(last_word):
        return 0.0
    if quoting:
        return IN_QUOTATION_PAGE_END
    return AFTER_COMMA_PAGE_END if _PHRASE_END.search(last_word) else MID_PHRASE_PAGE_END


# Quotation marks of every language: which way one faces depends on the language („x“,
# »x«, «x»), so where it stands says whether it opens or closes a quotation.
_QUOTES = "\"«»“”„‟‹›「」『』"
_LONE_OPENING = set("«“„‹「『")  # a mark written apart from its word, as French does: « plic


def _inside_quotation(words: Sequence[str]) -> list[bool]:
    """For each word, whether a quotation is still open after it: marks before a word's
    letters open one, marks after them (and before its final punctuation) close one; a
    mark standing alone opens or closes by its glyph (« opens, » closes)."""
    depth, inside = 0, []
    for word in words:
        bare = word.rstrip(".,;:!?…")
        if bare and all(c in _QUOTES for c in bare):
            depth += 1 if bare[0] in _LONE_OPENING else -1
        else:
            depth += len(bare) - len(bare.lstrip(_QUOTES)) - (len(bare) - len(bare.rstrip(_QUOTES)))
        depth = max(0, depth)
        inside.append(depth > 0)
    return inside


def offset_cues(pages: Sequence[Sequence], offset: float) -> list[Cue]:
    """Cues for timed pages (start, end, lines[, speaker]) of one scene whose clip
    starts at `offset` seconds in the video; pages that would be empty in time are dropped."""
    return [Cue(offset + page[0], offset + page[1], tuple(page[2]), page[3] if len(page) > 3 else "")
            for page in pages if page[1] > page[0]]


def cue_lines(cue: Cue) -> list[str]:
    """The cue's text lines, the first starting with the speaker's label in a dialogue."""
    lines = list(cue.lines)
    if cue.speaker:
        lines[0] = f"{label(cue.speaker)} {lines[0]}"
    return lines


def to_srt(cues: list[Cue]) -> str:
    """SubRip text: blocks numbered from 1, `HH:MM:SS,mmm --> HH:MM:SS,mmm`, blank line
    between blocks. Cue text never contains a blank line (that would end the block)."""
    blocks = []
    for index, cue in enumerate(cues, start=1):
        times = f"{_timestamp(cue.start, ',')} --> {_timestamp(cue.end, ',')}"
        blocks.append(f"{index}\n{times}\n" + "\n".join(cue_lines(cue)) + "\n")
    return "\n".join(blocks)


def to_vtt(cues: list[Cue]) -> str:
    """WebVTT text: `WEBVTT` header, `HH:MM:SS.mmm --> HH:MM:SS.mmm`, with &, < and >
    escaped (they start entities and tags in WebVTT cue text). A dialogue cue is
    wrapped in a voice span (`<v Whiskers>...</v>`) for players that style speakers."""
    blocks = ["WEBVTT\n"]
    for cue in cues:
        times = f"{_timestamp(cue.start, '.')} --> {_timestamp(cue.end, '.')}"
        text = "\n".join(_vtt_escape(line) for line in cue_lines(cue))
        if cue.speaker:
            text = f"<v {_vtt_escape(cue.speaker)}>{text}</v>"
        blocks.append(f"{times}\n{text}\n")
    return "\n".join(blocks)


def _vtt_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _timestamp(seconds: float, separator: str) -> str:
    millis = max(0, round(seconds * 1000))
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"
