"""The mastered soundtrack, checked by decoding and measuring the real .m4a files."""

from __future__ import annotations

import av
import numpy as np
import pytest

from soundgen import MUSIC_HZ, beep, decode, stereo_music, tone_level_db, voice_at, write_wav
from storybuild import media, soundtrack
from storybuild.soundtrack import duck_regions, measure_loudness, music_gain_expr, render_soundtrack

RATE = 48000


def sec(seconds: float) -> int:
    return round(seconds * RATE)


@pytest.fixture(scope="module")
def sounds(tmp_path_factory):
    """Voices at -30 and -8 LUFS (different rates, layouts and sample formats) and a
    3 s stereo music loop, made once for the module."""
    folder = tmp_path_factory.mktemp("sounds")
    return {
        "quiet": [voice_at(folder / f"quiet{i}.wav", -30.0, 3.0, rate=22050, seed=i) for i in range(3)],
        "loud": [
            voice_at(folder / f"loud{i}.wav", -8.0, 3.0, rate=24000, seed=10 + i, fmt="f32", channels=2)
            for i in range(3)
        ],
        "music": stereo_music(folder / "music.wav"),
    }


def three_scenes(voices):
    """Three voices, one per 4 s scene, each 0.3 s into its scene; 12.5 s in all."""
    return [(voice, sec(4 * i + 0.3), sec(3.7)) for i, voice in enumerate(voices)], sec(12.5) + 123


# -- format, length, loudness ---------------------------------------------------------------

def test_inputs_are_really_quiet_and_loud(sounds):
    """The loudness tests below mean something only if the inputs are far off target."""
    assert measure_loudness(sounds["quiet"][0])[0] == pytest.approx(-30.0, abs=0.3)
    loud = measure_loudness(sounds["loud"][0])
    assert loud[0] == pytest.approx(-8.0, abs=0.3) and loud[2:] == (24000, 2)


@pytest.mark.parametrize("level", ["quiet", "loud"])
@pytest.mark.parametrize("with_music", [False, True])
def test_soundtrack_is_48k_stereo_aac_exact_length_at_target_loudness(tmp_path, sounds, level, with_music):
    placements, total = three_scenes(sounds[level])
    out = tmp_path / "sound.m4a"
    report = render_soundtrack(placements, total, out, music=sounds["music"] if with_music else None)
    with av.open(str(out)) as container:
        stream = container.streams.audio[0]
        assert (stream.codec_context.name, stream.codec_context.profile) == ("aac", "LC")
    integrated, peak, rate, channels = measure_loudness(out)
    assert (rate, channels) == (48000, 2)
    assert len(decode(out)) == total == report.samples
    assert integrated == pytest.approx(-16.0, abs=1.0)
    assert peak <= -1.5
    assert report.integrated_lufs == pytest.approx(integrated, abs=0.3)
    assert report.true_peak_dbtp == pytest.approx(peak, abs=0.5)


def test_loudness_and_peak_targets_are_parameters(tmp_path, sounds):
    placements, total = three_scenes(sounds["quiet"])
    out = tmp_path / "loud.m4a"
    render_soundtrack(placements, total, out, loudness=-12.0, true_peak=-3.0)
    integrated, peak, _, _ = measure_loudness(out)
    assert integrated == pytest.approx(-12.0, abs=1.0)
    assert peak <= -3.0


def test_measure_loudness_of_a_known_tone(tmp_path):
    """BS.1770: a 997 Hz sine at -20 dBFS in both channels reads -20 LUFS, -20 dBTP."""
    t = np.arange(44100 * 4) / 44100
    tone = 0.1 * np.sin(2 * np.pi * 997 * t)
    path = write_wav(tmp_path / "tone.wav", np.stack([tone, tone], axis=1), 44100, fmt="f32")
    integrated, peak, rate, channels = measure_loudness(path)
    assert integrated == pytest.approx(-20.0, abs=0.15)
    assert peak == pytest.approx(-20.0, abs=0.15)
    assert (rate, channels) == (44100, 2)


