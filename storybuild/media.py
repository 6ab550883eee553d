"""Small media utilities: locate and run the bundled ffmpeg, read WAV durations.

Every ffmpeg run goes through `run_ffmpeg`, which registers the process in
storybuild.children while it runs, so an interrupt handler can stop them all (`children.kill_all`) and
delete half-written outputs. Failures become ProviderError with ffmpeg's own last
words, because "ffmpeg exited with 1" tells a user nothing.

On Linux each ffmpeg also gets a parent-death signal (SIGKILL), so it dies with
storybuild even after `kill -9`, when no handler can run. The kernel sends it when
the *thread* that started the child exits, not the process: ffmpeg is started from the
executor's worker threads (or the main thread), and a ThreadPoolExecutor keeps its
workers until it is shut down, which happens only after every step has finished
(or was killed by children.kill_all). The signal is set by util-linux `setpriv` when it
is installed (cheap: subprocess can still vfork), else by prctl in a preexec_fn;
where neither exists (not Linux) it is silently not set.
"""

from __future__ import annotations

import ctypes
import functools
import os
import shutil
import signal
import struct
import subprocess
import threading
import wave
from collections.abc import Iterable
from pathlib import Path

from storybuild import children
from storybuild.errors import ProviderError

# How many trailing stderr lines go into an error message: enough for ffmpeg's
# actual complaint, short enough to read.
_STDERR_LINES = 6

@functools.cache
def ffmpeg_exe() -> str:
    """Path of the ffmpeg binary bundled by imageio-ffmpeg (imported lazily: it is
    only needed when something is actually encoded)."""
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


@functools.cache
def _prctl():
    """libc's prctl, resolved once in the parent (a forked child must not load libraries),
    or None where there is none (not Linux)."""
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    prctl.restype = ctypes.c_int
    return prctl


def _die_with_parent_hook():
    """A preexec_fn asking the kernel to SIGKILL the child when its parent dies, or None.
    If the parent died between fork and prctl, the child ends itself at once."""
    prctl = _prctl()
    if prctl is None:
        return None
    parent = os.getpid()

    def die_with_parent() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)

    return die_with_parent


@functools.cache
def _setpriv() -> list[str] | None:
    """util-linux's `setpriv --pdeathsig KILL --` prefix, when it is installed and works.

    Preferred over a preexec_fn: any preexec_fn makes subprocess fork() the whole
    interpreter instead of vfork(), which costs ~100 ms per ffmpeg with a render's
    ~300 MB in memory (measured: 102 ms vs 14 ms through setpriv, 5 ms bare)."""
    path = shutil.which("setpriv")
    if path is None or _prctl() is None:
        return None
    try:
        probe = subprocess.run([path, "--pdeathsig", "KILL", "--", "true"], capture_output=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return [path, "--pdeathsig", "KILL", "--"] if probe.returncode == 0 else None


def _die_with_parent(command: list[str]) -> tuple[list[str], object]:
    """(command, preexec_fn) so the child gets SIGKILL when its parent thread dies."""
    prefix = _setpriv()
    if prefix is not None:
        return [*prefix, *command], None
    return command, _die_with_parent_hook()


def run_ffmpeg(args: list[str], what: str, feed: Iterable[bytes | memoryview] | None = None,
               cwd: Path | None = None) -> None:
    """Run ffmpeg with `args` (without the program name), quietly; it is killed if
    storybuild dies. Without `feed` it reads no stdin; with it, every chunk is written
    to its stdin (an input "pipe:0"), which is then closed. Raises
    ProviderError("ffmpeg failed while <what>: ...") on failure. `cwd` is where
    relative names in `args` are found (concat lists are given that way: see compose)."""
    _run(args, what, "error", feed, cwd)


def run_ffmpeg_log(args: list[str], what: str) -> str:
    """Like run_ffmpeg, but at log level info and returning ffmpeg's stderr text:
    for filters that report through the log (ebur128's summary, volumedetect)."""
    return _run(["-nostats", *args], what, "info")


def _run(args: list[str], what: str, loglevel: str, feed: Iterable[bytes | memoryview] | None = None,
         cwd: Path | None = None) -> str:
    """Run ffmpeg, registered in storybuild.children while it runs; its stderr, decoded."""
    command, preexec = _die_with_parent([ffmpeg_exe(), "-hide_banner", "-loglevel", loglevel, "-nostdin", *args])
    stdin = subprocess.DEVNULL if feed is None else subprocess.PIPE
    try:
        process = subprocess.Popen(
            command, stdin=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, preexec_fn=preexec, cwd=cwd,
        )
    except OSError as exc:
        raise ProviderError(f"ffmpeg failed while {what}: {exc}") from exc
    children.register(process)
    try:
        stderr = _communicate(process, feed)
    finally:
        children.unregister(process)
    if process.returncode != 0:
        raise ProviderError(f"ffmpeg failed while {what}: {_tail(stderr, process.returncode)}")
    return stderr.decode("utf-8", "replace")


def _communicate(process: subprocess.Popen, feed: Iterable[bytes | memoryview] | None) -> bytes:
    """Write `feed` to the process's stdin while a thread drains its stderr (so
    neither side can block the other); returns stderr once the process has exited."""
    if feed is None:
        return process.communicate()[1]
    chunks: list[bytes] = []
    reader = threading.Thread(target=lambda: chunks.append(process.stderr.read()), daemon=True)
    reader.start()
    try:
        for chunk in feed:
            process.stdin.write(chunk)
    except (BrokenPipeError, ConnectionResetError):
        pass  # ffmpeg stopped reading: it failed or was killed; its stderr says why
    finally:
        try:
            process.stdin.close()
        except (BrokenPipeError, ConnectionResetError):
            pass
        process.wait()
        reader.join()
    return b"".join(chunks)


def _tail(stderr: bytes, returncode: int) -> str:
    lines = [line.strip() for line in stderr.decode("utf-8", "replace").splitlines() if line.strip()]
    if not lines:
        return f"exit status {returncode}"
    return " | ".join(lines[-_STDERR_LINES:])


def wav_duration(path: Path | str) -> float:
    """Duration in seconds of a PCM WAV file of any rate, width and channel count.

    Uses the stdlib `wave` reader; WAVE_FORMAT_EXTENSIBLE and float files (which
    Python 3.11's `wave` rejects) fall back to reading the RIFF chunks directly.
    """
    try:
        with wave.open(str(path), "rb") as reader:
            return reader.getnframes() / reader.getframerate()
    except (wave.Error, EOFError) as exc:
        try:
            return _riff_duration(Path(path))
        except ValueError:
            raise ProviderError(f"{path} is not a readable WAV file: {exc}") from exc


def _riff_duration(path: Path) -> float:
    """Duration from the `fmt ` and `data` chunks of a RIFF/WAVE file."""
    data = path.read_bytes()
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise ValueError("not a RIFF/WAVE file")
    pos, byte_rate = 12, None
    while pos + 8 <= len(data):
        chunk_id, size = data[pos : pos + 4], struct.unpack("<I", data[pos + 4 : pos + 8])[0]
        if chunk_id == b"fmt ":
            byte_rate = struct.unpack("<I", data[pos + 16 : pos + 20])[0]
        elif chunk_id == b"data":
            if not byte_rate:
                raise ValueError("data chunk before fmt chunk")
            # Streamed WAVs write a placeholder size; trust the file length then.
            size = min(size, len(data) - pos - 8)
            return size / byte_rate
        pos += 8 + size + (size & 1)
    raise ValueError("no data chunk")
