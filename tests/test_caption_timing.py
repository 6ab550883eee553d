"""Word timings: the aligner on real (synthetic or piper) audio, words.json, page times."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from storybuild import caption_timing as timing
from storybuild.caption_timing import WordTime

RATE = 16000


def bursts(spans: list[tuple[float, float]], total: float) -> np.ndarray:
    """Noise-like 'speech' in each (start, end) second span, silence elsewhere."""
    rng = np.random.default_rng(1)
    samples = np.zeros(round(total * RATE))
    for start, end in spans:
        a, b = round(start * RATE), round(end * RATE)
        samples[a:b] = 0.4 * np.sin(np.arange(b - a) * 0.3) * (0.6 + 0.4 * rng.random(b - a))
    return samples


def write_wav(path: Path, samples: np.ndarray) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes((samples * 32767).astype("<i2").tobytes())
    return path


def test_stretches_are_found_between_pauses():
    samples = bursts([(0.1, 0.9), (1.2, 2.0), (2.05, 2.5)], 3.0)
    found = timing.speech_stretches(samples, RATE)
    # The 50 ms gap is shorter than a pause: one stretch with its neighbour.
    assert [(round(a, 2), round(b, 2)) for a, b in found] == [(0.1, 0.9), (1.2, 2.5)]


def test_aligner_puts_clauses_on_the_speech_after_each_pause():
    words = "Hello there, little Pip. The lanterns are glowing tonight!".split()
    samples = bursts([(0.2, 1.4), (1.9, 3.8)], 4.2)
    timed = timing.align(words, timing.speech_stretches(samples, RATE))
    assert [t.word for t in timed] == words
    starts = {t.word: t.start for t in timed}
    assert starts["Hello"] == pytest.approx(0.2, abs=0.02)
    assert starts["The"] == pytest.approx(1.9, abs=0.02)  # not in the pause, not before it
    assert timed[-1].end == pytest.approx(3.8, abs=0.02)
    assert all(a.start <= b.start for a, b in zip(timed, timed[1:]))


def test_a_pause_inside_a_phrase_does_not_pull_the_next_sentence_early():
    words = "I think your little green lantern is the prettiest. Grandma smiled.".split()
    # A short pause mid-phrase (after "lantern"), a long one at the full stop.
    samples = bursts([(0.0, 1.2), (1.3, 2.3), (2.8, 3.6)], 3.8)
    starts = {t.word: t.start for t in timing.align(words, timing.speech_stretches(samples, RATE))}
    assert starts["Grandma"] == pytest.approx(2.8, abs=0.02)


def test_silence_falls_back_to_the_estimate(tmp_path):
    wav = write_wav(tmp_path / "quiet.wav", np.zeros(RATE * 2))
    timed, source = timing.word_timings(["Hi", "there."], wav, None)
    assert source == "estimate"
    # Shares by length + 1: "Hi" 3 of 10, "there." 7 of 10.
    assert timed == [WordTime("Hi", 0.0, 0.6), WordTime("there.", 0.6, 2.0)]


def test_words_json_is_used_only_when_it_matches_the_words(tmp_path):
    wav = write_wav(tmp_path / "voice.wav", bursts([(0.1, 0.5), (0.9, 1.5)], 2.0))
    given = [WordTime("Hi,", 0.1, 0.5), WordTime("Pip.", 0.9, 1.5)]
    (tmp_path / "words.json").write_bytes(timing.words_json(given, "piper"))
    assert timing.word_timings(["Hi,", "Pip."], wav, tmp_path / "words.json") == (given, "narrator")
    timed, source = timing.word_timings(["Hello,", "Pip."], wav, tmp_path / "words.json")
    assert source == "aligner" and timed[1].start == pytest.approx(0.9, abs=0.02)
    (tmp_path / "words.json").write_text('{"format": 1, "words": [["Hi,", 1, 0.5], ["Pip.", 0.9, 1.5]]}')
    assert timing.word_timings(["Hi,", "Pip."], wav, tmp_path / "words.json")[1] == "aligner"


def plain(pairs):
    return [value for pair in pairs for value in pair]


def flat(pairs):
    return pytest.approx([value for pair in pairs for value in pair])


def test_page_times_follow_first_words_and_keep_each_page_a_second():
    words = [WordTime(str(i), i * 0.3, i * 0.3 + 0.25) for i in range(10)]
    # Pages start at words 0, 2 (0.6 s: too soon) and 6.
    assert plain(timing.page_times([0, 2, 6], words, 3.2)) == flat([(0.0, 1.0), (1.0, 2.0), (2.0, 3.2)])
    # The minimum never holds a page past its own last word: page 2 has one word at 0.6 s.
    assert plain(timing.page_times([0, 2, 3], words, 3.2)) == flat([(0.0, 0.6), (0.6, 1.6), (1.6, 3.2)])
    # The last page may run past the speech, up to the clip's limit.
    assert plain(timing.page_times([0, 9], words, 2.9, limit=3.3)) == flat([(0.0, 2.7), (2.7, 3.3)])


def test_piper_gives_word_times_with_exact_clause_starts(tmp_path):
    from storybuild.model import ProviderChoice
    from storybuild.providers.base import NarrationRequest
    from storybuild.providers.offline.narrator import PiperNarrator

    text = ("Hello there, I'm Flick, and I think your little green lantern is the prettiest one in the "
            "whole forest! Grandma Bramble smiled.")
    timed = PiperNarrator(ProviderChoice("piper")).narrate(NarrationRequest("a", text, None, None),
                                                           tmp_path / "voice.wav")
    assert [t.word for t in timed] == text.split()
    samples, rate = timing.read_wav_mono(tmp_path / "voice.wav")
    stretches = timing.speech_stretches(samples, rate)
    # Each clause and sentence starts where speech resumes after a pause.
    for word in ("I'm", "and", "Grandma"):
        start = next(t.start for t in timed if t.word == word)
        assert min(abs(start - a) for a, _ in stretches) < 0.06, word  # pauses are >= 0.12 s
    # The last word ends with the speech, before the 50 ms of silence kept at the end.
    assert len(samples) / rate - 0.2 < timed[-1].end <= len(samples) / rate