# -- placement -------------------------------------------------------------------------------

def test_voices_are_cut_to_their_allowance_and_centred(tmp_path, sounds):
    """A 3 s voice allowed 1 s: silence after 1 s; left and right carry the same narration."""
    out = tmp_path / "cut.m4a"
    render_soundtrack([(sounds["quiet"][0], sec(0.5), sec(1.0))], sec(4.0), out)
    samples = decode(out)
    speech = samples[sec(0.5) : sec(1.5)]
    assert np.sqrt(np.mean(speech**2)) > 0.02
    assert np.max(np.abs(samples[sec(1.6) :])) < 1e-3
    assert np.max(np.abs(samples[: sec(0.45)])) < 1e-3
    assert np.max(np.abs(speech[:, 0] - speech[:, 1])) < 0.01 * np.max(np.abs(speech))


def test_overlapping_placements_are_refused(tmp_path, sounds):
    voice = sounds["quiet"][0]
    message = "placements overlap: quiet0.wav starts at sample 48000, before quiet0.wav ends at 96000"
    with pytest.raises(ValueError) as raised:
        render_soundtrack([(voice, 0, sec(2.0)), (voice, sec(1.0), sec(1.0))], sec(4.0), tmp_path / "x.m4a")
    assert str(raised.value) == message
    assert not (tmp_path / "x.m4a").exists()


# -- music -----------------------------------------------------------------------------------

def music_levels(samples, t0, t1):
    """dBFS of the music's left and right tones between t0 and t1."""
    left = tone_level_db(samples[:, 0], RATE, MUSIC_HZ[0], t0, t1)
    return left, tone_level_db(samples[:, 1], RATE, MUSIC_HZ[1], t0, t1)


def test_music_keeps_its_stereo_and_ducks_without_swelling_between_close_spans(tmp_path, sounds):
    """Voices at 2-4 s and 5-7 s (1 s apart: one duck), then 11-13 s (4 s later: the
    music comes back up in between)."""
    voice = sounds["quiet"][0]
    placements = [(voice, sec(2), sec(2)), (voice, sec(5), sec(2)), (voice, sec(11), sec(2))]
    out = tmp_path / "music.m4a"
    render_soundtrack(placements, sec(16), out, music=sounds["music"], duck_db=-12.0)
    samples = decode(out)
    # Music alone (0.2-1.4 s): the left tone is left only, the right tone right only.
    left, right = samples[sec(0.2) : sec(1.4), 0], samples[sec(0.2) : sec(1.4), 1]
    assert np.sqrt(np.mean((left - right) ** 2)) > 0.5 * np.sqrt(np.mean(left**2))
    assert tone_level_db(left, RATE, MUSIC_HZ[1], 0, 1.2) < tone_level_db(left, RATE, MUSIC_HZ[0], 0, 1.2) - 30
    full = music_levels(samples, 0.2, 1.4)[0]
    ducked = music_levels(samples, 2.6, 3.8)[0]
    gap = music_levels(samples, 4.1, 4.9)[0]
    back_up = music_levels(samples, 8.2, 10.4)[0]
    assert ducked - full == pytest.approx(-12.0, abs=0.5)
    assert abs(gap - ducked) < 1.0
    assert back_up - full == pytest.approx(0.0, abs=0.5)


