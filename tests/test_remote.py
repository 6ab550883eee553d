"""The store's seams and the shared (remote) store, against real components: a real
render into the local store, the fsspec folder backend, and S3 through s3fs against
moto's standalone server started here on 127.0.0.1."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import run_cli, write_story


def tiny(document: dict) -> dict:
    """The 3-scene example at its cheapest: 320x180, still pictures."""
    document = dict(document)
    document["video"] = {"size": "320x180", "fps": 12, "captions": False, "motion": False}
    return document


def render_in_process(root: Path, copy_views: bool = False, remote=None):
    """Render `root` through the executor, the store writing views as copies when asked."""
    from storybuild.actions import ProviderPool
    from storybuild.execute import Executor
    from storybuild.graph import build_graph
    from storybuild.project import load_project
    from storybuild.store import Store

    project = load_project(root / "story.yaml")
    steps = build_graph(project)
    store = Store(project.build_dir, copy_views=copy_views)
    store.remote = remote
    (project.build_dir / ".storybuild").mkdir(parents=True, exist_ok=True)
    executor = Executor(steps, store, ProviderPool(project), jobs=2)
    return executor.run()


def test_views_written_as_copies_are_fresh_on_the_next_status(tmp_path, small_story):
    write_story(tmp_path, tiny(small_story))
    result = render_in_process(tmp_path, copy_views=True)
    assert result.built and not result.failed
    voice = tmp_path / "build" / "scenes" / "garden" / "voice.wav"
    assert os.stat(voice).st_nlink == 1  # a copy, not a link into the store

    status = run_cli("status", "--explain", str(tmp_path))
    assert status.returncode == 0, status.stdout
    assert status.stdout.splitlines()[-1] == f"up to date: all {len(result.built)} steps are fresh"

    os.chmod(voice, 0o644)
    voice.write_bytes(voice.read_bytes())  # the same bytes, written again: no longer what was linked
    status = run_cli("status", str(tmp_path))
    assert status.returncode == 1
    assert status.stdout.splitlines()[0].split()[:2] == ["restore", "voice/garden"]


# -- the shared store ----------------------------------------------------------------------
def two_clones(root: Path, document: dict) -> tuple[Path, Path]:
    """Two checkouts of one project in different folders."""
    first, second = root / "alice" / "story", root / "bob" / "work" / "story"
    write_story(first, document)
    write_story(second, document)
    return first, second


def remote_objects(folder: Path) -> list[Path]:
    return sorted((folder / "objects").glob("*/*"))


def same_frames(first: Path, second: Path) -> None:
    """Both videos decode to the same frames (and the same frame count)."""
    import numpy as np

    from mediacheck import frame_means, probe

    assert probe(first)["frames"] == probe(second)["frames"] > 0
    assert np.array_equal(frame_means(first), frame_means(second))


def video_of(project: Path) -> Path:
    return next((project / "build").glob("*.mp4"))


def test_second_clone_downloads_every_step_from_a_folder_remote_and_generates_nothing(tmp_path, small_story):
    first, second = two_clones(tmp_path, tiny(small_story))
    env = {"STORYBUILD_REMOTE": (tmp_path / "shared").as_uri()}
    built = run_cli("render", str(first), env=env, check=True)
    assert built.stdout.startswith("built 19, restored 0, fresh 0 ")
    assert len(list((tmp_path / "shared" / "traces").glob("*/*.json"))) == 19
    for path in remote_objects(tmp_path / "shared"):  # every visible object is whole
        assert hashlib.sha256(path.read_bytes()).hexdigest() == path.parent.name + path.name

    status = run_cli("status", "--explain", str(second), env=env)
    assert status.returncode == 1
    lines = status.stdout.splitlines()
    assert all(line.startswith("remote   ") for line in lines[:-1]) and len(lines) == 20
    assert "the remote store has it (key " in lines[0] and lines[0].endswith("): downloaded, nothing generated")
    assert lines[-1] == "0 of 19 steps would run; 19 would be downloaded from the remote store"

    fetched = run_cli("render", str(second), env=env, check=True)
    assert " built " not in fetched.stderr and fetched.stderr.count(" fetched ") == 19
    counts = [int(line.split("/")[0].lstrip("[")) for line in fetched.stderr.splitlines() if " fetched " in line]
    assert counts[-1] == 19 and counts == sorted(counts)  # fetched steps count as done
    assert fetched.stdout.startswith("built 0, restored 0, downloaded 19, fresh 0 ")
    assert run_cli("status", str(second), env=env).returncode == 0
    same_frames(video_of(first), video_of(second))


def test_a_damaged_remote_object_is_refused_rebuilt_and_replaced(tmp_path, small_story):
    first, second = two_clones(tmp_path, tiny(small_story))
    shared = tmp_path / "shared"
    run_cli("render", str(first), "--remote", shared.as_uri(), check=True)
    picture = (first / "build" / "scenes" / "garden" / "image.png").read_bytes()
    digest = hashlib.sha256(picture).hexdigest()
    damaged = shared / "objects" / digest[:2] / digest[2:]
    damaged.write_bytes(picture[:-100] + bytes(100))

    render = run_cli("render", str(second), "--remote", shared.as_uri(), check=True)
    assert (f"DAMAGED  image/garden: not taken from the remote store: the remote copy of image.png "
            f"({digest[:12]}) does not match its digest; building it here instead") in render.stderr
    # The storyboard draws the same picture again, so everything downstream still comes
    # from the remote (early cutoff), and the rebuild's upload replaced the damaged copy.
    assert render.stdout.startswith("built 1, restored 0, downloaded 18, fresh 0 ")
    assert hashlib.sha256(damaged.read_bytes()).hexdigest() == digest
    every = remote_objects(shared)
    assert all(hashlib.sha256(p.read_bytes()).hexdigest() == p.parent.name + p.name for p in every)
    same_frames(video_of(first), video_of(second))


def test_an_upload_killed_midway_leaves_nothing_visible(tmp_path):
    """SIGKILL while an object is being written to the remote: only tmp/ holds its bytes."""
    fifo = tmp_path / "object"
    os.mkfifo(fifo)
    shared = tmp_path / "shared"
    script = ("import sys\nfrom pathlib import Path\nfrom storybuild.store import Trace\n"
              "from storybuild.store_remote import Remote\n"
              f"trace = Trace('{'1' * 64}', 'image/x', {{}}, {{'image.png': '{'a' * 64}'}})\n"
              "Remote(sys.argv[1]).upload_now(trace, lambda digest: Path(sys.argv[2]))\n")
    process = subprocess.Popen([sys.executable, "-c", script, shared.as_uri(), str(fifo)])
    with open(fifo, "wb") as feed:
        feed.write(b"x" * (1 << 20))
        feed.flush()
        deadline = time.monotonic() + 60
        while not any(p.stat().st_size for p in (shared / "tmp").glob("*")) and time.monotonic() < deadline:
            time.sleep(0.01)
        process.kill()
        process.wait()
    assert any(p.stat().st_size for p in (shared / "tmp").glob("*"))  # it was killed mid-upload
    assert not list((shared / "objects").rglob("*")) and not (shared / "traces").exists()


def test_an_unusable_remote_costs_one_warning_and_the_render_goes_on_locally(tmp_path, small_story):
    write_story(tmp_path / "story", tiny(small_story))
    (tmp_path / "not-a-folder").write_text("a file where the remote's folder should be")
    url = "file://" + str(tmp_path / "not-a-folder" / "cache")
    render = run_cli("render", str(tmp_path / "story"), env={"STORYBUILD_REMOTE": url}, check=True)
    warnings = [line for line in render.stderr.splitlines() if line.startswith("warning:")]
    assert warnings == [f"warning: the remote store {url} cannot be read (NotADirectoryError); "
                        "this run builds and keeps everything locally"]
    assert render.stdout.startswith("built 19, ")


def test_remote_urls_are_printed_without_credentials(tmp_path, monkeypatch):
    from storybuild.store_remote import redact, remote_url

    assert redact("s3://AKIAXXXX:s3cr3t@bucket/cache?token=abc") == "s3://bucket/cache"
    assert redact("https://user:pw@host:8443/cache#x") == "https://host:8443/cache"
    monkeypatch.delenv("STORYBUILD_REMOTE", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    assert remote_url(tmp_path) is None
    (tmp_path / "config" / "storybuild").mkdir(parents=True)
    (tmp_path / "config" / "storybuild" / "config.yaml").write_text("remote: s3://team/cache\n")
    assert remote_url(tmp_path) == "s3://team/cache"
    (tmp_path / ".storybuild.yaml").write_text("remote: file:///mnt/shared/cache\n")
    assert remote_url(tmp_path) == "file:///mnt/shared/cache"
    monkeypatch.setenv("STORYBUILD_REMOTE", "")
    assert remote_url(tmp_path) is None
    assert remote_url(tmp_path, "s3://other/cache") == "s3://other/cache"


# -- S3 through s3fs, against moto's standalone server on 127.0.0.1 -----------------------
@pytest.fixture
def s3(monkeypatch):
    """A local S3 server with one bucket; yields the environment that reaches it."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    env = {"AWS_ACCESS_KEY_ID": "testing-key-id", "AWS_SECRET_ACCESS_KEY": "testing-secret",
           "AWS_DEFAULT_REGION": "us-east-1", "AWS_ENDPOINT_URL": f"http://{host}:{port}"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    import boto3

    boto3.client("s3").create_bucket(Bucket="studio-cache")
    yield env
    server.stop()


