"""Steps on a Dask cluster: a LocalCluster of worker processes, started and stopped by
the render itself on 127.0.0.1, gives the same film as the local executor."""

from __future__ import annotations

from conftest import run_cli, write_story
from mediacheck import probe
from test_remote import tiny, two_clones, video_of


def test_a_local_dask_cluster_renders_the_same_film_as_the_local_executor(tmp_path, small_story):
    """The narrator is not deterministic (piper's timing varies by a few samples), so
    the cluster's clone takes the voices from the local render through the shared
    store and makes every other step itself, on the workers."""
    here, cluster = two_clones(tmp_path, tiny(small_story))
    shared = ["--remote", (tmp_path / "shared").as_uri()]
    run_cli("render", *shared, str(here), check=True)
    others = [arg for kind in ("image", "card", "clip", "transition", "soundtrack", "video")
              for arg in ("--force", kind)]
    result = run_cli("render", "--executor", "dask", *shared, *others, str(cluster), check=True)
    assert result.stdout.startswith("built 16, restored 0, downloaded 3, fresh 0 ")
    local, remote = probe(video_of(here)), probe(video_of(cluster))
    assert remote["frames"] == local["frames"] > 0
    assert remote["duration"] == local["duration"]
    assert abs(remote["audio_duration"] - local["audio_duration"]) < 1 / 12
    # Pictures and cards are drawn deterministically, so the workers made the same bytes.
    for view in ("scenes/garden/image.png", "scenes/pool/image.png"):
        assert (here / "build" / view).read_bytes() == (cluster / "build" / view).read_bytes()
    # The client kept the bookkeeping: the build is up to date.
    assert run_cli("status", str(cluster), env={"STORYBUILD_REMOTE": ""}).returncode == 0


def test_a_local_cluster_without_a_remote_exchanges_files_through_build(tmp_path, small_story):
    write_story(tmp_path, {**tiny(small_story), "scenes": small_story["scenes"][:1]})
    result = run_cli("render", "--executor", "dask", str(tmp_path), env={"STORYBUILD_REMOTE": ""}, check=True)
    assert result.stdout.startswith("built 11, restored 0, fresh 0 ")
    assert probe(video_of(tmp_path))["frames"] > 0
    assert not (tmp_path / "build" / ".storybuild" / "exchange").exists()  # nothing left in transit


def test_a_remote_scheduler_needs_a_shared_store(tmp_path, small_story):
    write_story(tmp_path, tiny(small_story))
    result = run_cli("render", "--executor", "tcp://127.0.0.1:1", str(tmp_path), env={"STORYBUILD_REMOTE": ""})
    assert result.returncode == 2
    assert result.stderr == ("Error: --executor tcp://127.0.0.1:1: workers on other machines need a shared store; "
                             "pass --remote URL (s3://..., or file:// on a shared drive)\n")