def test_coded_music_loops_without_a_gap(tmp_path, sounds):
    """Music in a coded file (AAC in .m4a, as users bring it) loops sample for sample.
    Looped by ffmpeg's -stream_loop, every loop point dropped 448 samples to silence."""
    coded = tmp_path / "music.m4a"
    media.run_ffmpeg(["-y", "-i", str(sounds["music"]), "-c:a", "aac", "-b:a", "128k", str(coded)], "coding music")
    out = tmp_path / "looped.m4a"
    render_soundtrack([], sec(10), out, music=coded)
    left = decode(out)[: sec(8), 0]  # the loops at 3 s and 6 s, before the music's fade-out
    window = sec(0.004)
    levels = np.sqrt(np.mean(left[: len(left) // window * window].reshape(-1, window) ** 2, axis=1))
    quietest = int(np.argmin(levels[5:])) + 5  # past the encoder's first packets
    assert levels[quietest] > 0.7 * np.median(levels), f"the music drops out at {quietest * 0.004:.3f} s"


def test_music_duck_depth_is_a_parameter(tmp_path, sounds):
    out = tmp_path / "duck6.m4a"
    render_soundtrack([(sounds["quiet"][0], sec(2), sec(2))], sec(6), out, music=sounds["music"], duck_db=-6.0)
    samples = decode(out)
    assert music_levels(samples, 2.6, 3.8)[1] - music_levels(samples, 0.2, 1.4)[1] == pytest.approx(-6.0, abs=0.5)


def test_given_speech_spans_replace_the_placed_voices(tmp_path, sounds):
    """Spans from elsewhere (word timings, say) decide the duck, not the voices' extent."""
    out = tmp_path / "spans.m4a"
    render_soundtrack([], sec(8), out, music=sounds["music"], speech_spans=[(sec(3), sec(5))])
    samples = decode(out)
    full = music_levels(samples, 0.2, 1.4)[0]
    assert music_levels(samples, 3.2, 4.8)[0] - full == pytest.approx(-12.0, abs=0.5)
    assert music_levels(samples, 5.6, 6.2)[0] - full == pytest.approx(0.0, abs=0.5)


def test_fade_in_and_out_of_the_whole_mix(tmp_path, sounds):
    """Against the same music without fades: linear fades over the first and last
    second (half amplitude half way), nothing changed in between."""
    plain, faded = tmp_path / "plain.m4a", tmp_path / "faded.m4a"
    render_soundtrack([], sec(8), plain, music=sounds["music"])
    render_soundtrack([], sec(8), faded, music=sounds["music"], fade_in=1.0, fade_out=1.0)
    a, b = decode(plain), decode(faded)

    def change(t0, t1):
        return music_levels(b, t0, t1)[0] - music_levels(a, t0, t1)[0]

    assert change(0.0, 0.1) < -20
    assert change(0.45, 0.55) == pytest.approx(-6.0, abs=1.0)
    assert change(1.5, 6.5) == pytest.approx(0.0, abs=0.5)
    assert change(7.45, 7.55) == pytest.approx(-6.0, abs=1.0)
    assert change(7.85, 7.95) < -12


def test_music_alone_is_still_normalised(tmp_path, sounds):
    out = tmp_path / "music-only.m4a"
    render_soundtrack([], sec(6), out, music=sounds["music"])
    assert measure_loudness(out)[0] == pytest.approx(-16.0, abs=1.0)


def test_silence_stays_silent(tmp_path):
    out = tmp_path / "silence.m4a"
    report = render_soundtrack([], sec(2), out)
    assert report.integrated_lufs == -70.0 and report.gain_db == 0.0
    assert len(decode(out)) == sec(2) and np.max(np.abs(decode(out))) < 1e-4


# -- the envelope, as text -------------------------------------------------------------------

def test_duck_regions_merge_spans_closer_than_the_hold():
    spans = [(sec(5), sec(7)), (sec(0), sec(2)), (sec(2.5), sec(4)), (sec(9.6), sec(10))]
    assert duck_regions(spans, RATE, hold=2.5) == [(0.0, 7.0), (9.6, 10.0)]
    assert duck_regions([(sec(1), sec(1))], RATE) == []


def test_music_gain_expr_text():
    assert music_gain_expr([(1.0, 2.0)], 10.0, 0.2, -12.0, ramp=0.5) == (
        "0.2*pow(10,-12.0*(min(clip((t-0.5000)/0.5,0,1),clip((2.5000-t)/0.5,0,1)))/20)"
        "*clip((10.000000-t)/1.500000,0,1)"
    )


def test_ebur128_summary_without_numbers_is_an_error():
    with pytest.raises(ValueError, match="^ebur128 printed no loudness summary$"):
        soundtrack._parse_summary("no summary here", "True peak")


# -- sync with a -c:v copy joined video --------------------------------------------------------

def test_beeps_land_on_their_frames_after_a_copy_mux(tmp_path):
    """Five clips of odd frame counts joined with -c:v copy, one beep per clip at an odd
    offset from the clip's first frame, each beep a different rate, layout and sample
    format. Muxed with -c:a copy, every beep starts within 1 ms of its place on the
    video's own timeline (so neither resampling, placement nor the AAC priming drifts),
    and the audio is exactly as long as the video."""
    from mediacheck import video_cuts
    from PIL import Image

    from storybuild import compose

    fps, frames = 24, [37, 24, 61, 13, 50]
    offsets = [0, 7, 4801, 1234, 96]  # samples after each clip's first frame
    formats = [(22050, 1, "s16"), (24000, 2, "f32"), (44100, 1, "f32"), (48000, 2, "s16"), (16000, 1, "s16")]
    colours = [(200, 30, 30), (30, 200, 30), (30, 30, 200), (220, 220, 30), (30, 220, 220)]
    clips, placements, first = [], [], 0
    for index, (count, offset, (rate, channels, fmt)) in enumerate(zip(frames, offsets, formats)):
        Image.new("RGB", (160, 90), colours[index]).save(tmp_path / f"c{index}.png")
        clips.append(tmp_path / f"c{index}.mp4")
        compose.render_clip(tmp_path / f"c{index}.png", clips[-1], width=160, height=90, fps=fps, frames=count,
                            captions=None, motion=False, motion_seed="s")
        wav = beep(tmp_path / f"b{index}.wav", rate, channels=channels, fmt=fmt)
        start = first * RATE // fps + offset
        placements.append((wav, start, (first + count) * RATE // fps - start))
        first += count
    total = first * RATE // fps
    listing = tmp_path / "clips.ffconcat"
    listing.write_text("ffconcat version 1.0\n" + "".join(f"file '{c}'\n" for c in clips), "utf-8")
    joined = tmp_path / "joined.mp4"
    media.run_ffmpeg(["-f", "concat", "-safe", "0", "-i", str(listing), "-c", "copy", str(joined)], "joining")
    render_soundtrack(placements, total, tmp_path / "sound.m4a")
    final = tmp_path / "final.mp4"
    soundtrack.mux(joined, tmp_path / "sound.m4a", final)

    assert len(decode(final)) == total
    assert measure_loudness(final)[2:] == (48000, 2)  # the audio behind a video stream
    with av.open(str(final)) as container:
        frame_times = [frame.time for frame in container.decode(video=0)]
    assert len(frame_times) == sum(frames)
    cuts = video_cuts(final)
    assert cuts == list(np.cumsum([0] + frames[:-1]))
    times, samples = audio_timeline(final)
    loud = np.abs(samples) > 0.5 * np.max(np.abs(samples))
    for cut, offset in zip(cuts, offsets):
        expected = frame_times[cut] + offset / RATE
        after = np.flatnonzero(loud & (times >= frame_times[cut] - 0.05))
        assert abs(times[after[0]] - expected) < 0.001, (cut, times[after[0]], expected)


def audio_timeline(path):
    """(time of each decoded sample on the container's timeline, mono samples): from
    each decoded frame's own timestamp, so an offset at the mux would show."""
    times, chunks = [], []
    with av.open(str(path)) as container:
        for frame in container.decode(audio=0):
            data, channels = frame.to_ndarray().astype(np.float64), len(frame.layout.channels)
            if frame.format.is_planar:
                mono = data.reshape(channels, -1).mean(axis=0)
            else:
                mono = data.reshape(-1, channels).mean(axis=1)
            times.append(frame.time + np.arange(len(mono)) / frame.sample_rate)
            chunks.append(mono)
    return np.concatenate(times), np.concatenate(chunks)
