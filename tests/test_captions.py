"""Caption pages: pure splitting of narration, checked exactly and over many random sentences."""

from __future__ import annotations

import random

import pytest

from storybuild import captions
from storybuild.captions import LINE_CHARS, MAX_LINES, Page, name_units, paginate

VOCABULARY = (
    "the a and little moon lantern glowed softly over meadow Pip Flick Hoot Grandma Bramble "
    "said, whispered; happily! quiet. shy? ran jumped through woods with her his they "
    "supercalifragilisticexpialidocious extraordinarily Mr. O'Brien well-known \u2014 caf\u00e9 Zo\u00eb"
).split()


def random_sentence(rng: random.Random) -> str:
    words = [rng.choice(VOCABULARY) for _ in range(rng.randint(1, 70))]
    return rng.choice([" ", "  ", "\n"]).join(words)


@pytest.mark.parametrize("seed", range(400))
def test_every_word_appears_exactly_once_in_order_and_lines_fit(seed):
    rng = random.Random(seed)
    text = random_sentence(rng)
    width = rng.choice([float("inf"), 25.0, 60.0])
    scale = rng.choice([1.0, 1.7])
    pages = paginate(text, measure=lambda line: len(line) * scale, max_width=width,
                     names=["Grandma Bramble", "Mr. O'Brien"])
    assert [word for page in pages for word in page.words] == text.split()
    first = 0
    for page in pages:
        assert page.first == first and 1 <= len(page.lines) <= MAX_LINES
        first += len(page.words)
        for line in page.lines:
            assert line and line == line.strip() and "  " not in line and "\u2026" not in line
            # A line longer than allowed is a single unbreakable unit on its own.
            if len(line) > LINE_CHARS or len(line) * scale > width:
                assert len(line.split()) == 1 or line in ("Grandma Bramble", "Mr. O'Brien")


def test_names_are_never_split_between_lines_or_pages():
    text = ("At last Grandma Bramble smiled at Pip and Flick, and Captain Whiskers of the Lantern "
            "Guard waved his tiny paper lantern high above the parade for everyone to see.")
    for width in (16.0, 20.0, 30.0, 60.0):  # "Grandma Bramble" is 15 characters
        pages = paginate(text, max_width=width, names=["Captain Whiskers"])
        lines = [line for page in pages for line in page.lines]
        assert any("Grandma Bramble" in line for line in lines)
        assert any("Captain Whiskers" in line for line in lines)
        assert any("Lantern Guard" in line for line in lines)


def test_name_units_group_capitalised_runs_and_caller_names():
    words = "Hello, Grandma Bramble. The old owl met captain whiskers today".split()
    assert name_units(words, ["Captain Whiskers"]) == [
        (0, 1), (1, 3), (3, 4), (4, 5), (5, 6), (6, 7), (7, 9), (9, 10)]


def test_two_lines_are_balanced_and_break_after_punctuation():
    # "...over the meadow," is 43 characters, so the comma cannot end the first line.
    assert paginate("As the big round moon rose over the meadow, Grandma Bramble told Pip a story.") == [
        Page(("As the big round moon rose over the", "meadow, Grandma Bramble told Pip a story."), 0)]
    assert paginate("When the moon rose, Grandma Bramble told Pip a story.") == [
        Page(("When the moon rose,", "Grandma Bramble told Pip a story."), 0)]
    pages = paginate("Inside their cozy burrow, Grandma Bramble and Pip folded paper lanterns in every "
                     "color, from berry red to sky blue.")
    assert [page.lines for page in pages] == [
        ("Inside their cozy burrow,", "Grandma Bramble and Pip folded"),
        ("paper lanterns in every color,", "from berry red to sky blue."),
    ]


def test_short_text_is_one_line_and_empty_text_no_page():
    assert paginate("Hello there.") == [Page(("Hello there.",), 0)]
    assert paginate("  \n ") == []


def test_pages_prefer_to_end_at_a_sentence():
    text = ("Pip lifted the lantern. The light danced on the water like a hundred tiny stars, "
            "and everyone cheered.")
    pages = paginate(text)
    assert pages[0].text == "Pip lifted the lantern."


