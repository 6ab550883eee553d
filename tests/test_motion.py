"""The camera move: its geometry, and real clips decoded to check that the picture
glides (sub-pixel, monotonic, even steps) and matches the frames `still()` draws."""

from __future__ import annotations

import subprocess
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from storybuild import compose, media, motion
from storybuild.errors import ProviderError
from storybuild.motion import ZOOM, KenBurns

FPS = 24


def seed_where(condition) -> str:
    for index in range(500):
        if condition(KenBurns.from_seed(f"seed{index}")):
            return f"seed{index}"
    raise AssertionError("no such seed")


def render(tmp_path: Path, picture: Path, *, size, frames, seed, strength=1.0, name="clip.mp4") -> Path:
    out = tmp_path / name
    compose.render_clip(picture, out, width=size[0], height=size[1], fps=FPS, frames=frames, captions=None,
                        motion=True, motion_seed=seed, motion_strength=strength)  # fmt: skip
    return out


def decoded(path: Path, fmt: str) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format=fmt).astype(np.float64) for frame in container.decode(video=0)]


# -- geometry -------------------------------------------------------------------------------

def test_view_box_runs_from_the_whole_picture_to_the_zoomed_view():
    move = KenBurns(1.0, ZOOM, 0.9, -0.5)
    assert move.view_box(0, 1280, 720) == (0.0, 0.0, 1280.0, 720.0)
    x0, y0, x1, y1 = move.view_box(1, 1280, 720)
    assert (x1 - x0, y1 - y0) == pytest.approx((1280 / ZOOM, 720 / ZOOM))
    assert x0 == pytest.approx(640 * 1.9 * (1 - 1 / ZOOM)) and y0 == pytest.approx(360 * 0.5 * (1 - 1 / ZOOM))


def test_view_box_stays_inside_the_picture_for_every_move_and_strength():
    for index in range(40):
        for strength in (0.0, 0.3, 1.0):
            move = KenBurns.from_seed(f"scene-{index}", strength)
            for progress in np.linspace(0, 1, 11):
                x0, y0, x1, y1 = move.view_box(float(progress), 720, 1280)
                assert -1e-9 <= x0 < x1 <= 720 + 1e-9 and -1e-9 <= y0 < y1 <= 1280 + 1e-9
                assert (x1 - x0) / 720 == pytest.approx((y1 - y0) / 1280)  # never stretched


def test_strength_scales_the_zoom_and_the_pan_and_zero_is_still():
    full, half, none = (KenBurns.from_seed("garden", s) for s in (1.0, 0.5, 0.0))
    assert (full.zoom_start, full.zoom_end, full.dx, full.dy) == (half.zoom_start, half.zoom_end, half.dx, half.dy)
    for progress in (0, 1):
        assert half.zoom(progress) - 1 == pytest.approx((full.zoom(progress) - 1) / 2)
    # The pan is what the zoom crops, so it halves too (1 - 1/1.04 vs 1 - 1/1.08: 0.52).
    travel = [abs(m.view_box(1, 1280, 720)[0] - m.view_box(0, 1280, 720)[0]) for m in (full, half)]
    assert travel[1] / travel[0] == pytest.approx(0.52, abs=0.01) and travel[1] > 5
    assert {none.view_box(p, 1280, 720) for p in (0, 0.5, 1)} == {(0.0, 0.0, 1280.0, 720.0)}
    assert full.moves and half.moves and not none.moves


def test_bad_values_are_refused():
    with pytest.raises(ValueError, match=r"^motion strength must be within \[0, 1\], got 1.5$"):
        KenBurns.from_seed("x", 1.5)
    with pytest.raises(ValueError, match=r"^progress must be within \[0, 1\], got 1.2$"):
        KenBurns.from_seed("x").view_box(1.2, 100, 100)
    with pytest.raises(ValueError, match=r"^zoom must be >= 1"):
        KenBurns(0.9, 1.0, 0, 0)


def test_progress_runs_from_first_to_last_frame():
    assert [motion.progress(i, 5) for i in range(5)] == [0, 0.25, 0.5, 0.75, 1]
    assert motion.progress(0, 1) == 0


# -- frames ---------------------------------------------------------------------------------

def test_frames_use_ffmpegs_colour_conversion(tmp_path):
    """The first frame of a move that starts at the whole picture equals ffmpeg's own
    RGB -> yuv420p conversion (what a still clip gets), chroma included."""
    rng = np.random.default_rng(3)
    picture = Image.fromarray((rng.random((18, 32, 3)) * 255).astype(np.uint8)).resize((320, 180))
    picture.save(tmp_path / "p.png")
    first = next(motion.i420_frames(picture, KenBurns(1.0, ZOOM, 0.5, 0.5), 320, 180, 10))
    ours = np.frombuffer(bytes(first), np.uint8).astype(int)
    theirs = subprocess.run([media.ffmpeg_exe(), "-v", "error", "-i", str(tmp_path / "p.png"), "-vf",
                             "format=yuv420p", "-f", "rawvideo", "-"], capture_output=True, check=True).stdout
    theirs = np.frombuffer(theirs, np.uint8).astype(int)
    luma = 320 * 180
    assert np.abs(ours[:luma] - theirs[:luma]).max() <= 1
    assert np.abs(ours[luma:] - theirs[luma:]).max() <= 2 and np.abs(ours[luma:] - theirs[luma:]).mean() < 0.5


