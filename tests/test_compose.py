"""Clips, final assembly, subtitles and ffmpeg plumbing, checked by decoding real output."""

from __future__ import annotations

import struct
import threading
import time
import wave
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from mediacheck import audio_rms_between, blob_track, frame_means, probe, seam_offsets
from storybuild import captions, children, compose, media, soundtrack, timeline
from storybuild.motion import ZOOM
from storybuild.captions import Cue
from storybuild.compose import KenBurns
from storybuild.timeline import LEAD_IN
from storybuild.errors import ProviderError

FPS = 24
W, H = 320, 180


def write_wav(path: Path, rate: int, seconds: float, *, channels: int = 1, amplitude: float = 0.5, freq: float = 440.0):
    """A tone that starts at full amplitude on sample 0 (a sharp onset to time)."""
    t = np.arange(int(round(seconds * rate))) / rate
    mono = (amplitude * np.sin(2 * np.pi * freq * t + np.pi / 2) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as writer:
        writer.setnchannels(channels)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(np.repeat(mono, channels).tobytes())
    return path


def solid(path: Path, color, size) -> Path:
    Image.new("RGB", size, color).save(path)
    return path


def overlay_for(text: str, frames: int, size=(W, H), style=None):
    """Caption states for `text` spoken evenly over the whole clip (from frame 0)."""
    from storybuild import caption_timing, caption_track

    style = style or {}
    lay = caption_track.layout(style, *size)
    seconds = frames / FPS
    timings = caption_timing.estimate(text.split(), 0.0, seconds)
    timed = caption_track.timed_pages(caption_track.pages_for(text, lay), timings, seconds, seconds)
    return caption_track.overlay(timed, timings, lay, style, fps=FPS, frames=frames, offset=0.0)


def clip(tmp_path, image, name="clip.mp4", *, frames=30, caption=None, motion=False, seed="s", size=(W, H)):
    out = tmp_path / name
    overlay = overlay_for(caption, frames, size) if caption else None
    compose.render_clip(image, out, width=size[0], height=size[1], fps=FPS, frames=frames,
                        captions=overlay, motion=motion, motion_seed=seed)
    return out


def frame_count(voice_seconds: float, floor: float | None, fps: int) -> int:
    return timeline.scene_timing(voice_seconds, floor, 0, 0, fps).frames


def assemble(clips, voices, frames, out, *, sample_rate=48000):
    """Join scene clips with each voice LEAD_IN after its scene's first frame, the way
    the video step lays out a film without cards or transitions."""
    bounds = timeline.sample_bounds(list(np.cumsum([0] + list(frames))), FPS, sample_rate)
    lead = round(LEAD_IN * sample_rate)
    placed = [(voice, bounds[i] + lead, bounds[i + 1] - bounds[i] - lead) for i, voice in enumerate(voices)]
    sound = Path(out).with_name("sound.m4a")
    soundtrack.render_soundtrack(placed, bounds[-1], sound, sample_rate=sample_rate)
    compose.join_film(clips, sound, out)


def seed_for(zoom_start: float) -> str:
    """A motion seed whose move starts at the given zoom and pans on both axes."""
    for index in range(200):
        move = KenBurns.from_seed(f"seed{index}")
        if move.zoom_start == zoom_start and abs(move.dx) > 0.5 and abs(move.dy) > 0.5:
            return f"seed{index}"
    raise AssertionError("no such seed")


# -- frame counts ---------------------------------------------------------------------------

def test_clip_frame_count_covers_lead_in_voice_and_tail():
    assert frame_count(2.0, None, 24) == 72  # 0.3 + 2.0 + 0.7 = 3.0 s exactly
    assert frame_count(2.01, None, 24) == 73
    assert frame_count(2.0, 5.0, 24) == 120  # the floor wins
    assert frame_count(2.0, 1.0, 25) == 75


# -- clips ----------------------------------------------------------------------------------

@pytest.mark.parametrize("motion", [False, True])
def test_clip_is_frame_exact_yuv420p_and_video_only(tmp_path, motion):
    image = solid(tmp_path / "in.png", (200, 40, 40), (500, 500))
    facts = probe(clip(tmp_path, image, frames=37, motion=motion))
    assert (facts["frames"], facts["width"], facts["height"]) == (37, W, H)
    assert facts["pix_fmt"] == "yuv420p" and facts["codec"] == "h264"
    assert facts["fps"] == FPS and facts["sample_rate"] is None
    assert facts["duration"] == pytest.approx(37 / FPS, abs=0.5 / FPS)


def test_image_is_cover_fitted_and_centre_cropped(tmp_path):
    # A wide picture: red outer bands that a 16:9 cover crop must cut away, green middle.
    picture = Image.new("RGB", (900, 200), (20, 180, 20))
    picture.paste((220, 20, 20), (0, 0, 100, 200))
    picture.paste((220, 20, 20), (800, 0, 900, 200))
    picture.save(tmp_path / "wide.png")
    first = frame_means(clip(tmp_path, tmp_path / "wide.png", frames=2))[0]
    assert first[1] > 150 and first[0] < 60


def test_unreadable_image_is_a_provider_error_and_leaves_nothing(tmp_path):
    (tmp_path / "bad.png").write_bytes(b"not a png")
    with pytest.raises(ProviderError, match=r"cannot read image .*bad\.png"):
        clip(tmp_path, tmp_path / "bad.png")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.png"]


def test_still_and_moving_clips_share_encoder_parameters(tmp_path):
    import av

    image = solid(tmp_path / "in.png", (90, 90, 200), (W, H))
    extradata = []
    for motion in (False, True):
        with av.open(str(clip(tmp_path, image, f"{motion}.mp4", frames=5, motion=motion))) as container:
            extradata.append(bytes(container.streams.video[0].codec_context.extradata))
    assert extradata[0] == extradata[1]  # concat with -c:v copy depends on it


def blob_image(path: Path, center: tuple[float, float]) -> Path:
    yy, xx = np.mgrid[0:360, 0:640]
    blob = 40 + 200 * np.exp(-((xx - center[0]) ** 2 + (yy - center[1]) ** 2) / (2 * 8.0**2))
    Image.fromarray(np.repeat(blob.clip(0, 255).astype(np.uint8)[..., None], 3, axis=2)).save(path)
    return path


@pytest.mark.parametrize("zoom_start", [1.0, ZOOM])
def test_motion_follows_the_planned_path_without_shake(tmp_path, zoom_start):
    center, frames = (400.0, 150.0), 24
    seed = seed_for(zoom_start)
    out = clip(tmp_path, blob_image(tmp_path / "blob.png", center), frames=frames, motion=True,
               seed=seed, size=(640, 360))
    move = KenBurns.from_seed(seed)
    zoom = np.linspace(move.zoom_start, move.zoom_end, frames)
    left = 320 * (1 + move.dx) * (1 - 1 / zoom)
    top = 180 * (1 + move.dy) * (1 - 1 / zoom)
    planned = np.stack([(center[0] - left) * zoom, (center[1] - top) * zoom], axis=1)
    seen = blob_track(out, tuple(planned[0]), radius=30)
    # Sub-pixel agreement with the plan, first frame to last (measured <= 0.12 px; a
    # one-frame timing slip misses by ~0.5 px, zoompan-style integer crops by 0.5-2 px).
    assert np.abs(seen - planned).max() < 0.25
    # Monotonic: each axis keeps moving the planned way, never back and forth.
    steps, planned_steps = np.diff(seen, axis=0), np.diff(planned, axis=0)
    for axis in (0, 1):
        assert abs(planned_steps[:, axis]).min() > 0.25
        assert (np.sign(steps[:, axis]) == np.sign(planned_steps[:, axis])).all()


def test_ken_burns_is_deterministic_and_varied():
    assert KenBurns.from_seed("garden") == KenBurns.from_seed("garden")
    moves = {KenBurns.from_seed(f"scene-{i}") for i in range(40)}
    assert len(moves) >= 8
    for move in moves:
        assert {move.zoom_start, move.zoom_end} == {1.0, ZOOM}
        assert max(abs(move.dx), abs(move.dy)) <= 1


def caption_region(path: Path, index: int) -> np.ndarray:
    import av

    with av.open(str(path)) as container:
        for number, frame in enumerate(container.decode(video=0)):
            if number == index:
                rgb = frame.to_ndarray(format="rgb24").astype(np.float64)
                return rgb[int(H * 0.6) :, :]
    raise AssertionError("frame index out of range")


@pytest.mark.parametrize("motion", [False, True])
def test_caption_is_drawn_at_the_bottom_and_stays_still(tmp_path, motion):
    image = solid(tmp_path / "in.png", (40, 120, 200), (W, H))
    plain = clip(tmp_path, image, "plain.mp4", frames=24, motion=motion)
    titled = clip(tmp_path, image, "titled.mp4", frames=24, motion=motion, caption="Whiskers chased Buster.")
    assert np.abs(caption_region(titled, 0) - caption_region(plain, 0)).mean() > 5
    assert np.abs(frame_means(titled)[0] - frame_means(plain)[0]).max() < 15  # the top stays picture
    # On a flat picture the move is invisible, so any change would be the caption moving.
    assert np.abs(caption_region(titled, 23) - caption_region(titled, 0)).mean() < 2


# -- assembly -------------------------------------------------------------------------------

SCENES = [  # colour, image size, voice rate, channels, voice seconds, motion
    ((220, 40, 40), (400, 300), 22050, 1, 0.8, False),
    ((40, 200, 40), (1000, 400), 24000, 2, 1.3, True),
    ((40, 60, 220), (320, 180), 44100, 2, 0.55, False),
    ((230, 230, 60), (640, 640), 24000, 1, 1.05, True),
]


@pytest.fixture(scope="module")
def assembled(tmp_path_factory):
    """A 4-scene video: flat colours per scene, tone voices at different rates."""
    folder = tmp_path_factory.mktemp("it's #1 assembled")  # a quote and a hash exercise concat names
    clips, voices, frames, seconds = [], [], [], []
    for index, (color, size, rate, channels, length, motion) in enumerate(SCENES):
        voice = write_wav(folder / f"voice{index}.wav", rate, length, channels=channels)
        seconds.append(media.wav_duration(voice))
        frames.append(frame_count(seconds[-1], None, FPS))
        image = solid(folder / f"image{index}.png", color, size)
        clips.append(clip(folder, image, f"clip{index}.mp4", frames=frames[-1], motion=motion,
                          caption=f"Scene {index}"))
        voices.append(voice)
    out = folder / "story.mp4"
    assemble(clips, voices, frames, out)
    return out, frames, seconds


def test_assembled_video_has_every_frame_and_matching_audio(assembled):
    out, frames, _ = assembled
    facts = probe(out)
    assert facts["frames"] == sum(frames)
    assert facts["duration"] == pytest.approx(sum(frames) / FPS, abs=1 / FPS)
    assert facts["audio_duration"] == pytest.approx(sum(frames) / FPS, abs=1 / FPS)
    assert (facts["sample_rate"], facts["channels"], facts["audio_codec"]) == (48000, 2, "aac")
    assert (facts["width"], facts["height"], facts["pix_fmt"]) == (W, H, "yuv420p")


def test_narration_plays_after_each_lead_in_and_silence_surrounds_it(assembled):
    out, frames, seconds = assembled
    start = 0.0
    for count, voice in zip(frames, seconds):
        end = start + count / FPS
        assert audio_rms_between(out, start + 0.02, start + LEAD_IN - 0.03) < 0.005
        assert audio_rms_between(out, start + LEAD_IN + 0.05, start + LEAD_IN + voice - 0.05) > 0.05
        assert audio_rms_between(out, start + LEAD_IN + voice + 0.05, end - 0.02) < 0.005
        start = end


def test_audio_and_video_stay_in_sync_at_every_seam(assembled):
    out, frames, _ = assembled
    seams = seam_offsets(out, lead_in=LEAD_IN, fps=FPS)
    boundaries = np.cumsum([0] + frames[:-1]) / FPS
    assert [seam.cut for seam in seams] == pytest.approx(list(boundaries))
    for seam in seams:
        # The brief's bound is one frame; the measured offset is well under a millisecond.
        assert seam.offset is not None and abs(seam.offset) < min(1 / FPS, 0.003), seam


def test_sample_bounds_never_accumulate_rounding():
    frames = [25] * 7 + [31]
    bounds = timeline.sample_bounds(list(np.cumsum([0] + frames)), 24, 22050)
    assert bounds[-1] == round((25 * 7 + 31) * 22050 / 24)
    counts = np.diff(bounds)
    assert all(abs(count - n * 22050 / 24) < 1 for count, n in zip(counts, frames))


def test_failed_assembly_keeps_the_previous_video_and_no_temp_files(tmp_path):
    image = solid(tmp_path / "in.png", (10, 10, 10), (W, H))
    one = clip(tmp_path, image, frames=10)
    out = tmp_path / "story.mp4"
    out.write_bytes(b"previous")
    with pytest.raises(ProviderError, match=r"^ffmpeg failed while assembling story\.mp4: .*missing\.m4a"):
        compose.join_film([one], tmp_path / "missing.m4a", out)
    assert out.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.mp4", "in.png", "story.mp4"]


# -- media helpers --------------------------------------------------------------------------

def test_wav_duration_reads_any_rate_and_channels(tmp_path):
    assert media.wav_duration(write_wav(tmp_path / "a.wav", 22050, 1.5)) == pytest.approx(1.5, abs=1e-4)
    assert media.wav_duration(write_wav(tmp_path / "b.wav", 24000, 0.25, channels=2)) == 0.25


def test_wav_duration_reads_extensible_float_wavs(tmp_path):
    # WAVE_FORMAT_EXTENSIBLE, float32 stereo, 48 kHz: Python 3.11's `wave` refuses it.
    rate, channels, frames = 48000, 2, 12000
    fmt = struct.pack("<HHIIHHHHIH14s", 0xFFFE, channels, rate, rate * 8, 8, 32, 22, 32, 3, 3, b"\x00" * 14)
    data = b"\x00" * (frames * 8)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data
    (tmp_path / "x.wav").write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    assert media.wav_duration(tmp_path / "x.wav") == 0.25


def test_wav_duration_rejects_non_wav(tmp_path):
    (tmp_path / "n.wav").write_bytes(b"ID3 not a wav")
    with pytest.raises(ProviderError, match=r"n\.wav is not a readable WAV file"):
        media.wav_duration(tmp_path / "n.wav")


def test_run_ffmpeg_reports_what_failed_with_ffmpegs_words(tmp_path):
    with pytest.raises(ProviderError) as caught:
        media.run_ffmpeg(["-i", str(tmp_path / "nope.png"), str(tmp_path / "x.mp4")], "testing")
    message = str(caught.value)
    assert message.startswith("ffmpeg failed while testing: ")
    assert "nope.png" in message and "No such file or directory" in message


def test_kill_all_stops_ffmpeg(tmp_path):
    errors = []

    def endless():
        try:
            media.run_ffmpeg(["-re", "-f", "lavfi", "-i", "anullsrc", "-t", "60", "-f", "null", "-"], "idling")
        except ProviderError as exc:
            errors.append(exc)

    worker = threading.Thread(target=endless)
    worker.start()
    deadline = time.monotonic() + 10
    while not children.running and time.monotonic() < deadline:
        time.sleep(0.01)
    assert children.kill_all() == 1
    worker.join(timeout=10)
    assert not worker.is_alive()
    assert len(errors) == 1 and str(errors[0]).startswith("ffmpeg failed while idling")
    assert not children.running


# -- subtitles ------------------------------------------------------------------------------

def test_offset_cues_move_a_scene_s_pages_to_its_clip_start():
    pages = [(0.35, 1.5, ["Hello there,"]), (1.5, 2.0, ["said Pip.", "Bye."]), (2.0, 2.0, ["gone"])]
    assert captions.offset_cues(pages, 10.0) == [
        Cue(10.35, 11.5, ("Hello there,",)), Cue(11.5, 12.0, ("said Pip.", "Bye."))]


def test_srt_text_is_exact():
    cues = [Cue(0.3, 2.5, ("One sunny morning,", "Whiskers the cat played chase.")),
            Cue(3661.0, 3662.25, ("Done.",))]
    assert captions.to_srt(cues) == (
        "1\n00:00:00,300 --> 00:00:02,500\nOne sunny morning,\nWhiskers the cat played chase.\n"
        "\n"
        "2\n01:01:01,000 --> 01:01:02,250\nDone.\n"
    )


def test_vtt_text_is_exact_and_escaped():
    cues = [Cue(0.3, 2.5, ("Cats & dogs <3",)), Cue(62.0, 63.5, ("The end.",))]
    assert captions.to_vtt(cues) == (
        "WEBVTT\n"
        "\n"
        "00:00:00.300 --> 00:00:02.500\nCats &amp; dogs &lt;3\n"
        "\n"
        "00:01:02.000 --> 00:01:03.500\nThe end.\n"
    )


def test_write_atomic_replaces_whole_file_and_leaves_no_temp(tmp_path):
    from storybuild.atomic import write_atomic

    target = tmp_path / "captions.srt"
    target.write_text("old")
    write_atomic(target, "new ü\n".encode())
    assert target.read_bytes() == "new ü\n".encode()
    assert [p.name for p in tmp_path.iterdir()] == ["captions.srt"]
