"""The soundtrack's AAC encoded in parallel parts: every packet once, the same sound
as one encode (decoded, sample for sample in length and within the encoder's noise
in value), wherever a seam falls."""

from __future__ import annotations

import numpy as np
import pytest

from soundgen import decode, speech_like, stereo_music, write_wav
from storybuild import aac_parts, media
from storybuild.aac_parts import PACKET, PREROLL, adts_frames, packet_count, plan_parts, skipped_packets
from storybuild.soundtrack import measure_loudness, render_soundtrack

RATE = 48000
ENCODER = ["-aac_coder", "fast", "-q:a", "2"]


@pytest.mark.parametrize("samples", [RATE * 30 + 777, RATE * 90, PACKET * 2000, RATE * 200 + 1])
@pytest.mark.parametrize("count", [1, 2, 3, 8])
def test_parts_keep_every_packet_once_with_a_pre_roll(samples, count):
    parts = plan_parts(samples, RATE, count)
    assert parts[0].first == 0 and parts[0].encode_from == 0
    assert parts[-1].end == packet_count(samples) and parts[-1].encode_to == samples
    assert all(a.end == b.first for a, b in zip(parts, parts[1:]))
    assert all(part.end - part.first >= aac_parts.MIN_PART * RATE / PACKET - 1 for part in parts[:-1])
    for part in parts[1:]:
        assert part.encode_from % PACKET == 0
        # The kept packets start PREROLL packets into the part's own encode (after its priming).
        assert skipped_packets(part) == PREROLL + 1
        assert part.encode_to >= min(samples, (part.end + 1) * PACKET)


def test_the_parts_depend_on_the_length_alone():
    assert len(plan_parts(RATE * 20, RATE, 4)) == 1  # under 2 * MIN_PART
    assert [len(plan_parts(RATE * seconds, RATE, 8)) for seconds in (23, 24, 36, 200)] == [1, 2, 3, 8]
    assert len(plan_parts(RATE * 200, RATE)) == aac_parts.MAX_PARTS  # the default: no machine in it


def test_adts_frames_are_read_as_ffmpeg_writes_them_and_garbage_is_refused(tmp_path):
    raw = tmp_path / "tone.f32"
    (0.3 * np.sin(np.arange(RATE * 2) * 2 * np.pi * 440 / RATE)).astype("<f4").repeat(2).tofile(raw)
    adts = tmp_path / "tone.aac"
    media.run_ffmpeg(["-f", "f32le", "-ar", str(RATE), "-ch_layout", "stereo", "-i", str(raw), "-c:a", "aac",
                      *ENCODER, "-f", "adts", str(adts)], "encoding")
    data = adts.read_bytes()
    frames = adts_frames(data)
    assert len(frames) == packet_count(RATE * 2) and b"".join(frames) == data
    with pytest.raises(ValueError, match="not an ADTS frame at byte 0"):
        adts_frames(b"RIFF" + data)
    with pytest.raises(ValueError, match="cut short"):
        adts_frames(data[:-3])


@pytest.fixture(scope="module")
def mix(tmp_path_factory):
    """40 s of stereo: speech-like syllables over two music tones, with full-scale
    clicks on and beside the seams of 3 parts (the worst place for a join)."""
    folder = tmp_path_factory.mktemp("parts")
    samples = RATE * 40 + 321
    voice = speech_like(samples / RATE, RATE, seed=3)[:samples]
    music = np.resize(decode(stereo_music(folder / "music.wav", 40.0, RATE, 0.1)), (samples, 2))
    sound = music + voice[:, None] * 2.0
    for part in plan_parts(samples, RATE, 3)[1:]:
        for at in ((part.first - 1) * PACKET - 5, (part.first - 1) * PACKET, (part.first - 1) * PACKET + 700):
            sound[at:at + 40] = 0.9
    raw = folder / "mix.f32"
    sound.astype("<f4").tofile(raw)
    return raw, sound, samples


def one_encode(raw, out):
    media.run_ffmpeg(["-f", "f32le", "-ar", str(RATE), "-ch_layout", "stereo", "-i", str(raw), "-c:a", "aac",
                      *ENCODER, "-f", "mp4", str(out)], "encoding")
    return decode(out)


def snr(reference, other):
    return 10 * np.log10(np.sum(reference**2) / np.sum((reference - other) ** 2))


def test_parts_decode_to_the_same_sound_as_one_encode(tmp_path, mix):
    raw, sound, samples = mix
    whole = one_encode(raw, tmp_path / "one.m4a")
    inputs = ["-f", "f32le", "-ar", str(RATE), "-ch_layout", "stereo", "-i", str(raw)]
    for cores in (2, 3):
        out = tmp_path / f"parts{cores}.m4a"
        aac_parts.encode_parts(plan_parts(samples, RATE, cores), samples, RATE, ENCODER, inputs, "anull", out, tmp_path)
        joined = decode(out)
        assert len(joined) == len(whole) == samples  # the edit list and the last packet, as one encode writes them
        assert snr(sound, joined) == pytest.approx(snr(sound, whole), abs=0.1)
        for part in plan_parts(samples, RATE, cores)[1:]:
            seam = slice((part.first - 1) * PACKET - 4096, (part.first - 1) * PACKET + 4096)
            assert np.max(np.abs(joined[seam] - whole[seam])) < 0.01, (cores, part)


def test_the_soundtrack_in_parts_keeps_its_length_and_loudness(tmp_path):
    voice = tmp_path / "voice.wav"
    write_wav(voice, speech_like(30.0, 22050, seed=5) * 0.5, 22050)
    total = RATE * 31 + 17
    report = render_soundtrack([(voice, RATE // 2, total - RATE)], total, tmp_path / "sound.m4a",
                               loudness=-16.0, fade_in=0.5, fade_out=0.5, measure=False, encoders=2)
    assert report.integrated_lufs is None
    assert len(decode(tmp_path / "sound.m4a")) == total
    assert measure_loudness(tmp_path / "sound.m4a")[0] == pytest.approx(-16.0, abs=0.5)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["sound.m4a", "voice.wav"]
