"""Never lose a user's file, never write outside the project, never show a traceback.

Everything here runs the real CLI on real files. Read-only and full disks are real
too: a read-only bind mount and a tmpfs with few inodes, each in a private mount
namespace (`unshare -m`), because root ignores file modes.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path, PurePath

import pytest

from conftest import run_cli, write_story
from mediacheck import probe

ADVICE_RO = "the file system is read-only; run the command on a writable copy of the project (`storybuild status` works read-only)"
ADVICE_FULL = "the disk is full; free some space (`storybuild gc` deletes stored files the story no longer uses) and run the command again"
VIDEO = "whiskers-and-buster-s-rainbow-day"


def _snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` (links not followed) with its bytes or link target."""
    found = {}
    for path in sorted(folder.rglob("*")):
        if path.is_symlink():
            found[str(path.relative_to(folder))] = os.readlink(path).encode()
        elif path.is_file():
            found[str(path.relative_to(folder))] = path.read_bytes()
    return found


def _outside(tmp_path: Path) -> Path:
    """A folder next to the project, with a file a careless tool could clobber."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "precious.mp4").write_bytes(b"not storybuild's")
    return outside


@pytest.fixture
def built(tmp_path, small_story):
    """A rendered 3-scene project at tmp_path/project."""
    project = tmp_path / "project"
    write_story(project, small_story)
    run_cli("render", str(project), check=True)
    return project


# -- clean ----------------------------------------------------------------------------
def test_clean_removes_only_views_and_lists_what_it_kept(tmp_path, built, small_story):
    build = built / "build"
    outside = _outside(tmp_path)
    (build / "notes.txt").write_text("mine")
    (build / "scenes" / "garden" / "mine.txt").write_text("mine")
    os.link(build / "scenes" / "garden" / "image.png", build / "scenes" / "garden" / "favourite.png")
    (build / "scenes" / "pool" / "image.png").unlink()
    (build / "scenes" / "pool" / "image.png").write_bytes(b"my own drawing")  # saved over a view
    (build / "outside").symlink_to(outside)
    (build / "extra.mp4").symlink_to(outside / "precious.mp4")
    (build / "loop").symlink_to(build / "loop")  # ELOOP for anyone who follows it
    (build / "scenes" / "garden" / "up").symlink_to("..")  # a folder cycle
    before = _snapshot(outside)

    result = run_cli("clean", ".", cwd=built, check=True)
    assert result.stdout == (
        "removed 17 build outputs; the store is kept, so the next render restores them; kept 8 files storybuild "
        "did not make: build/extra.mp4 (a symbolic link), build/loop (a symbolic link), build/notes.txt, "
        "build/outside (a symbolic link), build/scenes/garden/favourite.png, build/scenes/garden/mine.txt, "
        "build/scenes/garden/up (a symbolic link), build/scenes/pool/image.png\n")
    assert _snapshot(outside) == before
    assert sorted(p.name for p in build.iterdir()) == [".storybuild", "extra.mp4", "loop", "notes.txt", "outside",
                                                       "scenes"]
    assert sorted(p.name for p in (build / "scenes").iterdir()) == ["garden", "pool"]  # rainbow was emptied
    assert (build / "scenes" / "pool" / "image.png").read_bytes() == b"my own drawing"

    (build / "scenes" / "pool" / "image.png").unlink()  # give the view's place back
    run_cli("render", str(built), check=True)
    result = run_cli("clean", "--all", ".", cwd=built, check=True)
    assert result.stdout == (
        "removed 18 build outputs and the store (build/.storybuild); kept 7 files storybuild did not make: "
        "build/extra.mp4 (a symbolic link), build/loop (a symbolic link), build/notes.txt, "
        "build/outside (a symbolic link), build/scenes/garden/favourite.png, build/scenes/garden/mine.txt, "
        "build/scenes/garden/up (a symbolic link)\n")
    assert _snapshot(outside) == before
    assert sorted(p.name for p in (build / ".storybuild").iterdir()) == ["MARKER"]  # still recognisably ours
    assert (build / "scenes" / "garden" / "favourite.png").is_file()  # a hard link outlives its object
    assert run_cli("clean", ".", cwd=built, check=True).stdout.startswith("removed 0 build outputs;")


def test_clean_all_of_a_build_with_only_storybuild_files_removes_build(built):
    result = run_cli("clean", "--all", str(built), check=True)
    assert result.stdout == f"removed 18 build outputs, the store and the empty folder {built}/build\n"
    assert sorted(p.name for p in built.iterdir()) == ["story.yaml"]
    assert run_cli("clean", str(built), check=True).stdout == f"nothing to clean: {built}/build does not exist\n"


def test_clean_refuses_a_symlinked_build_and_leaves_its_target_alone(tmp_path, built, small_story):
    other = tmp_path / "other"
    shutil.move(built / "build", other)  # a real storybuild build, marker and all
    (built / "build").symlink_to(other)
    before = _snapshot(other)
    for args in (("clean",), ("clean", "--all")):
        result = run_cli(*args, str(built))
        assert result.returncode == 2
        assert result.stderr == (f"Error: {built}/build is a symbolic link (to {other}); clean never deletes "
                                 "through a link, so nothing was removed\n")
    small_story["scenes"][0]["narration"] = "Something new to render."
    write_story(built, small_story)
    result = run_cli("render", str(built))
    assert result.returncode == 2
    assert result.stderr == (f"Error: refusing to write through a symbolic link: {built}/build points to {other}; "
                             "storybuild writes only inside the project, so make it a real folder (or remove it) "
                             "and run again\n")
    assert _snapshot(other) == before


def test_clean_of_a_mistyped_path_creates_nothing(tmp_path):
    missing = tmp_path / "no-such-project"
    result = run_cli("clean", str(missing))
    assert result.returncode == 2
    assert result.stderr == f"Error: no storybuild project at {missing}: no such folder; nothing removed\n"
    assert not missing.exists()
    result = run_cli("clean", "--all", ".", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == "Error: no storybuild project at .: it has no story.yaml and no build folder; nothing removed\n"
    assert list(tmp_path.iterdir()) == []


def test_clean_leaves_a_build_folder_storybuild_did_not_make(tmp_path):
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "app.mp4").write_bytes(b"another tool's output")
    result = run_cli("clean", "--all", ".", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == ("Error: build was not made by storybuild (it has no .storybuild/MARKER), so clean removes "
                             "nothing there; if storybuild did make it, run `storybuild render` once to mark it\n")
    assert _snapshot(tmp_path) == {"build/app.mp4": b"another tool's output"}


def test_every_view_of_a_real_graph_is_a_view_path_clean_recognises(tmp_path):
    from storybuild.buildfs import is_view_path
    from storybuild.graph import build_graph
    from test_plan import make_project

    for provider in ("storyboard", "gemini"):  # gemini adds character sheets
        views = [rel for step in build_graph(make_project(tmp_path, provider)) for rel in step.views.values()]
        assert views and all(is_view_path(PurePath(rel)) for rel in views)
    assert not any(is_view_path(PurePath(rel)) for rel in ("notes.txt", "scenes/a/notes.png", "scenes/a/b/clip.mp4",
                                                           ".storybuild", "characters/a/b.png"))


def test_file_system_errors_read_as_one_line_with_the_path_and_what_to_do():
    import errno

    from storybuild.errors import describe_os_error

    denied = PermissionError(errno.EACCES, "Permission denied", "build/.storybuild/lock")
    assert describe_os_error(denied, "open the lock file") == (
        "cannot open the lock file build/.storybuild/lock: permission denied; check that you may write to that "
        "folder (its owner and mode)")
    assert describe_os_error(OSError(errno.ENOSPC, "No space left on device"), None, "build/x") == f"build/x: {ADVICE_FULL}"
    assert describe_os_error(OSError(errno.EIO, "Input/output error", "build/y")) == (
        "cannot write build/y: Input/output error; fix it and run the command again")


# -- links ------------------------------------------------------------------------------
def test_render_refuses_a_symlinked_scene_folder_before_writing(tmp_path, built, small_story):
    outside = _outside(tmp_path)
    shutil.rmtree(built / "build" / "scenes" / "garden")
    (built / "build" / "scenes" / "garden").symlink_to(outside)
    small_story["scenes"][0]["narration"] = "Something new to render."
    write_story(built, small_story)
    result = run_cli("render", str(built))
    assert result.returncode == 2
    assert result.stderr == (f"Error: refusing to write through a symbolic link: {built}/build/scenes/garden points to "
                             f"{outside}; storybuild writes only inside the project, so make it a real folder (or "
                             "remove it) and run again\n")
    assert _snapshot(outside) == {"precious.mp4": b"not storybuild's"}


def test_a_symlinked_lock_file_is_refused_and_its_target_untouched(tmp_path, built, small_story):
    outside = _outside(tmp_path)
    lock = built / "build" / ".storybuild" / "lock"
    lock.unlink()
    lock.symlink_to(outside / "precious.mp4")
    small_story["scenes"][0]["narration"] = "Something new to render."
    write_story(built, small_story)
    result = run_cli("render", str(built))
    assert result.returncode == 1
    assert result.stderr == (f"Error: cannot open the lock file {lock}: it is a symbolic link; replace the link with a "
                             "real file or folder\n")
    assert _snapshot(outside) == {"precious.mp4": b"not storybuild's"}


def test_identical_reruns_leave_no_hidden_link_files(built):
    run_cli("render", "--force", "clip", "--force", "video", str(built), check=True)  # same bytes again
    assert [p for p in (built / "build").rglob(".*") if p.name != ".storybuild" and ".storybuild" not in p.parts] == []


def test_a_project_path_with_a_newline_and_a_quote_renders(tmp_path, small_story):
    project = tmp_path / "it's a\nnew line"
    small_story["scenes"] = small_story["scenes"][:2]
    small_story["video"]["motion"] = False
    write_story(project, small_story)
    run_cli("render", str(project), check=True)
    clips = [probe(project / "build" / "scenes" / s["id"] / "clip.mp4")["frames"] for s in small_story["scenes"]]
    assert probe(project / "build" / f"{VIDEO}.mp4")["frames"] > sum(clips) > 0  # cards and seams around them


# -- read-only and full disks ------------------------------------------------------------
def _namespace(setup: str, *args: str, env: dict | None = None):
    """Run the CLI after `setup` (shell, with $TARGET) in a private mount namespace."""
    command = ["unshare", "-m", "--propagation", "private", "sh", "-c", f"{setup} && exec \"$@\"", "sh",
               sys.executable, "-m", "storybuild", *args]
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(command, capture_output=True, text=True, env=full_env, timeout=300)


def _mounts_work() -> bool:
    probe_dir = Path(os.environ.get("TMPDIR", "/tmp"))
    try:
        return subprocess.run(["unshare", "-m", "--propagation", "private", "mount", "-t", "tmpfs", "tmpfs",
                               str(probe_dir)], capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


needs_mounts = pytest.mark.skipif(not _mounts_work(), reason="needs `unshare -m` and mount (root in a container)")
READ_ONLY = 'mount --bind -o ro "$TARGET" "$TARGET"'


@needs_mounts
def test_status_and_a_noop_render_work_on_a_read_only_checkout(built, small_story):
    ro = {"TARGET": str(built)}
    status = _namespace(READ_ONLY, "status", str(built), env=ro)
    assert (status.returncode, status.stderr) == (0, "")
    assert status.stdout == "up to date: all 19 steps are fresh\n"
    render = _namespace(READ_ONLY, "render", str(built), env=ro)
    assert (render.returncode, render.stderr) == (0, "")
    assert render.stdout.startswith("up to date (19 steps fresh)")

    clean = _namespace(READ_ONLY, "clean", str(built), env=ro)
    assert clean.returncode == 1
    assert clean.stderr == f"Error: cannot open the lock file {built}/build/.storybuild/lock: {ADVICE_RO}\n"
    small_story["scenes"][0]["narration"] = "Something new to render."
    write_story(built, small_story)
    render = _namespace(READ_ONLY, "render", str(built), env=ro)
    assert render.returncode == 1
    assert render.stderr == f"Error: cannot open the lock file {built}/build/.storybuild/lock: {ADVICE_RO}\n"


@needs_mounts
def test_a_read_only_project_that_was_never_built(tmp_path, small_story):
    write_story(tmp_path, small_story)
    ro = {"TARGET": str(tmp_path)}
    status = _namespace(READ_ONLY, "status", str(tmp_path), env=ro)
    assert status.returncode == 1 and status.stdout.endswith("19 of 19 steps would run (8 stale, 11 blocked)\n")
    render = _namespace(READ_ONLY, "render", str(tmp_path), env=ro)
    assert render.returncode == 1
    assert render.stderr == f"Error: cannot write {tmp_path}/build: {ADVICE_RO}\n"
    assert not (tmp_path / "build").exists()


@needs_mounts
def test_a_full_disk_gives_one_clear_line_at_every_point(tmp_path, small_story):
    """A tmpfs with few inodes fills up at a different write for each size: creating
    the build folder, the marker, scratch, a step's output, a trace, current.json,
    a view. Every one must end in a clear message, never a traceback."""
    small_story["scenes"] = small_story["scenes"][:1]
    small_story["video"]["motion"] = False
    write_story(tmp_path / "source", small_story)
    target = tmp_path / "disk"
    setup = 'mount -t tmpfs -o size=20m,nr_inodes=$INODES tmpfs "$TARGET" && cp "$SOURCE" "$TARGET"/'
    ours = 0
    for inodes in (4, 8, 12, 16, 20, 24, 28):
        target.mkdir(exist_ok=True)
        env = {"TARGET": str(target), "SOURCE": str(tmp_path / "source" / "story.yaml"), "INODES": str(inodes)}
        result = _namespace(setup, "render", "-j", "1", str(target), env=env)
        assert "Traceback" not in result.stderr, result.stderr
        if result.returncode == 0:
            continue
        assert result.returncode == 1, result.stderr
        errors = [line for line in result.stderr.splitlines() if not line.startswith("[")]
        assert errors[0].startswith("Error: "), result.stderr
        assert ADVICE_FULL in result.stderr or "No space left on device" in result.stderr, result.stderr
        ours += errors[0].endswith(ADVICE_FULL)  # raised by storybuild itself, not a step
    assert ours >= 2


# -- ffmpeg dies with storybuild -----------------------------------------------------------
def _children(pid: int, name: str) -> list[int]:
    """Pids of live (non-zombie) processes whose parent is `pid` and whose name has `name`."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            state = _stat(int(entry.name))
            if state and state[1] == pid and name in state[2] and state[0] != "Z":
                found.append(int(entry.name))
    return found


