"""PURE: Chinese and Japanese line breaking, shared by caption paging (captions.py)
and line wrapping (typeset.py), so a page's words and its drawn lines agree.

Han, kana and their own punctuation are written without spaces between words: a line
may break between any two of their letters, except before a closing mark or small
kana and after an opening mark (kinsoku). Korean uses spaces and breaks at them.
"""

from __future__ import annotations

# Marks that never start a line: they stay with the letter before them.
NO_LINE_START = frozenset("、。，．・：；？！ー」』）】〕〉》〙〗…‥々ゝゞヽヾぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ"
                          ",.!?;:)]}%”’")
# Marks that never end a line: they stay with the letter after them.
NO_LINE_END = frozenset("「『（【〔〈《〘〖([{“‘")


def is_cjk(char: str) -> bool:
    """Han, kana and CJK punctuation (with full-width forms and the supplementary Han
    planes): letters written without spaces between words."""
    point = ord(char)
    return (
        0x2E80 <= point <= 0x303F or 0x3040 <= point <= 0x30FF or 0x31F0 <= point <= 0x31FF
        or 0x3400 <= point <= 0x4DBF or 0x4E00 <= point <= 0x9FFF or 0xF900 <= point <= 0xFAFF
        or 0xFF00 <= point <= 0xFF60 or 0x20000 <= point <= 0x3FFFF
    )  # fmt: skip


def has_cjk(text: str) -> bool:
    """True when any letter of `text` is_cjk."""
    return any(is_cjk(char) for char in text)