def edge_position(gray: np.ndarray) -> float:
    """Sub-pixel x of the one dark-to-bright vertical edge in a frame: the centroid of
    the horizontal gradient of the row-averaged middle band, in pixel-edge units."""
    profile = gray[gray.shape[0] // 3 : 2 * gray.shape[0] // 3].mean(axis=0)
    gradient = np.diff(profile)
    peak = int(np.argmax(gradient))
    window = slice(max(peak - 5, 0), peak + 6)
    weights = np.clip(gradient[window], 0, None)
    return float((weights * (np.arange(len(gradient))[window] + 1)).sum() / weights.sum())


def assert_glides(positions: np.ndarray, planned: np.ndarray, tolerance: float) -> None:
    """The edge follows the plan within `tolerance` px, moves the same way every frame,
    and each step is within `tolerance` of the planned one: never a repeated frame
    then a jump, which is what an integer crop does."""
    steps, planned_steps = np.diff(positions), np.diff(planned)
    assert np.abs(positions - planned).max() < tolerance
    assert (np.sign(steps) == np.sign(planned_steps)).all()
    assert np.abs(steps - planned_steps).max() < tolerance


def test_assert_glides_rejects_an_integer_crop():
    planned = np.linspace(100, 80, 96)  # 0.21 px a frame
    assert_glides(planned + 0.02, planned, 0.2)
    with pytest.raises(AssertionError):
        assert_glides(np.round(planned), planned, 0.2)


def edge_picture(width: int, height: int) -> tuple[Image.Image, float]:
    """A picture dark on the left, bright from 55% of the width: one sharp vertical edge."""
    pixels = np.full((height, width, 3), 40, np.uint8)
    pixels[:, int(0.55 * width) :] = 210
    return Image.fromarray(pixels), float(int(0.55 * width))


def planned_edge(move: KenBurns, edge: float, width: int, height: int, frames: int) -> np.ndarray:
    boxes = [move.view_box(motion.progress(i, frames), width, height) for i in range(frames)]
    return np.array([(edge - x0) * width / (x1 - x0) for x0, _, x1, _ in boxes])


PANS_SIDEWAYS = seed_where(lambda m: abs(m.dx) > 0.5 and m.dy == 0)


def test_frames_glide_in_even_sub_pixel_steps():
    """The frames handed to the encoder, before any compression: 0.1 px a frame."""
    width, height, frames = 320, 180, 96
    picture, edge = edge_picture(width, height)
    move = KenBurns.from_seed(PANS_SIDEWAYS)
    planned = planned_edge(move, edge, width, height, frames)
    luma = [np.frombuffer(bytes(frame), np.uint8)[: width * height].reshape(height, width).astype(np.float64)
            for frame in motion.i420_frames(picture, move, width, height, frames)]  # fmt: skip
    assert 0.05 < np.abs(np.diff(planned)).min() and np.abs(np.diff(planned)).max() < 0.15
    assert_glides(np.array([edge_position(y) for y in luma]), planned, 0.07)


@pytest.mark.parametrize("strength", [1.0, 0.5])
def test_a_sharp_edge_glides_in_the_encoded_clip(tmp_path, strength):
    """The same through x264 and back: compression moves the measured edge by up to
    ~0.14 px, so the steps are larger here (0.2-0.45 px a frame) and the tolerance too."""
    width, height, frames = 640, 360, 48
    picture, edge = edge_picture(width, height)
    picture.save(tmp_path / "edge.png")
    out = render(tmp_path, tmp_path / "edge.png", size=(width, height), frames=frames, seed=PANS_SIDEWAYS,
                 strength=strength)  # fmt: skip
    planned = planned_edge(KenBurns.from_seed(PANS_SIDEWAYS, strength), edge, width, height, frames)
    assert np.abs(np.diff(planned)).max() < 0.5  # sub-pixel: an integer crop would stand still, then jump
    assert_glides(np.array([edge_position(gray) for gray in decoded(out, "gray")]), planned, 0.2)


def test_still_draws_the_clips_first_and_last_frames(tmp_path):
    width, height, frames = 320, 180, 24
    rng = np.random.default_rng(5)
    picture = Image.fromarray((rng.random((9, 16, 3)) * 255).astype(np.uint8)).resize((width, height),
                                                                                      Image.Resampling.BICUBIC)
    picture.save(tmp_path / "p.png")
    seed = seed_where(lambda m: m.zoom_start == 1.0 and abs(m.dx) > 0.5 and abs(m.dy) > 0.5)
    video = decoded(render(tmp_path, tmp_path / "p.png", size=(width, height), frames=frames, seed=seed), "rgb24")
    move = KenBurns.from_seed(seed)
    first, last = (np.asarray(move.still(picture, width, height, p), np.float64) for p in (0, 1))
    # A frame's round trip through yuv420p and x264 alone costs ~3 levels on this picture.
    assert np.abs(video[0] - first).mean() < 4 and np.abs(video[-1] - last).mean() < 4
    assert np.abs(video[-1] - first).mean() > 12  # the move is visible, so the match means something


def test_strength_zero_renders_a_still_clip(tmp_path):
    pixels = np.zeros((180, 320, 3), np.uint8)
    pixels[:, 160:] = 200
    Image.fromarray(pixels).save(tmp_path / "p.png")
    video = decoded(render(tmp_path, tmp_path / "p.png", size=(320, 180), frames=12, seed="s", strength=0.0), "gray")
    assert len(video) == 12 and np.abs(video[-1] - video[0]).max() < 3


def test_fed_ffmpeg_failure_is_a_provider_error_without_hanging(tmp_path):
    frame = bytes(64 * 64 * 3 // 2)
    args = [*motion.rawvideo_input(64, 64, FPS), "-c:v", "no-such-encoder", str(tmp_path / "x.mp4")]
    with pytest.raises(ProviderError, match=r"^ffmpeg failed while feeding: .*no-such-encoder"):
        media.run_ffmpeg(args, "feeding", (frame for _ in range(2000)))