def test_second_clone_downloads_every_step_from_s3(tmp_path, small_story, s3):
    import boto3

    first, second = two_clones(tmp_path, tiny(small_story))
    env = {**s3, "STORYBUILD_REMOTE": "s3://studio-cache/storybuild"}
    built = run_cli("render", str(first), env=env, check=True)
    assert built.stdout.startswith("built 19, ") and "testing-secret" not in built.stdout + built.stderr
    listed = boto3.client("s3").list_objects_v2(Bucket="studio-cache", Prefix="storybuild/")["Contents"]
    names = [item["Key"] for item in listed]
    assert sum(name.startswith("storybuild/traces/") for name in names) == 19
    assert not [name for name in names if name.startswith("storybuild/tmp/")]

    fetched = run_cli("render", str(second), env=env, check=True)
    assert fetched.stdout.startswith("built 0, restored 0, downloaded 19, fresh 0 ")
    same_frames(video_of(first), video_of(second))


def test_push_and_pull_move_a_whole_build(tmp_path, small_story):
    first, second = two_clones(tmp_path, tiny(small_story))
    shared = tmp_path / "shared"
    run_cli("render", str(first), check=True)  # built without a remote
    pushed = run_cli("push", str(first), "--remote", shared.as_uri(), check=True)
    assert pushed.stdout.startswith(f"pushed 19 step(s) (") and pushed.stdout.endswith(f"sent) to {shared.as_uri()}\n")
    pulled = run_cli("pull", str(second), "--remote", shared.as_uri(), check=True)
    assert pulled.stdout == f"pulled 19 step(s) from {shared.as_uri()}; `storybuild render` links them into build/\n"
    render = run_cli("render", str(second), "--remote", "", check=True)
    assert render.stdout.startswith("built 0, restored 12, fresh 7 ")  # 7 steps have no view in build/
    same_frames(video_of(first), video_of(second))
    missing = run_cli("pull", str(second), env={"STORYBUILD_REMOTE": ""})
    assert missing.returncode == 2 and missing.stderr == (
        "Error: no remote store is set: pass --remote URL, set STORYBUILD_REMOTE, or put `remote: URL` in the "
        "project's .storybuild.yaml\n")