def test_a_word_wider_than_a_line_gets_its_own_line_whole():
    long = "Pneumonoultramicroscopicsilicovolcanoconiosis-and-more-letters"
    pages = paginate(f"Pip said {long} twice.", max_width=30.0)
    lines = [line for page in pages for line in page.lines]
    assert long in lines
    assert " ".join(lines) == f"Pip said {long} twice."


def test_pixel_measure_limits_lines_below_42_characters():
    text = "the little lantern glowed softly over the quiet meadow all night long"
    pages = paginate(text, measure=lambda line: 10.0 * len(line), max_width=200.0)
    assert all(len(line) <= 20 for page in pages for line in page.lines)
    assert " ".join(page.text for page in pages) == text


def test_srt_of_pages_round_trips_the_words():
    text = "One sunny morning, Whiskers the cat and Buster the puppy played chase in the flower garden."
    pages = paginate(text)
    cues = captions.offset_cues([(i * 1.0, i + 1.0, p.lines) for i, p in enumerate(pages)], 0.3)
    srt = captions.to_srt(cues)
    words = [w for block in srt.split("\n\n") for line in block.splitlines()[2:] for w in line.split()]
    assert words == text.split()


def test_marks_written_apart_from_their_word_never_start_or_end_a_line():
    """French writes « Regarde, Noël ! »: no line may start with the » or the !, nor end on the «."""
    text = "« Regarde, Noël ! » s'écria-t-elle en voyant une étoile filer au-dessus des toits enneigés."
    for width in range(14, 43):
        for page in captions.paginate(text, max_width=width):
            for line in page.lines:
                assert not line.startswith(("»", "!", "?", ":", ";")) and not line.endswith("«"), (width, line)
        assert [w for p in captions.paginate(text, max_width=width) for w in p.words] == captions.tokens(text)


@pytest.mark.parametrize("text, quotation", [
    ("Sous la pluie, Léa et le hérisson écoutent les gouttes qui font « plic, ploc » sur les feuilles du grand "
     "chêne, puis ils rentrent à la maison.", "« plic, ploc »"),
    ("Léa ouvre son grand parapluie rouge et écoute la pluie qui chante « plic, ploc, plic, ploc » sur la toile "
     "tendue au-dessus de sa tête.", "« plic, ploc, plic, ploc »"),
    ("Grandma said \u201cCome inside, children, the soup is ready and the rain is coming\u201d and everyone ran to "
     "the kitchen table.", "\u201cCome inside, children, the soup is ready and the rain is coming\u201d"),
    ('He shouted "Wait for me, wait for me!" and ran after the big red bus all the way down the hill to the town '
     'square.', '"Wait for me, wait for me!"'),
    ("Im Garten machte der Regen „plic, ploc“ auf dem roten Schirm, und Lea sprang lachend in jede Pfütze.",
     "„plic, ploc“"),
])
def test_a_quotation_that_fits_on_a_page_is_not_split_across_pages(text, quotation):
    """A page may end after a comma, but not after one inside a quotation: « plic, |
    ploc » was split across two pages."""
    pages = captions.paginate(text)
    assert len(pages) == 2
    assert any(quotation in " ".join(page.lines) for page in pages), [page.lines for page in pages]


def test_a_quotation_closed_the_german_way_ends_where_its_closing_mark_stands():
    """German closes „so“ with the mark English opens with: after it, a page may end
    after a comma again, as it may after an English quotation (a mark taken by its
    glyph kept the quotation open to the end: no page could end after a comma)."""
    german = "Er rief „plic, ploc“ und lief durch den Garten, weil er nicht warten konnte, bis es aufhörte zu regnen."
    english = german.replace("“", "\u201d").replace("„", "\u201c")

    def shape(text):  # words per line, per page
        return [[len(line.split()) for line in page.lines] for page in captions.paginate(text)]
    assert shape(german) == shape(english)
    assert captions.paginate(german)[0].lines[-1].endswith(",")


@pytest.mark.parametrize("text", [
    "猫が来た。 Hello there",
    "Pip said 「こんにちは」 and left",
    "私はHelloと言った。Then we went home",
    "Zoë dit « bonjour ! » à 小さい猫。",
])
def test_pages_of_mixed_scripts_keep_every_word_of_the_narration(text):
    assert captions.tokens(captions.join(captions.tokens(text))) == captions.tokens(text)
    pages = captions.paginate(text)
    assert [word for page in pages for word in page.words] == captions.tokens(text)