def _stat(pid: int) -> tuple[str, int, str] | None:
    """(state, parent pid, command name) from /proc/<pid>/stat, or None when gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    name, rest = text[text.index("(") + 1 : text.rindex(")")], text[text.rindex(")") + 2 :].split()
    return rest[0], int(rest[1]), name


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
@pytest.mark.parametrize("way", ["setpriv", "prctl in preexec_fn"])
def test_kill_9_of_storybuild_kills_its_ffmpeg(tmp_path, small_story, way):
    for scene in small_story["scenes"]:
        scene["duration"] = 60  # long clips: each ffmpeg runs for many seconds
    write_story(tmp_path, small_story)
    # Without setpriv on PATH, media falls back to prctl in a preexec_fn.
    env = {**os.environ, **({} if way == "setpriv" else {"PATH": str(tmp_path / "no-such-bin")})}
    render = subprocess.Popen([sys.executable, "-m", "storybuild", "render", "-j", "2", str(tmp_path)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    deadline = time.monotonic() + 120
    ffmpeg = []
    while not ffmpeg and time.monotonic() < deadline and render.poll() is None:
        time.sleep(0.05)
        ffmpeg = _children(render.pid, "ffmpeg")
    assert ffmpeg, "the render never started ffmpeg"
    time.sleep(0.3)  # well inside a clip that takes seconds
    render.send_signal(signal.SIGKILL)
    render.wait()
    deadline = time.monotonic() + 2
    alive = ffmpeg
    while alive and time.monotonic() < deadline:
        time.sleep(0.05)
        alive = [pid for pid in ffmpeg if (_stat(pid) or ("Z",))[0] != "Z"]
    for pid in alive:  # do not leave them running if the check fails
        os.kill(pid, signal.SIGKILL)
    assert alive == []


def test_a_file_saved_over_a_view_is_moved_aside_not_overwritten(built, small_story):
    pool = built / "build" / "scenes" / "pool"
    (pool / "image.png").unlink()
    (pool / "image.png").write_bytes(b"my own drawing")
    (pool / "image.yours.png").write_bytes(b"an older drawing")
    small_story["scenes"][2]["image"] = "A pool of rubber ducks."
    write_story(built, small_story)
    result = run_cli("render", str(built), check=True)
    assert (f"kept your file {pool}/image.png as {pool}/image.yours-2.png: that path is where storybuild "
            "puts its own\n") in result.stderr
    assert (pool / "image.yours-2.png").read_bytes() == b"my own drawing"
    assert (pool / "image.yours.png").read_bytes() == b"an older drawing"
    assert (pool / "image.png").read_bytes().startswith(b"\x89PNG")
    # A view whose bytes live on elsewhere (a hard link of yours) is simply replaced.
    os.link(pool / "image.png", built / "mine.png")
    small_story["scenes"][2]["image"] = "A pool of rubber ducks and beach balls."
    write_story(built, small_story)
    assert "kept your file" not in run_cli("render", str(built), check=True).stderr
    assert (built / "mine.png").read_bytes() != (pool / "image.png").read_bytes()
    assert sorted(p.name for p in pool.iterdir()) == ["captions.json", "clip.mp4", "image.png", "image.yours-2.png",
                                                     "image.yours.png", "voice.wav"]