def test_renders_killed_while_uploading_leave_only_whole_objects_and_complete_traces(tmp_path, small_story):
    """SIGKILL (the whole process group, like a power cut) at seeded points of renders
    that upload as they build: every object the remote shows hashes to its name, and
    every trace it shows names only objects it has."""
    import json
    import random
    import signal

    write_story(tmp_path / "story", tiny(small_story))
    shared = tmp_path / "shared"
    chance = random.Random(11)
    for _ in range(4):
        process = subprocess.Popen([sys.executable, "-m", "storybuild", "render", "--progress", "lines", "--remote",
                                    shared.as_uri(), str(tmp_path / "story")],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
        for _ in range(chance.randint(2, 12)):
            if not process.stderr.readline():
                break
        time.sleep(chance.uniform(0.0, 0.3))
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.communicate(timeout=60)
        for path in remote_objects(shared):
            assert hashlib.sha256(path.read_bytes()).hexdigest() == path.parent.name + path.name, path
        for path in (shared / "traces").glob("*/*.json"):
            for digest in json.loads(path.read_text())["outputs"].values():
                assert (shared / "objects" / digest[:2] / digest[2:]).is_file(), path
    assert list((shared / "traces").glob("*/*.json"))  # the kills let some uploads finish
    run_cli("render", "--remote", shared.as_uri(), str(tmp_path / "story"), check=True)
    # What was built here but whose upload a kill cut short is stored locally only:
    # `push` sends it (a render uploads what it builds, not what it finds in build/).
    run_cli("push", "--remote", shared.as_uri(), str(tmp_path / "story"), check=True)
    steps = json.loads(run_cli("status", "--json", str(tmp_path / "story"), check=True).stdout)["steps"]
    assert len(steps) == 19
    assert all((shared / "traces" / step["key"][:2] / f"{step['key']}.json").is_file() for step in steps)


def test_views_written_as_copies_of_a_removed_scene_are_pruned_and_yours_are_kept(tmp_path, small_story):
    from storybuild.graph import build_graph
    from storybuild.maintenance import prune_stale_views
    from storybuild.project import load_project
    from storybuild.store import Store

    document = tiny(small_story)
    write_story(tmp_path, document)
    assert not render_in_process(tmp_path, copy_views=True).failed
    pool_folder = tmp_path / "build" / "scenes" / "pool"
    mine = tmp_path / "build" / "scenes" / "garden" / "notes.txt"
    mine.write_text("my notes")
    document["scenes"] = document["scenes"][:2]  # the pool scene is gone
    write_story(tmp_path, document)
    store = Store(tmp_path / "build", copy_views=True)
    removed = prune_stale_views(store, build_graph(load_project(tmp_path / "story.yaml")))
    assert removed >= 3 and not pool_folder.exists()  # its picture, voice and clip (copies), and its folder
    assert mine.read_text() == "my notes"


def test_pull_skips_a_step_whose_object_the_remote_lost_and_takes_the_rest(tmp_path, small_story):
    first, second = two_clones(tmp_path, tiny(small_story))
    shared = tmp_path / "shared"
    run_cli("render", str(first), check=True)
    run_cli("push", str(first), "--remote", shared.as_uri(), check=True)
    sorted((shared / "objects").glob("*/*"))[0].unlink()  # one object gone from the shared store
    pulled = run_cli("pull", str(second), "--remote", shared.as_uri())
    assert pulled.returncode == 0, pulled.stderr
    count = int(pulled.stdout.split()[1])
    assert 0 < count < 19 and "Traceback" not in pulled.stderr
    render = run_cli("render", str(second), "--remote", shared.as_uri(), check=True)
    assert render.stdout.startswith("built ") and not render.stdout.startswith("built 0,")
